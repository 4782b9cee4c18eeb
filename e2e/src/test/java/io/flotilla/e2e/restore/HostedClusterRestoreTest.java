package io.flotilla.e2e.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.sandbox.Fleet;
import io.flotilla.e2e.EtcdDigest;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.e2e.migration.HostedClusterState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Restores on the sandbox: a backup taken on mc-1 is restored onto mc-2 through the agent's relay and HyperShift's
 * etcd-init (simulated, with the real etcdctl), and the restored etcd holds exactly what the source held at the backup's
 * revision while its kube-apiserver writes; a backup whose snapshot is another's is refused, or fails verification.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostedClusterRestoreTest {
  private static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;

  @TempDir
  static Path dir;
  Fleet fleet;
  int counter;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(3)
        .withEtcdSeedBytes(2L << 20));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void backupFromOneClusterRestoresOnAnotherWithTheSameKeysAndValues() throws Exception {
    EtcdDigest source;
    try (Client etcd = fleet.simulator("mc-1").etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      for (int i = 0; i < 50; i++) {
        etcd.getKVClient().put(bytes("/flotilla-test/key-" + i), bytes("value-" + i + "-" + System.nanoTime()))
            .get(10, TimeUnit.SECONDS);
      }
      source = EtcdDigest.of(etcd);
    }
    HostedClusterBackup backup = awaitBackup(backup("mc-1", "hc-1"));

    HostedClusterRestore done = awaitRestore(restore("mc-2", r -> r.getSpec().backup =
        new NamespacedName("mc-1", backup.getMetadata().getName())));

    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
    assertThat(done.getStatus().verification.matchesBackup).isTrue();
    assertThat(done.getStatus().verification.keys).isEqualTo(backup.getStatus().snapshot.keys);
    assertThat(done.getStatus().verification.atRevision).isEqualTo(backup.getStatus().snapshot.etcdRevision)
        .isEqualTo(source.revision());
    assertThat(done.getStatus().verification.hashMatches).isTrue();
    assertThat(done.getStatus().verification.etcdRevision).as("the restored kube-apiserver wrote before the check")
        .isGreaterThan(done.getStatus().verification.atRevision);
    assertThat(done.getStatus().source.keyPrefix).isEqualTo(backup.getStatus().location.keyPrefix);
    try (Client etcd = fleet.simulator("mc-2").etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      assertThat(source.on(etcd)).as("every key and value of the source, at its revision").isEqualTo(source);
    }
    HostedCluster restored = fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-1").get();
    assertThat(Conditions.isTrue(restored.getStatus().conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED)).isTrue();
    assertThat(restored.getSpec().pausedUntil).isNull();

    // The relay URL was a one-off: revoked once the restore was confirmed, refused the way S3 refuses.
    String url = restored.getSpec().etcd.managed.storage.restoreSnapshotURL.get(0);
    assertThat(url).startsWith("https://localhost:").doesNotContain("flotilla-backups");
    HttpResponse<String> after = trustingRelayCa().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(after.statusCode()).isEqualTo(403);
    assertThat(after.body()).startsWith("<?xml");
    // The token is a secret: not in the restore's status.
    String token = url.substring(url.lastIndexOf('/') + 1);
    assertThat(fleet.hub().getKubernetesSerialization().asJson(done)).doesNotContain(token);
  }

  @Test
  void latestRestoresTheNewestCompletedBackup() {
    HostedClusterBackup first = awaitBackup(backup("mc-2", "hc-5"));
    HostedClusterBackup second = awaitBackup(backup("mc-2", "hc-5"));
    assertThat(second.getStatus().phase).isEqualTo(HostedClusterBackupStatus.Phase.Completed);
    // hc-5 lives on mc-2; restore it onto mc-1 from the newest backup found in the bucket.
    HostedClusterRestore done = awaitRestore(restore("mc-1", r -> {
      r.getSpec().hostedCluster = new NamespacedName(NS, "hc-5");
      r.getSpec().latest = true;
    }));
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
    assertThat(done.getStatus().source.backup).isEqualTo(second.getMetadata().getName()).isNotEqualTo(first.getMetadata().getName());
  }

  @Test
  void aCorruptMissingOrWrongKeyBackupIsRefusedBeforeAnythingIsCreated() throws Exception {
    HostedClusterBackup backup = awaitBackup(backup("mc-1", "hc-2"));
    String folder = backup.getStatus().location.keyPrefix;
    try (S3Client s3 = fleet.objectStore().newClient()) {
      String snapshotKey = s3.listObjectsV2(b -> b.bucket(fleet.objectStore().bucket()).prefix(folder)).contents()
          .stream().map(o -> o.key()).filter(k -> k.contains("etcd-snapshot")).findFirst().orElseThrow();
      byte[] stored = s3.getObjectAsBytes(b -> b.bucket(fleet.objectStore().bucket()).key(snapshotKey)).asByteArray();
      stored[stored.length / 2] ^= 0x5a; // one flipped byte in the middle of the ciphertext
      s3.putObject(b -> b.bucket(fleet.objectStore().bucket()).key(snapshotKey), RequestBody.fromBytes(stored));
    }
    HostedClusterRestore corrupt = awaitRestore(restore("mc-2", r -> r.getSpec().backup =
        new NamespacedName("mc-1", backup.getMetadata().getName())));
    assertFailed(corrupt, "BackupCorrupt");

    HostedClusterRestore missing = awaitRestore(restore("mc-2", r -> r.getSpec().backup =
        new NamespacedName("mc-1", "no-such-backup")));
    assertFailed(missing, "BackupNotFound");

    // a wrong key: mc-2's key Secret holds another key under the same key id; the intact backup of hc-1 is refused
    HostedClusterBackup intact = awaitBackup(backup("mc-1", "hc-2"));
    var keys = fleet.spokeClient("mc-2").secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET);
    var original = keys.get();
    byte[] other = new byte[32];
    new java.security.SecureRandom().nextBytes(other);
    keys.edit(sec -> {
      sec.getData().put(io.flotilla.agent.storage.KeyEncryptionKey.SECRET_KEY,
          java.util.Base64.getEncoder().encodeToString(other));
      return sec;
    });
    try {
      HostedClusterRestore wrongKey = awaitRestore(restore("mc-2", r -> r.getSpec().backup =
          new NamespacedName("mc-1", intact.getMetadata().getName())));
      assertThat(wrongKey.getStatus().phase).isEqualTo(Phase.Failed);
      var c = Conditions.find(wrongKey.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow();
      assertThat(c.getReason()).as(c.getMessage()).isEqualTo("EncryptionKeyInvalid");
      assertThat(c.getMessage()).doesNotContain(java.util.Base64.getEncoder().encodeToString(other));
    } finally {
      keys.edit(sec -> {
        sec.setData(original.getData());
        return sec;
      });
    }

    // another backup's snapshot object copied under this one's name: it is under the other backup's data key, so it
    // fails this backup's checks (decryption, then SHA-256) before anything is created
    HostedClusterBackup another = awaitBackup(backup("mc-1", "hc-1"));
    new SwappedSnapshots(fleet).copyObject(another, intact);
    HostedClusterRestore swapped = awaitRestore(restore("mc-2", r -> r.getSpec().backup =
        new NamespacedName("mc-1", intact.getMetadata().getName())));
    assertFailed(swapped, "BackupCorrupt");
    assertThat(fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-2").get())
        .as("nothing created on the destination").isNull();
  }

  @Test
  void withResumeFalseTheHostedClusterWaitsPausedWithNoControlPlaneUntilResumed() throws Exception {
    HostedClusterBackup backup = awaitBackup(backup("mc-1", "hc-3"));
    HostedClusterRestore created = restore("mc-2", r -> {
      r.getSpec().backup = new NamespacedName("mc-1", backup.getMetadata().getName());
      r.getSpec().resume = false;
    });
    var op = fleet.hub().resources(HostedClusterRestore.class).inNamespace("mc-2")
        .withName(created.getMetadata().getName());
    await().atMost(Duration.ofSeconds(120)).until(() -> op.get().getStatus() != null
        && (op.get().getStatus().phase == Phase.Paused || op.get().getStatus().phase == Phase.Failed));
    HostedClusterRestore paused = op.get();
    assertThat(paused.getStatus().phase).as(String.valueOf(paused.getStatus().conditions)).isEqualTo(Phase.Paused);
    assertThat(Conditions.find(paused.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow()
        .getMessage()).contains("flotilla restore resume mc-2/" + created.getMetadata().getName());

    // Paused in HyperShift's sense: the HostedCluster exists, but no control plane, no etcd, no NodePools.
    var spoke = fleet.spokeClient("mc-2");
    HostedCluster hc = spoke.resources(HostedCluster.class).inNamespace(NS).withName("hc-3").get();
    assertThat(hc.getSpec().pausedUntil).isEqualTo("true");
    assertThat(hc.getMetadata().getAnnotations()).containsEntry(HostedClusterRestore.RESTORED_BY_ANNOTATION,
        "mc-2/" + created.getMetadata().getName());
    assertThat(fleet.simulator("mc-2").etcdFor(NS, "hc-3")).as("no etcd started while paused").isEmpty();
    assertThat(spoke.resources(io.flotilla.api.foreign.hypershift.HostedControlPlane.class)
        .inNamespace(HostedCluster.controlPlaneNamespace(NS, "hc-3")).list().getItems()).isEmpty();
    assertThat(spoke.resources(io.flotilla.api.foreign.hypershift.NodePool.class).inNamespace(NS).list().getItems())
        .noneMatch(np -> "hc-3".equals(np.getSpec() == null ? null : np.getSpec().clusterName));
    // Its snapshot URL serves nothing until resumed.
    String url = hc.getSpec().etcd.managed.storage.restoreSnapshotURL.get(0);
    assertThat(trustingRelayCa().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);

    op.edit(r -> {
      r.getMetadata().getAnnotations().put(HostedClusterRestore.RESUME_ANNOTATION, "test, source fenced");
      return r;
    });
    await().atMost(Duration.ofSeconds(120)).until(() -> op.get().getStatus().phase == Phase.Completed
        || op.get().getStatus().phase == Phase.Failed);
    HostedClusterRestore done = op.get();
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
    assertThat(done.getStatus().resumedAt).isNotNull();
    assertThat(done.getStatus().verification.matchesBackup).isTrue();
    assertThat(done.getStatus().verification.keys).isEqualTo(backup.getStatus().snapshot.keys);
    HostedCluster resumed = spoke.resources(HostedCluster.class).inNamespace(NS).withName("hc-3").get();
    assertThat(resumed.getSpec().pausedUntil).isNull();
    assertThat(Conditions.isTrue(resumed.getStatus().conditions, HostedCluster.AVAILABLE)).isTrue();
    assertThat(spoke.resources(io.flotilla.api.foreign.hypershift.NodePool.class).inNamespace(NS).list().getItems())
        .anyMatch(np -> "hc-3".equals(np.getSpec() == null ? null : np.getSpec().clusterName));
  }

  /**
   * Another cluster's etcd under the expected name, with a manifest whose sizes and SHA-256 match it: the restore's
   * checks before creating anything pass, the relay serves it whole, etcd-init restores it. Only the comparison at
   * the backup's revision can tell, and does: the migration's Verify fails and it rolls back, the destination copy
   * removed and the source resumed exactly as it was. (A copied object is caught earlier: see the test above.)
   */
  @Test
  void anotherClustersSnapshotWithMatchingChecksumsFailsVerifyAndTheMigrationRollsBack() throws Exception {
    HostedClusterBackup otherCluster = awaitBackup(backup("mc-2", "hc-6"));
    HostedClusterState original = HostedClusterState.read(fleet.spokeClient("mc-2"), NS, "hc-4");
    String name = "hc-4-to-mc-1";
    // the destination's agent is away while the migration pauses and backs up the source, so the bucket can be changed
    // between the backup and the restore
    fleet.stopAgent("mc-1");
    try {
      HostedClusterMigration m = new HostedClusterMigration();
      m.setMetadata(new ObjectMetaBuilder().withName(name).build());
      m.getSpec().hostedCluster = new NamespacedName(NS, "hc-4");
      m.getSpec().source = new HostedClusterMigrationSpec.Source();
      m.getSpec().source.cluster = "mc-2";
      m.getSpec().destination = new HostedClusterMigrationSpec.Destination();
      m.getSpec().destination.cluster = "mc-1";
      m.getSpec().failurePolicy = HostedClusterMigrationSpec.FailurePolicy.AutoRollback;
      fleet.hub().resource(m).create();
      await().atMost(Duration.ofMinutes(2)).until(() -> step(migration(name), "RestoreOnDestination").record != null);
      HostedClusterBackup ours = hubRecord(HostedClusterBackup.class, step(migration(name), "BackUpSource").record);
      new SwappedSnapshots(fleet).feed(otherCluster, ours);
    } finally {
      fleet.startAgent("mc-1");
    }

    await().atMost(Duration.ofMinutes(3)).until(() -> migration(name).getStatus().phase == HostedClusterMigrationStatus.Phase.RolledBack
        || migration(name).getStatus().phase == HostedClusterMigrationStatus.Phase.Failed);
    HostedClusterMigration done = migration(name);
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().steps)).isEqualTo(HostedClusterMigrationStatus.Phase.RolledBack);
    assertThat(done.getStatus().pointOfNoReturnTime).isNull();
    HostedClusterRestore restore = hubRecord(HostedClusterRestore.class, step(done, "RestoreOnDestination").record);
    assertThat(restore.getStatus().phase).as("every checksum matched: restored").isEqualTo(Phase.Completed);
    assertThat(restore.getStatus().verification.matchesBackup).isFalse();
    assertThat(restore.getStatus().verification.atRevision).isEqualTo(restore.getStatus().source.etcdRevision);
    assertThat(Conditions.find(restore.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow()
        .getMessage()).contains("matches the backup: false");
    assertThat(step(done, "Verify").phase).isEqualTo(StepPhase.Failed);
    assertThat(step(done, "Verify").message).contains("does not match the backup");
    assertThat(step(done, "RemoveDestinationCopy").phase).isEqualTo(StepPhase.Succeeded);
    assertThat(step(done, "ResumeSource").phase).isEqualTo(StepPhase.Succeeded);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(HostedClusterState.read(fleet.spokeClient("mc-2"), NS, "hc-4")).isEqualTo(original));
    assertThat(fleet.spokeClient("mc-1").resources(HostedCluster.class).inNamespace(NS).withName("hc-4").get())
        .as("the destination copy").isNull();
  }

  // ---- helpers

  private HostedClusterMigration migration(String name) {
    return fleet.hub().resources(HostedClusterMigration.class).withName(name).get();
  }

  private static HostedClusterMigrationStatus.Step step(HostedClusterMigration m, String name) {
    return m.getStatus() == null ? new HostedClusterMigrationStatus.Step() : m.getStatus().steps.stream()
        .filter(s -> name.equals(s.name)).findFirst().orElseGet(HostedClusterMigrationStatus.Step::new);
  }

  /** A record a migration step names as namespace/name. */
  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T hubRecord(Class<T> kind, String namespacedName) {
    String[] ref = namespacedName.split("/", 2);
    return fleet.hub().resources(kind).inNamespace(ref[0]).withName(ref[1]).get();
  }

  private HostedClusterBackup backup(String cluster, String hc) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withName(hc + "-b" + (++counter)).withNamespace(cluster).build());
    b.getSpec().hostedCluster = new NamespacedName(NS, hc);
    b.getSpec().store = Fleet.BACKUP_STORE;
    return fleet.hub().resource(b).create();
  }

  private HostedClusterBackup awaitBackup(HostedClusterBackup b) {
    var op = fleet.hub().resources(HostedClusterBackup.class).inNamespace(b.getMetadata().getNamespace())
        .withName(b.getMetadata().getName());
    await().atMost(Duration.ofSeconds(90)).until(() -> op.get().getStatus() != null
        && (op.get().getStatus().phase == HostedClusterBackupStatus.Phase.Completed
        || op.get().getStatus().phase == HostedClusterBackupStatus.Phase.Failed));
    HostedClusterBackup done = op.get();
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions))
        .isEqualTo(HostedClusterBackupStatus.Phase.Completed);
    return done;
  }

  private HostedClusterRestore restore(String cluster, java.util.function.Consumer<HostedClusterRestore> spec) {
    HostedClusterRestore r = new HostedClusterRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("restore-" + (++counter)).withNamespace(cluster).build());
    r.getSpec().store = Fleet.BACKUP_STORE;
    spec.accept(r);
    return fleet.hub().resource(r).create();
  }

  private HostedClusterRestore awaitRestore(HostedClusterRestore r) {
    var op = fleet.hub().resources(HostedClusterRestore.class).inNamespace(r.getMetadata().getNamespace())
        .withName(r.getMetadata().getName());
    await().atMost(Duration.ofSeconds(120)).until(() -> op.get().getStatus() != null
        && (op.get().getStatus().phase == Phase.Completed || op.get().getStatus().phase == Phase.Failed));
    return op.get();
  }

  private static void assertFailed(HostedClusterRestore r, String reason) {
    assertThat(r.getStatus().phase).isEqualTo(Phase.Failed);
    var c = Conditions.find(r.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow();
    assertThat(c.getReason()).as(c.getMessage()).isEqualTo(reason);
    assertThat(c.getMessage()).isNotBlank();
  }

  private HttpClient trustingRelayCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("relay-ca", CertificateFactory.getInstance("X.509").generateCertificate(
        new ByteArrayInputStream(fleet.relayCaPem().getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
