package io.flotilla.e2e.backup;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.BackupJournal;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.agent.hostedcluster.HostedClusterPauser;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.e2e.JavaProcess;
import io.flotilla.sandbox.Fleet;
import io.flotilla.e2e.SandboxFleets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.flotilla.e2e.backup.BackupHarness.CLUSTER;
import static io.flotilla.e2e.backup.BackupHarness.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Backups that go wrong. Each ends with the hosted cluster resumed exactly as it was, no manifest.json, no multipart
 * upload left open, and the record Failed with a reason; problems that preflight can see are caught before anything is
 * paused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupFaultTest {
  private static final String AGENT_MAIN = "io.flotilla.agent.SpokeAgentMain";

  @TempDir
  static Path dir;
  Fleet fleet;
  BackupHarness h;

  @BeforeAll
  void up() {
    // 6 MiB of etcd data: at 1 MiB/s the snapshot takes several seconds, long enough to break it on purpose.
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(1).withHostedPerCluster(5)
        .withEtcdSeedBytes(6L << 20));
    h = new BackupHarness(fleet);
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @AfterEach
  void normalAgent() {
    fleet.stopAgent(CLUSTER);
    fleet.startAgent(CLUSTER);
  }

  @Test
  void objectStoreFailingMidUploadAbortsTheUploadAndResumes() {
    fleet.stopAgent(CLUSTER);
    fleet.startAgent(CLUSTER, c -> c, failingUploadParts(StoreConnector.AWS_SDK));
    HostedClusterBackup done;
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-1")) {
      done = h.awaitEnd(h.create("hc-1", s -> { }));
      assertThat(pause.values()).as("paused with a deadline, then put back").hasSize(3).last().isNull();
    }
    assertFailed(done, BackupFailure.UPLOAD_FAILED);
    assertNothingLeft("hc-1", done);
  }

  @Test
  void unreachableObjectStoreFailsBeforePausing() {
    BackupStore unreachable = fleet.hub().resources(BackupStore.class).withName(Fleet.BACKUP_STORE).get();
    unreachable.setMetadata(new ObjectMetaBuilder().withName("unreachable").build());
    unreachable.getSpec().endpoint = "http://127.0.0.1:9"; // discard port: nothing listens
    fleet.hub().resource(unreachable).create();
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-1")) {
      HostedClusterBackup done = h.awaitEnd(h.create("hc-1", s -> s.store = "unreachable"));
      assertFailed(done, BackupFailure.STORE_UNREACHABLE);
      assertThat(pause.values()).as("nothing paused").containsExactly((String) null);
    }
  }

  /**
   * Stores that would make the agent a confused deputy, written straight to the hub as someone bypassing the webhook
   * would (the sandbox's API server calls no webhook): the agent refuses each before it reads a Secret or pauses.
   */
  @Test
  void unencryptedForeignSecretAndPlainHttpStoresAreRefusedBeforePausing() {
    BackupStore base = fleet.hub().resources(BackupStore.class).withName(Fleet.BACKUP_STORE).get();
    java.util.Map<String, java.util.function.Consumer<BackupStore>> stores = new java.util.LinkedHashMap<>();
    stores.put("unencrypted", s -> {
      s.getSpec().encryption.type = io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.Type.None;
      s.getSpec().encryption.keySecret = null;
    });
    stores.put("foreign-secret", s -> s.getSpec().credentialsSecret =
        new io.flotilla.api.common.NamespacedName("kube-system", "bootstrap-token"));
    stores.put("plain-http", s -> s.getSpec().insecureEndpoint = null);
    for (var e : stores.entrySet()) {
      BackupStore store = fleet.hub().getKubernetesSerialization().clone(base);
      store.setMetadata(new ObjectMetaBuilder().withName(e.getKey()).build());
      e.getValue().accept(store);
      fleet.hub().resource(store).create();
      try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-4")) {
        HostedClusterBackup done = h.awaitEnd(h.create("hc-4", s -> s.store = e.getKey()));
        assertFailed(done, BackupFailure.STORE_REFUSED);
        assertThat(pause.values()).as(e.getKey() + ": nothing paused").containsExactly((String) null);
      }
    }
  }

  @Test
  void etcdDyingMidSnapshotFailsAndResumesThenAnUnreachableEtcdIsCaughtBeforePausing() {
    fleet.stopAgent(CLUSTER);
    fleet.startAgent(CLUSTER, c -> c.withBackup(c.backup().withBandwidthLimit(1L << 20)), StoreConnector.AWS_SDK);
    HostedClusterBackup done;
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-3")) {
      HostedClusterBackup b = h.create("hc-3", s -> { });
      h.awaitStep(b, "Snapshot");
      fleet.simulator(CLUSTER).etcdFor(NS, "hc-3").orElseThrow().close();
      done = h.awaitEnd(b);
      await().atMost(Duration.ofSeconds(5)).until(() -> pause.values().get(pause.values().size() - 1) == null);
    }
    assertFailed(done, BackupFailure.SNAPSHOT_FAILED);
    assertNothingLeft("hc-3", done);

    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-3")) {
      HostedClusterBackup again = h.awaitEnd(h.create("hc-3", s -> { }));
      assertFailed(again, BackupFailure.ETCD_UNREACHABLE);
      assertThat(pause.values()).as("nothing paused").containsExactly((String) null);
    }
  }

  /**
   * A real agent process, killed with SIGKILL mid-snapshot: the deadline ends the pause without it; the agent that
   * starts next finds its journal, puts pausedUntil back, aborts the upload and marks the backup Failed.
   */
  @Test
  void agentKilledMidSnapshotIsResumedByTheDeadlineAndMarkedFailedOnRestart() throws Exception {
    fleet.stopAgent(CLUSTER);
    Path fleetDir = dir.resolve("fleet");
    Process agent = JavaProcess.start(dir.resolve("agent.log"), Map.of(), AGENT_MAIN,
        "--hub-kubeconfig", fleetDir.resolve("agents").resolve(CLUSTER + "-hub.kubeconfig").toString(),
        "--kubeconfig", fleetDir.resolve(CLUSTER + ".kubeconfig").toString(), "--cluster-name", CLUSTER,
        "--heartbeat-interval", "1s", "--backup-bandwidth-limit", "1Mi");
    HostedClusterBackup b;
    try {
      b = h.create("hc-2", s -> s.maxPauseWindow = "6s");
      h.awaitStep(b, "Snapshot");
      assertThat(h.danglingUploads(h.folder("hc-2", b.getMetadata().getName()))).isEqualTo(1);
    } finally {
      agent.destroyForcibly().waitFor();
    }
    String deadline = h.pausedUntil("hc-2");
    assertThat(deadline).as("killed while paused with a deadline").isNotNull().isNotEqualTo("true");
    assertThat(Time.parse(deadline)).isBefore(Instant.now().plusSeconds(7));
    assertThat(h.get(b.getMetadata().getName()).getStatus().phase).isEqualTo(Phase.InProgress);
    assertThat(h.objectKeys(h.folder("hc-2", b.getMetadata().getName()))).noneMatch(k -> k.endsWith("manifest.json"));

    // No agent: HyperShift itself resumes reconciliation at the deadline.
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      HostedCluster hc = h.hostedCluster("hc-2");
      return Conditions.isTrue(hc.getStatus().conditions, HostedCluster.RECONCILIATION_ACTIVE);
    });

    fleet.startAgent(CLUSTER);
    HostedClusterBackup failed = h.awaitEnd(b);
    assertFailed(failed, BackupFailure.AGENT_RESTARTED);
    await().atMost(Duration.ofSeconds(10)).until(() -> h.pausedUntil("hc-2") == null);
    assertNothingLeft("hc-2", failed);
  }

  /**
   * SIGTERM to a real agent process while a quiesced backup streams (as a roll-out or a node drain sends it): the agent
   * exits 0 within its grace budget, having put everything back itself, long before the pause deadline would have.
   */
  @Test
  void sigtermMidSnapshotUndoesTheBackupAndExitsZeroWithinTheBudget() throws Exception {
    String hc = "hc-5";
    String prior = "2020-01-01T00:00:00Z"; // a past date: HyperShift reconciles, and it must come back verbatim
    h.setPausedUntil(hc, prior);
    NodePool np = h.spoke().resources(NodePool.class).inNamespace(NS).list().getItems().stream()
        .filter(n -> hc.equals(n.getSpec().clusterName)).findFirst().orElseThrow();
    h.spoke().resources(NodePool.class).inNamespace(NS).withName(np.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":\"" + prior + "\"}}");
    String cpNs = HostedCluster.controlPlaneNamespace(NS, hc);
    Map<String, Integer> replicasBefore = apiServerReplicas(cpNs);
    assertThat(replicasBefore).as("API servers to quiesce").isNotEmpty().allSatisfy((d, r) -> assertThat(r).isPositive());

    fleet.stopAgent(CLUSTER);
    Path fleetDir = dir.resolve("fleet");
    Path log = dir.resolve("agent-sigterm.log");
    Process agent = JavaProcess.start(log, Map.of(), AGENT_MAIN,
        "--hub-kubeconfig", fleetDir.resolve("agents").resolve(CLUSTER + "-hub.kubeconfig").toString(),
        "--kubeconfig", fleetDir.resolve(CLUSTER + ".kubeconfig").toString(), "--cluster-name", CLUSTER,
        "--heartbeat-interval", "1s", "--backup-bandwidth-limit", "1Mi", "--shutdown-grace", "20s");
    HostedClusterBackup b;
    long exitMillis;
    int exit;
    try {
      b = h.create(hc, s -> {
        s.quiesceAPIServers = true;
        s.maxPauseWindow = "10m";
      });
      h.awaitStep(b, "Snapshot");
      // really paused and quiesced while it streams
      assertThat(h.pausedUntil(hc)).isNotEqualTo(prior);
      assertThat(apiServerReplicas(cpNs)).as("quiesced").isEmpty();
      assertThat(h.danglingUploads(h.folder(hc, b.getMetadata().getName()))).isEqualTo(1);

      long t0 = System.nanoTime();
      agent.destroy(); // SIGTERM
      assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("exited within the budget").isTrue();
      exitMillis = (System.nanoTime() - t0) / 1_000_000;
      exit = agent.exitValue();
    } finally {
      agent.destroyForcibly().waitFor();
    }
    System.out.println("sigterm mid-snapshot: agent exited " + exit + " after " + exitMillis + " ms");
    assertThat(exit).as(Files.readString(Path.of(log + ".err"))).isZero();
    assertThat(exitMillis).as("within --shutdown-grace").isLessThan(20_000);

    // everything is back now, not at the deadline (10 minutes away)
    assertThat(h.pausedUntil(hc)).isEqualTo(prior);
    assertThat(h.spoke().resources(NodePool.class).inNamespace(NS).withName(np.getMetadata().getName()).get()
        .getSpec().pausedUntil).isEqualTo(prior);
    assertThat(apiServerReplicas(cpNs)).isEqualTo(replicasBefore);
    String folder = h.folder(hc, b.getMetadata().getName());
    assertThat(h.danglingUploads(folder)).as("open multipart uploads").isZero();
    HostedClusterBackup done = h.get(b.getMetadata().getName());
    if (done.getStatus().phase == Phase.Completed) {
      assertThat(h.objectKeys(folder)).anyMatch(k -> k.endsWith(BackupLayout.MANIFEST));
    } else {
      assertFailed(done, BackupFailure.AGENT_STOPPED);
      assertThat(h.objectKeys(folder)).as("objects under " + folder).isEmpty();
    }
    String output = Files.readString(log) + Files.readString(Path.of(log + ".err"));
    assertThat(output).as("no stack trace in the agent's output").doesNotContain("\tat ").doesNotContain("Exception:");
    assertThat(output).contains("SIGTERM received");
    h.setPausedUntil(hc, null);
  }

  private Map<String, Integer> apiServerReplicas(String cpNs) {
    Map<String, Integer> running = new java.util.TreeMap<>();
    for (String d : HostedClusterPauser.API_SERVERS) {
      var dep = h.spoke().apps().deployments().inNamespace(cpNs).withName(d).get();
      if (dep != null && dep.getSpec().getReplicas() != null && dep.getSpec().getReplicas() > 0) {
        running.put(d, dep.getSpec().getReplicas());
      }
    }
    return running;
  }

  /** A snapshot still streaming when its pause window ends fails before HyperShift resumes the cluster under it. */
  @Test
  void aSnapshotThatOutlivesItsPauseWindowFailsWithPauseExpired() {
    fleet.stopAgent(CLUSTER);
    fleet.startAgent(CLUSTER, c -> c.withBackup(c.backup().withBandwidthLimit(1L << 20)), StoreConnector.AWS_SDK);
    HostedClusterBackup done;
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-1")) {
      // 6 MiB at 1 MiB/s against a 3 s window
      done = h.awaitEnd(h.create("hc-1", s -> s.maxPauseWindow = "3s"));
      await().atMost(Duration.ofSeconds(5)).until(() -> pause.values().get(pause.values().size() - 1) == null);
    }
    assertFailed(done, BackupFailure.PAUSE_EXPIRED);
    assertThat(message(done)).contains("3s").contains("maxPauseWindow");
    assertNothingLeft("hc-1", done);
    // and a window over the bound is refused before anything is paused
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-1")) {
      HostedClusterBackup tooLong = h.awaitEnd(h.create("hc-1", s -> s.maxPauseWindow = "2h"));
      assertFailed(tooLong, BackupFailure.INVALID_SPEC);
      assertThat(message(tooLong)).contains("at most 1h");
      assertThat(pause.values()).as("nothing paused").containsExactly((String) null);
    }
  }

  @Test
  void missingOrWrongEncryptionKeyIsDetectedBeforePausing() {
    HostedClusterBackup good = h.awaitEnd(h.create("hc-4", s -> { }));
    assertThat(good.getStatus().phase).isEqualTo(Phase.Completed);
    Secret original = h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).get();
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-4")) {
      // Same key id, other bytes: the newest backup written with that id does not open.
      byte[] other = new byte[32];
      new SecureRandom().nextBytes(other);
      h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).patch(
          PatchContext.of(PatchType.JSON_MERGE),
          "{\"data\":{\"key\":\"" + Base64.getEncoder().encodeToString(other) + "\"}}");
      assertFailed(h.awaitEnd(h.create("hc-4", s -> { })), BackupFailure.ENCRYPTION_KEY_MISMATCH);

      h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).delete();
      await().until(() -> h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).get() == null);
      HostedClusterBackup missing = h.awaitEnd(h.create("hc-4", s -> { }));
      assertFailed(missing, BackupFailure.ENCRYPTION_KEY_INVALID);
      assertThat(message(missing)).contains(Fleet.ENCRYPTION_KEY_SECRET).contains("does not exist");

      assertThat(pause.values()).as("nothing paused").containsExactly((String) null);
    } finally {
      h.spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).resource(new SecretBuilder(original)
          .editMetadata().withResourceVersion(null).endMetadata().build()).createOr(op -> op.update());
    }
  }

  @Test
  void backupOfAMissingHostedClusterOrStoreFailsWithAClearConditionAndPausesNothing() {
    try (var pause = new BackupHarness.PauseRecorder(h.spoke(), "hc-1")) {
      HostedClusterBackup noHc = h.awaitEnd(h.create("hc-404", s -> { }));
      assertFailed(noHc, BackupFailure.HOSTED_CLUSTER_NOT_FOUND);
      assertThat(message(noHc)).contains("clusters/hc-404").contains("does not exist");

      HostedClusterBackup noStore = h.awaitEnd(h.create("hc-1", s -> s.store = "nowhere"));
      assertFailed(noStore, BackupFailure.STORE_NOT_FOUND);
      assertThat(message(noStore)).contains("BackupStore nowhere does not exist");

      assertThat(pause.values()).as("nothing paused").containsExactly((String) null);
    }
  }

  // ---- helpers

  private void assertFailed(HostedClusterBackup b, String reason) {
    assertThat(b.getStatus().phase).as(String.valueOf(b.getStatus().conditions)).isEqualTo(Phase.Failed);
    var completed = Conditions.find(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow();
    assertThat(completed.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(completed.getReason()).as(completed.getMessage()).isEqualTo(reason);
    assertThat(completed.getMessage()).isNotBlank();
    assertThat(b.getStatus().completedAt).isNotNull();
  }

  private static String message(HostedClusterBackup b) {
    return Conditions.find(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow().getMessage();
  }

  private void assertNothingLeft(String hostedCluster, HostedClusterBackup b) {
    String folder = h.folder(hostedCluster, b.getMetadata().getName());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(h.objectKeys(folder)).as("objects under " + folder).isEmpty();
      assertThat(h.danglingUploads(folder)).as("open multipart uploads").isZero();
      assertThat(h.spoke().configMaps().inNamespace(Fleet.AGENT_NAMESPACE).withLabel(BackupJournal.LABEL, "true")
          .list().getItems()).as("journal entries").isEmpty();
    });
    assertThat(h.pausedUntil(hostedCluster)).isNull();
  }

  /** The real S3 client, except that every UploadPart fails as a dropped connection would. */
  private static StoreConnector.S3Factory failingUploadParts(StoreConnector.S3Factory real) {
    return (store, accessKey, secretKey) -> {
      S3Client client = real.create(store, accessKey, secretKey);
      return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
          (proxy, method, args) -> {
            if (method.getName().equals("uploadPart")) {
              throw SdkClientException.create("connection reset by peer (injected)");
            }
            try {
              return method.invoke(client, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
    };
  }
}
