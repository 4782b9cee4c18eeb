package io.flotilla.agent.backup;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.agent.drill.RestoreDrill;
import io.flotilla.agent.drill.SourceEtcd;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdSnapshotSource;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.agent.work.StopSignal;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.common.Conditions;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Restore drills on a real etcd (Debian's etcd-server and etcd-client, as bin/setup installs them): a backup of it,
 * streamed through the agent's pipeline into S3Proxy, is restored into a scratch etcd that is started, compared with
 * the manifest and stopped. A good snapshot passes; the stored object with one byte flipped fails; a sound snapshot
 * whose manifest describes another etcd fails the comparison. Nothing is left running or on disk either way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestoreDrillTest {
  private static final String CLUSTER = "mc-1";
  private static final String PREFIX = "flotilla";

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  @TempDir
  static Path tmp;

  private SourceEtcd etcd;
  private Client client;
  private BucketFixture kube;
  private S3Client s3;
  private HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private StoreConnector stores;
  private Path drills;

  @BeforeAll
  void up() throws Exception {
    assumeTrue(SourceEtcd.available(), "etcd and etcdctl are not installed (bin/setup installs them)");
    etcd = SourceEtcd.start(tmp.resolve("source"));
    client = etcd.client();
    // a little history: writes, overwrites and a deletion, so revision, live keys and HashKV all say something
    for (int i = 0; i < 300; i++) {
      put("/registry/configmaps/ns-" + (i % 7) + "/cm-" + i, "{\"data\":{\"n\":\"" + i + "\"}}");
    }
    for (int i = 0; i < 40; i++) {
      put("/registry/leases/kube-node-lease/node-" + (i % 4), "renew-" + i);
    }
    client.getKVClient().delete(bytes("/registry/configmaps/ns-0/cm-0")).get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  void down() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private void fixture() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    kube = new BucketFixture();
    kube.namespace(BucketFixture.AGENT_NAMESPACE);
    kube.namespace(CLUSTER);
    kube.credentials(proxy);
    kube.store("default", proxy, PREFIX, BucketFixture.CREDENTIALS);
    stores = new StoreConnector(kube.client, kube.client, StoreConnector.AWS_SDK);
    records = new HubRecords<>(kube.client, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, Clock.systemUTC(), "test");
    drills = Files.createDirectories(tmp.resolve("drills-" + System.nanoTime()));
  }

  private void closeFixture() {
    kube.close();
    s3.close();
  }

  @Test
  void aGoodSnapshotPassesItsDrillAndNothingIsLeftRunningOrOnDisk() throws Exception {
    fixture();
    try {
      Backup b = backUp("good");
      HostedClusterBackupStatus.Verification v = verify(b, HostedClusterBackup.restoreDrillRequest(Instant.now()));

      assertThat(v.passed).as(v.message).isTrue();
      assertThat(v.sha256Matches).isTrue();
      HostedClusterBackupStatus.RestoreDrill d = v.drill;
      assertThat(d).isNotNull();
      assertThat(d.tool).matches("(etcdctl|etcdutl) \\d+\\.\\d+\\.\\d+.*");
      assertThat(d.etcdRevision).isEqualTo(b.state().revision());
      assertThat(d.keys).isEqualTo(b.state().keys()).isEqualTo(303L);
      assertThat(d.revisionMatches).isTrue();
      assertThat(d.keysMatch).isTrue();
      assertThat(d.hashMatches).as("HashKV at the backup's revision, as the manifest records it").isTrue();
      assertThat(d.restoreDuration).matches("\\d+\\.\\d{3}s");
      assertThat(d.duration).matches("\\d+\\.\\d{3}s");
      assertThat(v.message).contains("restore drill passed", "303 keys", "HashKV equals the manifest's");
      HostedClusterBackup record = record(b.name());
      assertThat(Conditions.find(record.getStatus().conditions, HostedClusterBackup.CONDITION_VERIFIED))
          .hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
            assertThat(c.getReason()).isEqualTo(BackupVerifier.REASON_DRILL_PASSED);
          });
      assertNothingLeft();

      // a plain verification of the same backup restores nothing
      HostedClusterBackupStatus.Verification plain = verify(b, "plain-1");
      assertThat(plain.passed).isTrue();
      assertThat(plain.drill).isNull();
      assertNothingLeft();
    } finally {
      closeFixture();
    }
  }

  @Test
  void theStoredObjectWithOneFlippedByteFailsItsDrill() throws Exception {
    fixture();
    try {
      Backup b = backUp("flipped");
      String key = b.layout().snapshotKey(Codec.ZSTD, BackupEncryption.none());
      byte[] stored = s3.getObjectAsBytes(r -> r.bucket(S3ProxyTestSupport.BUCKET).key(key)).asByteArray();
      stored[stored.length / 2] ^= 0x01;
      s3.putObject(r -> r.bucket(S3ProxyTestSupport.BUCKET).key(key), RequestBody.fromBytes(stored));

      HostedClusterBackupStatus.Verification v = verify(b, HostedClusterBackup.restoreDrillRequest(Instant.now()));

      assertThat(v.passed).isFalse();
      assertThat(v.sha256Matches).isFalse();
      assertThat(v.message).contains("does not match its manifest");
      assertThat(v.drill).as("the drill is recorded, though it ended before the restore").isNotNull();
      assertThat(v.drill.duration).isNotNull();
      HostedClusterBackup record = record(b.name());
      assertThat(Conditions.find(record.getStatus().conditions, HostedClusterBackup.CONDITION_VERIFIED))
          .hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.FALSE);
            assertThat(c.getReason()).isEqualTo(BackupVerifier.REASON_DRILL_FAILED);
          });
      assertNothingLeft();
    } finally {
      closeFixture();
    }
  }

  @Test
  void aSoundSnapshotWhoseManifestDescribesAnotherEtcdFailsTheComparison() throws Exception {
    fixture();
    try {
      // SHA-256 and etcdctl snapshot status pass (the bytes are the manifest's); only the restore can tell
      Backup b = backUp("other", f -> new BackupManifest.ObjectFigures(f.object(), f.rawBytes(), f.storedBytes(),
          f.sha256(), f.storedSha256(), f.etcdRevision(), f.keys() + 1, f.hashKV() ^ 1, f.hashKVCompactRevision()));

      HostedClusterBackupStatus.Verification v = verify(b, HostedClusterBackup.restoreDrillRequest(Instant.now()));

      assertThat(v.passed).isFalse();
      assertThat(v.sha256Matches).isTrue();
      assertThat(v.drill.keysMatch).isFalse();
      assertThat(v.drill.hashMatches).isFalse();
      assertThat(v.drill.revisionMatches).isTrue();
      assertThat(v.message).startsWith("restore drill failed: ").contains("303 keys at revision", "records 304",
          "HashKV");
      assertNothingLeft();
    } finally {
      closeFixture();
    }
  }

  @Test
  void aDrillTheAgentsStopCutsShortIsNotAnsweredAndLeavesNothing() throws Exception {
    fixture();
    try {
      Backup b = backUp("stopped");
      StopSignal stop = new StopSignal();
      stop.request(Duration.ofSeconds(30)); // SIGTERM before the drill's restore: it stops at its first check
      HostedClusterBackup record = request(b.name(), HostedClusterBackup.restoreDrillRequest(Instant.now()));
      new BackupVerifier(stores, records, Clock.systemUTC(), new RestoreDrill(drills, stop)).verify(record);

      assertThat(record(b.name()).getStatus().verification).as("left for the next agent process").isNull();
      assertNothingLeft();
    } finally {
      closeFixture();
    }
  }

  // ---- helpers

  private record Backup(String name, BackupLayout layout, EtcdState state) {}

  private Backup backUp(String name) throws Exception {
    return backUp(name, f -> f);
  }

  /** A backup as BackupExecutor commits it (snapshot only), with its manifest's figures passed through {@code edit}. */
  private Backup backUp(String name, java.util.function.UnaryOperator<BackupManifest.ObjectFigures> edit)
      throws Exception {
    EtcdState state = EtcdState.read(client, Duration.ofSeconds(10));
    EtcdState.Hash hash = EtcdState.hashAt(client, etcd.endpoint(), state.revision(), Duration.ofSeconds(10));
    BackupLayout layout = new BackupLayout(PREFIX, CLUSTER, "clusters", "hc-1", name);
    BackupEncryption none = BackupEncryption.none();
    SnapshotFigures figures = new SnapshotPipeline(s3, S3ProxyTestSupport.BUCKET, Codec.ZSTD, none)
        .upload(new EtcdSnapshotSource(client), layout.snapshotKey(Codec.ZSTD, none), BackupLayout.SNAPSHOT_ROLE, null);
    BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, name, CLUSTER,
        new BackupManifest.HostedClusterRef("clusters", "hc-1"), BackupManifest.time(Instant.now()),
        BackupManifest.time(Instant.now()), Codec.ZSTD.manifestName(), none.cipherName(), none.keyId(),
        none.wrappedDataKey(), edit.apply(BackupManifest.ObjectFigures.ofSnapshot(
            BackupLayout.snapshotName(Codec.ZSTD, none), figures, state, hash)),
        null, "hypershift.openshift.io/v1beta1", "test");
    new BackupCatalog(s3, S3ProxyTestSupport.BUCKET).commit(layout, manifest, Optional.empty());

    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withNamespace(CLUSTER).withName(name).build());
    b.setSpec(new HostedClusterBackupSpec());
    b.getSpec().store = "default";
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    HostedClusterBackup created = kube.client.resource(b).create();
    created.getStatus().phase = Phase.Completed;
    created.getStatus().location = new HostedClusterBackupStatus.Location();
    created.getStatus().location.bucket = S3ProxyTestSupport.BUCKET;
    created.getStatus().location.keyPrefix = layout.folder();
    kube.client.resource(created).updateStatus();
    return new Backup(name, layout, state);
  }

  private HostedClusterBackupStatus.Verification verify(Backup b, String request) {
    HostedClusterBackup record = request(b.name(), request);
    new BackupVerifier(stores, records, Clock.systemUTC(), new RestoreDrill(drills, new StopSignal())).verify(record);
    HostedClusterBackupStatus.Verification v = record(b.name()).getStatus().verification;
    assertThat(v.request).isEqualTo(request);
    return v;
  }

  private HostedClusterBackup request(String name, String request) {
    HostedClusterBackup record = record(name);
    record.getMetadata().setAnnotations(Map.of(HostedClusterBackup.VERIFY_ANNOTATION, request));
    return kube.client.resource(record).update();
  }

  private HostedClusterBackup record(String name) {
    return kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).get();
  }

  /** No scratch directory under the drills' parent, and no process of this JVM's running in one. */
  private void assertNothingLeft() throws Exception {
    try (Stream<Path> left = Files.list(drills)) {
      assertThat(left.toList()).as("scratch directories left").isEmpty();
    }
    List<ProcessHandle> etcds = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(drills.toString())).orElse(false)).toList();
    assertThat(etcds).as("processes running in the drills' directory").isEmpty();
  }

  private void put(String key, String value) throws Exception {
    client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
