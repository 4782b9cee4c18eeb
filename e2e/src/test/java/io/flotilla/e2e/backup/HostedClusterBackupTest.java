package io.flotilla.e2e.backup;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.Fleet;
import io.flotilla.e2e.SandboxFleets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.flotilla.e2e.backup.BackupHarness.CLUSTER;
import static io.flotilla.e2e.backup.BackupHarness.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A HostedClusterBackup end to end on the sandbox: the record on the hub, the agent, the HyperShift simulator with a
 * real etcd per hosted cluster, S3Proxy. What is stored must be what etcd served, the pause contract must hold, and
 * the backup must be readable from the bucket alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostedClusterBackupTest {
  @TempDir
  static Path dir;
  Fleet fleet;
  BackupHarness h;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(1).withHostedPerCluster(4)
        .withEtcdSeedBytes(6L << 20));
    h = new BackupHarness(fleet);
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void storedSnapshotIsTheSnapshotEtcdServedWithItsRevisionAndKeyCount() throws Exception {
    assumeTrue(BackupHarness.onPath("etcdctl"), "etcdctl not installed (Debian package etcd-client)");
    EtcdState atBackup;
    try (Client etcd = fleet.simulator(CLUSTER).etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      atBackup = EtcdState.read(etcd, Duration.ofSeconds(10));
    }

    HostedClusterBackup done = h.awaitEnd(h.create("hc-1", s -> { }));

    var st = done.getStatus();
    assertThat(st.phase).as(String.valueOf(st.conditions)).isEqualTo(Phase.Completed);
    assertThat(Conditions.find(st.conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow().getReason())
        .isEqualTo("BackupCompleted");
    assertThat(st.snapshot.etcdRevision).isEqualTo(atBackup.revision());
    assertThat(st.snapshot.keys).isEqualTo(atBackup.keys());
    assertThat(st.location.bucket).isEqualTo(fleet.objectStore().bucket());
    assertThat(st.location.keyPrefix).isEqualTo(h.folder("hc-1", done.getMetadata().getName()));
    assertThat(st.progress.bytesDone).isEqualTo(st.snapshot.rawBytes);
    assertThat(st.snapshot.storedBytes).isLessThan(st.snapshot.rawBytes);
    Instant started = Time.parse(st.startedAt);
    Instant paused = Time.parse(st.pausedAt);
    Instant resumed = Time.parse(st.resumedAt);
    Instant completed = Time.parse(st.completedAt);
    assertThat(started).isBeforeOrEqualTo(paused);
    assertThat(paused).isBeforeOrEqualTo(resumed);
    assertThat(resumed).isBeforeOrEqualTo(completed);
    assertThat(h.pausedUntil("hc-1")).isNull();

    // From the bucket alone: decrypt, decompress, check against the manifest; then etcd's own view of the bytes.
    Path snapshot = h.download(done, dir);
    assertThat(sha256(Files.readAllBytes(snapshot))).isEqualTo(st.snapshot.sha256);
    JsonNode status = BackupHarness.etcdctlSnapshotStatus(snapshot);
    assertThat(status.get("revision").asLong()).isEqualTo(atBackup.revision());
    assertThat(status.get("totalKey").asLong()).isGreaterThanOrEqualTo(atBackup.keys());

    // The resources object holds what a restore needs besides etcd.
    assertThat(resourceEntries(done)).contains(
        "clusters/HostedCluster/hc-1.yaml", "clusters/NodePool/hc-1-workers.yaml", "clusters/Secret/hc-1-pull-secret.yaml",
        "clusters/Secret/hc-1-etcd-encryption-key.yaml", "clusters-hc-1/HostedControlPlane/hc-1.yaml",
        "clusters-hc-1/Secret/root-ca.yaml", "clusters-hc-1/Secret/etcd-client-tls.yaml");
    assertThat(h.objectKeys(st.location.keyPrefix)).containsExactlyInAnyOrder(
        st.location.keyPrefix + "etcd-snapshot.db.zst.enc", st.location.keyPrefix + "resources.tar.zst.enc",
        st.location.keyPrefix + BackupLayout.MANIFEST);

    List<String> reasons = fleet.hub().v1().events().inNamespace(CLUSTER).list().getItems().stream()
        .filter(e -> done.getMetadata().getName().equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    assertThat(reasons).contains("BackupStarted", "BackupCompleted");
  }

  /**
   * The pause contract: while the backup runs, pausedUntil is an RFC 3339 deadline (never "true"); afterwards the
   * value from before is back exactly. A cluster already paused through the whole window is not touched at all.
   */
  @ParameterizedTest
  @ValueSource(strings = {"<absent>", "true", "2020-01-01T00:00:00Z", "+30s", "+2h"})
  void pauseContract(String previousSpec) throws Exception {
    String previous = switch (previousSpec) {
      case "<absent>" -> null;
      case "+30s" -> Time.format(Instant.now().plusSeconds(30));
      case "+2h" -> Time.format(Instant.now().plus(Duration.ofHours(2)));
      default -> previousSpec;
    };
    boolean coversWindow = "true".equals(previous) || "+2h".equals(previousSpec);
    h.setPausedUntil("hc-2", previous);
    String nodePoolBefore = nodePoolPausedUntil("hc-2");
    HostedClusterBackup done;
    List<String> seen;
    try (var recorder = new BackupHarness.PauseRecorder(h.spoke(), "hc-2")) {
      await().until(() -> !recorder.values().isEmpty());
      done = h.awaitEnd(h.create("hc-2", s -> s.maxPauseWindow = "5m"));
      await().atMost(Duration.ofSeconds(5)).until(() -> java.util.Objects.equals(
          recorder.values().get(recorder.values().size() - 1), previous));
      seen = recorder.values();
    } finally {
      h.setPausedUntil("hc-2", null);
    }
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
    assertThat(nodePoolPausedUntil("hc-2")).isEqualTo(nodePoolBefore);
    if (coversWindow) {
      assertThat(seen).as("a cluster paused through the whole window is left alone").containsExactly(previous);
      return;
    }
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0)).isEqualTo(previous);
    assertThat(seen.get(2)).isEqualTo(previous);
    String deadline = seen.get(1);
    assertThat(deadline).isNotEqualTo("true").matches("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}.*Z$");
    Instant pausedAt = Time.parse(done.getStatus().pausedAt);
    assertThat(Time.parse(deadline)).isBetween(pausedAt.plus(Duration.ofMinutes(5)).minusSeconds(2),
        pausedAt.plus(Duration.ofMinutes(5)).plusSeconds(2));
  }

  @Test
  void quiesceScalesTheApiServersToZeroAndBackToTheirCounts() {
    String cpNs = HostedCluster.controlPlaneNamespace(NS, "hc-3");
    Map<String, Integer> before = new java.util.LinkedHashMap<>();
    for (String d : List.of("kube-apiserver", "openshift-apiserver", "openshift-oauth-apiserver")) {
      before.put(d, h.spoke().apps().deployments().inNamespace(cpNs).withName(d).get().getSpec().getReplicas());
    }
    assertThat(before.values()).allMatch(r -> r > 0);
    List<Integer> kasReplicas = Collections.synchronizedList(new ArrayList<>());
    SharedIndexInformer<Deployment> informer = h.spoke().apps().deployments().inNamespace(cpNs)
        .withField("metadata.name", "kube-apiserver").inform(new ResourceEventHandler<>() {
          @Override public void onAdd(Deployment d) { kasReplicas.add(d.getSpec().getReplicas()); }
          @Override public void onUpdate(Deployment o, Deployment d) { kasReplicas.add(d.getSpec().getReplicas()); }
          @Override public void onDelete(Deployment d, boolean b) { }
        }, 0);
    try {
      HostedClusterBackup done = h.awaitEnd(h.create("hc-3", s -> s.quiesceAPIServers = true));
      assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(kasReplicas).contains(0));
    } finally {
      informer.close();
    }
    before.forEach((d, r) -> assertThat(h.spoke().apps().deployments().inNamespace(cpNs).withName(d).get()
        .getSpec().getReplicas()).as(d).isEqualTo(r));
  }

  @Test
  void verifyOnRequestThenDeleteRemovesTheObjects() {
    assumeTrue(BackupHarness.onPath("etcdctl"), "etcdctl not installed (Debian package etcd-client)");
    HostedClusterBackup done = h.awaitEnd(h.create("hc-4", s -> { }));
    assertThat(done.getStatus().phase).isEqualTo(Phase.Completed);
    assertThat(done.getMetadata().getFinalizers()).contains(HostedClusterBackup.OBJECTS_FINALIZER);
    String name = done.getMetadata().getName();

    h.hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + HostedClusterBackup.VERIFY_ANNOTATION + "\":\"r1\"}}}");
    await().atMost(Duration.ofSeconds(60)).until(() -> h.get(name).getStatus().verification != null);
    var v = h.get(name).getStatus().verification;
    assertThat(v.passed).as(v.message).isTrue();
    assertThat(v.request).isEqualTo("r1");
    assertThat(v.sha256Matches).isTrue();
    assertThat(v.etcdRevision).isEqualTo(done.getStatus().snapshot.etcdRevision);
    assertThat(Conditions.isTrue(h.get(name).getStatus().conditions, HostedClusterBackup.CONDITION_VERIFIED)).isTrue();

    String folder = done.getStatus().location.keyPrefix;
    assertThat(h.objectKeys(folder)).hasSize(3);
    h.hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> h.get(name) == null);
    assertThat(h.objectKeys(folder)).isEmpty();
  }

  /** No key material, credential or presigned-URL signature in the agent's logs, even at DEBUG. */
  @Test
  void logsCarryNoKeysSecretsOrSignatures() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    Map<String, Level> saved = new java.util.HashMap<>();
    for (String name : List.of("io.flotilla", "software.amazon.awssdk", "io.fabric8", "io.etcd")) {
      Logger l = (Logger) LoggerFactory.getLogger(name);
      saved.put(name, l.getLevel());
      l.setLevel(Level.DEBUG);
    }
    HostedClusterBackup done;
    try {
      done = h.awaitEnd(h.create("hc-1", s -> { }));
    } finally {
      saved.forEach((name, level) -> ((Logger) LoggerFactory.getLogger(name)).setLevel(level));
      root.detachAppender(captured);
    }
    assertThat(done.getStatus().phase).isEqualTo(Phase.Completed);
    var keySecret = h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).get();
    String kekBase64 = keySecret.getData().get("key");
    byte[] kek = Base64.getDecoder().decode(kekBase64);
    String wrapped;
    try (S3Client s3 = h.s3()) {
      String folder = done.getStatus().location.keyPrefix;
      wrapped = new BackupCatalog(s3, fleet.objectStore().bucket())
          .read(new BackupCatalog.BackupRef(folder, folder + BackupLayout.MANIFEST)).wrappedDataKey();
    }
    List<String> forbidden = List.of(kekBase64, HexFormat.of().formatHex(kek), fleet.objectStore().secretKey(), wrapped,
        "X-Amz-Signature", "x-amz-signature");
    StringBuilder everything = new StringBuilder();
    // The agent's side only: the sandbox's mock API server and S3Proxy log whole requests at DEBUG, as servers do.
    List<ILoggingEvent> agentSide = captured.list.stream().filter(e -> !e.getLoggerName().startsWith("io.fabric8.kubernetes.client.server.mock")
        && !e.getLoggerName().startsWith("io.fabric8.mockwebserver") && !e.getLoggerName().startsWith("org.gaul")
        && !e.getLoggerName().startsWith("io.flotilla.sandbox")).toList();
    for (ILoggingEvent e : agentSide) {
      everything.append(e.getFormattedMessage()).append('\n');
      if (e.getThrowableProxy() != null) {
        everything.append(e.getThrowableProxy().getMessage()).append('\n');
      }
    }
    assertThat(agentSide).as("the test must have seen the agent's DEBUG output").hasSizeGreaterThan(20);
    assertThat(agentSide).anyMatch(e -> e.getLoggerName().startsWith("software.amazon.awssdk"));
    String statusJson = fleet.hub().getKubernetesSerialization().asJson(h.get(done.getMetadata().getName()));
    String events = fleet.hub().getKubernetesSerialization().asJson(fleet.hub().v1().events().inNamespace(CLUSTER).list());
    for (String secret : forbidden) {
      assertThat(everything.toString()).as("logs").doesNotContain(secret);
      assertThat(statusJson).as("status").doesNotContain(secret);
      assertThat(events).as("events").doesNotContain(secret);
    }
  }

  private String nodePoolPausedUntil(String hc) {
    NodePool np = h.spoke().resources(NodePool.class).inNamespace(NS).withName(hc + "-workers").get();
    return np.getSpec() == null ? null : np.getSpec().pausedUntil;
  }

  private List<String> resourceEntries(HostedClusterBackup b) throws Exception {
    try (S3Client s3 = h.s3()) {
      String folder = b.getStatus().location.keyPrefix;
      BackupManifest m = new BackupCatalog(s3, fleet.objectStore().bucket())
          .read(new BackupCatalog.BackupRef(folder, folder + BackupLayout.MANIFEST));
      ByteArrayOutputStream tar = new ByteArrayOutputStream();
      new SnapshotReader(s3, fleet.objectStore().bucket(), Codec.fromManifestName(m.codec()),
          BackupEncryption.forReading(m, h.kek()))
          .read(folder + m.resources().object(), BackupLayout.RESOURCES_ROLE, m.resources().figures(), tar);
      List<String> names = new ArrayList<>();
      try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
          names.add(e.getName());
          if (e.getName().equals("clusters/HostedCluster/" + b.getSpec().hostedCluster.name + ".yaml")) {
            String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(yaml).doesNotContain("status:").doesNotContain("resourceVersion");
          }
        }
      }
      return names;
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
