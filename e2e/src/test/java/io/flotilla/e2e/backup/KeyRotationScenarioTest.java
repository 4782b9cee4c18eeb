package io.flotilla.e2e.backup;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.e2e.Cli;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keys (docs/backup-and-restore.md, "Keys"), on the sandbox through the CLI: a backup, a key rotation, a backup under
 * the new key, both restored onto the other cluster (whose agent gets the new key from the bucket), both moved to the
 * new key by rewrap; a folder copied under another name refused as BackupCorrupt; of two commits of one folder one
 * wins. mc-1 runs hc-1, mc-2 runs hc-2, one key Secret per spoke holding the sandbox's key as installations write it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyRotationScenarioTest {
  private static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;

  @TempDir
  static Path dir;
  Fleet fleet;
  Cli cli;
  int counter;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(1)
        .withEtcdSeedBytes(1L << 20));
    cli = new Cli(dir.resolve("fleet").resolve("hub.kubeconfig"));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void backUpRotateBackUpRestoreBothThenRewrapThemUnderTheNewKey() throws Exception {
    Cli.Run first = cli.run("backup", "create", "mc-1", NS + "/hc-1", "--name", "before-rotation", "--wait",
        "--timeout", "2m");
    assertThat(first.code()).as(first.toString()).isZero();
    String oldKey = backup("mc-1", "before-rotation").getStatus().keyId;
    assertThat(oldKey).as("the sandbox's installed key id").startsWith("sandbox-kek-");

    Cli.Run rotate = cli.run("store", "rotate-key", Fleet.BACKUP_STORE);
    assertThat(rotate.code()).as(rotate.toString()).isZero();
    String newKey = fleet.hub().resources(BackupStore.class).withName(Fleet.BACKUP_STORE).get().getSpec().encryption
        .activeKeyId;
    assertThat(newKey).startsWith("k-");
    assertThat(rotate.out()).contains("under key '" + newKey + "'").contains("never on the hub");
    await().atMost(Duration.ofSeconds(30)).until(() -> newKey.equals(fleet.hub().resources(BackupStore.class)
        .withName(Fleet.BACKUP_STORE).get().getStatus().activeKeyId));

    // mc-2 backs up first after the rotation: it generates the key and leaves its copy in the bucket
    Cli.Run second = cli.run("backup", "create", "mc-2", NS + "/hc-2", "--name", "after-rotation", "--wait",
        "--timeout", "2m");
    assertThat(second.code()).as(second.toString()).isZero();
    assertThat(backup("mc-2", "after-rotation").getStatus().keyId).isEqualTo(newKey);
    assertThat(keySecret("mc-2").getData()).containsKey("key-" + newKey);
    assertThat(keySecret("mc-1").getData()).as("mc-1 has not needed it yet").doesNotContainKey("key-" + newKey);
    try (S3Client s3 = fleet.objectStore().newClient()) {
      assertThat(s3.getObjectAsBytes(b -> b.bucket(fleet.objectStore().bucket())
          .key("flotilla/_keyring/" + newKey + ".json")).asUtf8String()).contains("\"wrappedUnder\" : \"" + oldKey
          + "\"").doesNotContain(keySecret("mc-2").getData().get("key-" + newKey));
    }

    // both restore on the other cluster: the new key from the bucket, the old one from the ring
    HostedClusterRestore newOnMc1 = awaitRestore(restore("mc-1", "mc-2", "after-rotation"));
    assertThat(newOnMc1.getStatus().phase).as(String.valueOf(newOnMc1.getStatus().conditions))
        .isEqualTo(Phase.Completed);
    assertThat(newOnMc1.getStatus().verification.matchesBackup).isTrue();
    assertThat(keySecret("mc-1").getData().get("key-" + newKey)).as("the same key on both spokes")
        .isEqualTo(keySecret("mc-2").getData().get("key-" + newKey));
    HostedClusterRestore oldOnMc2 = awaitRestore(restore("mc-2", "mc-1", "before-rotation"));
    assertThat(oldOnMc2.getStatus().phase).as(String.valueOf(oldOnMc2.getStatus().conditions))
        .isEqualTo(Phase.Completed);
    assertThat(oldOnMc2.getStatus().verification.matchesBackup).isTrue();

    // rewrap: the older backup moves to the new key; only its manifest changes
    String folder = backup("mc-1", "before-rotation").getStatus().location.keyPrefix;
    String snapshotETag = snapshotETag(folder);
    Cli.Run rewrap = cli.run("backup", "rewrap", "--all", "--store", Fleet.BACKUP_STORE, "--timeout", "2m");
    assertThat(rewrap.code()).as(rewrap.toString()).isZero();
    assertThat(rewrap.out()).contains("backup mc-1/before-rotation: data key re-wrapped from key '" + oldKey
        + "' to the active key '" + newKey + "'").contains("skipped mc-2/after-rotation: already under the active key");
    assertThat(backup("mc-1", "before-rotation").getStatus().keyId).isEqualTo(newKey);
    assertThat(snapshotETag(folder)).as("the snapshot is not re-uploaded").isEqualTo(snapshotETag);
    BackupManifest rewrapped = manifest(folder);
    assertThat(rewrapped.keyId()).isEqualTo(newKey);
    assertThat(rewrapped.seal()).isNotNull();
    Cli.Run verify = cli.run("backup", "verify", "mc-1", "before-rotation", "--timeout", "2m");
    assertThat(verify.code()).as(verify.toString()).isZero();

    Cli.Run describe = cli.run("store", "describe", Fleet.BACKUP_STORE);
    assertThat(describe.out()).contains("active key: " + newKey);
    // ids only, anywhere on the hub
    String hubText = fleet.hub().getKubernetesSerialization().asJson(List.of(
        fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace().list().getItems(),
        fleet.hub().resources(HostedClusterRestore.class).inAnyNamespace().list().getItems(),
        fleet.hub().resources(BackupStore.class).list().getItems(),
        fleet.hub().v1().events().inAnyNamespace().list().getItems()));
    for (String key : List.of(keySecret("mc-1").getData().get("key-" + newKey), keySecret("mc-1").getData().get("key"))) {
      assertThat(key).isNotNull();
      assertThat(hubText).doesNotContain(key);
    }
  }

  @Test
  void aFolderCopiedUnderAnotherNameOrIntoAnotherClustersFolderIsRefusedAsBackupCorrupt() throws Exception {
    Cli.Run run = cli.run("backup", "create", "mc-1", NS + "/hc-1", "--name", "original", "--wait", "--timeout", "2m");
    assertThat(run.code()).as(run.toString()).isZero();
    String folder = backup("mc-1", "original").getStatus().location.keyPrefix;
    String renamed = folder.replace("/original/", "/renamed/");
    String otherCluster = folder.replace("/mc-1/", "/mc-2/");
    copyFolder(folder, renamed);
    copyFolder(folder, otherCluster);
    List<String> before = hostedClusters("mc-2");

    for (NamespacedName copy : List.of(new NamespacedName("mc-1", "renamed"), new NamespacedName("mc-2", "original"))) {
      HostedClusterRestore refused = awaitRestore(restore("mc-2", copy.namespace, copy.name));
      assertThat(refused.getStatus().phase).isEqualTo(Phase.Failed);
      var c = Conditions.find(refused.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow();
      assertThat(c.getReason()).as(c.getMessage()).isEqualTo("BackupCorrupt");
      assertThat(c.getMessage()).contains("backup original of hosted cluster clusters/hc-1 taken on cluster mc-1")
          .contains("copied or moved under another name").contains("nothing was created");
      assertThat(refused.getStatus().source).as("refused before it looked further").isNull();
    }
    assertThat(hostedClusters("mc-2")).as("nothing created on the destination").isEqualTo(before);
  }

  @Test
  void twoCommitsOfOneFolderCannotBothSucceed() throws Exception {
    Cli.Run run = cli.run("backup", "create", "mc-2", NS + "/hc-2", "--name", "committed", "--wait", "--timeout", "2m");
    assertThat(run.code()).as(run.toString()).isZero();
    String folder = backup("mc-2", "committed").getStatus().location.keyPrefix;
    BackupLayout layout = BackupLayout.ofFolder("flotilla", folder).orElseThrow();
    try (S3Client s3 = fleet.objectStore().newClient()) {
      BackupCatalog catalog = new BackupCatalog(s3, fleet.objectStore().bucket());
      BackupManifest committed = catalog.read(layout);
      // a second writer of the committed folder (e.g. a record of the same name made again) is refused
      try {
        catalog.commit(layout, committed.writtenBy("another-writer"), Optional.empty());
        throw new AssertionError("the second commit succeeded");
      } catch (BackupCatalog.ManifestConflict expected) {
        assertThat(catalog.read(layout)).isEqualTo(committed);
      }
      // two writers of a fresh folder at once, on the sandbox's S3Proxy: one wins
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 5; round++) {
          BackupLayout fresh = new BackupLayout("flotilla", "mc-2", NS, "hc-2", "race-" + round);
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Boolean>> writers = List.of(pool.submit(() -> commit(catalog, fresh, committed, "writer-a", go)),
              pool.submit(() -> commit(catalog, fresh, committed, "writer-b", go)));
          go.countDown();
          boolean a = writers.get(0).get();
          boolean b = writers.get(1).get();
          assertThat(a ^ b).as("round " + round + ": a " + a + ", b " + b).isTrue();
          assertThat(catalog.read(fresh).clusterUID()).isEqualTo(a ? "writer-a" : "writer-b");
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  // ---- helpers

  private static boolean commit(BackupCatalog catalog, BackupLayout layout, BackupManifest m, String writer,
      CountDownLatch go) throws InterruptedException {
    go.await();
    try {
      catalog.commit(layout, m.writtenBy(writer), Optional.empty());
      return true;
    } catch (BackupCatalog.ManifestConflict e) {
      return false;
    }
  }

  private HostedClusterBackup backup(String cluster, String name) {
    return fleet.hub().resources(HostedClusterBackup.class).inNamespace(cluster).withName(name).get();
  }

  private Secret keySecret(String cluster) {
    return fleet.spokeClient(cluster).secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET)
        .get();
  }

  private List<String> hostedClusters(String cluster) {
    return fleet.spokeClient(cluster).resources(HostedCluster.class).inAnyNamespace().list().getItems().stream()
        .map(h -> h.getMetadata().getNamespace() + "/" + h.getMetadata().getName()).sorted().toList();
  }

  private HostedClusterRestore restore(String onto, String sourceCluster, String backup) {
    HostedClusterRestore r = new HostedClusterRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("restore-" + (++counter)).withNamespace(onto).build());
    r.getSpec().store = Fleet.BACKUP_STORE;
    r.getSpec().backup = new NamespacedName(sourceCluster, backup);
    return fleet.hub().resource(r).create();
  }

  private HostedClusterRestore awaitRestore(HostedClusterRestore r) {
    var op = fleet.hub().resources(HostedClusterRestore.class).inNamespace(r.getMetadata().getNamespace())
        .withName(r.getMetadata().getName());
    await().atMost(Duration.ofSeconds(120)).until(() -> op.get().getStatus() != null
        && (op.get().getStatus().phase == Phase.Completed || op.get().getStatus().phase == Phase.Failed));
    return op.get();
  }

  private BackupManifest manifest(String folder) throws Exception {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      return BackupManifest.fromJson(s3.getObjectAsBytes(b -> b.bucket(fleet.objectStore().bucket())
          .key(folder + BackupLayout.MANIFEST)).asByteArray());
    }
  }

  private String snapshotETag(String folder) {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      S3Object snapshot = s3.listObjectsV2(b -> b.bucket(fleet.objectStore().bucket()).prefix(folder)).contents()
          .stream().filter(o -> o.key().contains(BackupLayout.SNAPSHOT_BASE)).findFirst().orElseThrow();
      return snapshot.eTag();
    }
  }

  private void copyFolder(String from, String to) {
    String bucket = fleet.objectStore().bucket();
    try (S3Client s3 = fleet.objectStore().newClient()) {
      for (S3Object o : s3.listObjectsV2(b -> b.bucket(bucket).prefix(from)).contents()) {
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(o.key()).destinationBucket(bucket)
            .destinationKey(to + o.key().substring(from.length())));
      }
    }
  }
}
