package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.agent.storage.ClusterIdentity;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `flotilla backup sync` in-process: backups taken by one sandbox fleet's agent, then a new fleet whose hub is empty
 * and whose bucket is the same (the sandbox keeps S3Proxy's files in its directory). The must-show: sync into an
 * empty hub recreates the catalogue from the bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupSyncCommandTest {
  private static final String CLUSTER = "mc-1";

  @TempDir
  static Path dir;
  private Fleet fleet;
  private Path kubeconfig;
  private Path s3Env;
  /** The records the first fleet's agent wrote for its backups: what the rebuilt catalogue must say. */
  private Map<String, HostedClusterBackup> original;

  @BeforeAll
  void up() {
    try {
      EtcdLauncher.findEtcd();
    } catch (RuntimeException e) {
      assumeTrue(false, "no etcd: " + e.getMessage());
    }
    Path fleetDir = dir.resolve("fleet");
    kubeconfig = fleetDir.resolve("hub.kubeconfig");
    s3Env = fleetDir.resolve("s3.env");
    Fleet first = Fleet.up(Fleet.Options.defaults(fleetDir).withClusters(1).withHostedPerCluster(1), line -> { });
    try {
      for (String name : List.of("b-1", "b-2")) {
        Run run = flotilla("backup", "create", CLUSTER, Fleet.HOSTED_CLUSTER_NAMESPACE + "/hc-1", "--name", name, "--wait");
        assertThat(run.code).as(run.err).isZero();
      }
      original = first.hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).list().getItems().stream()
          .collect(Collectors.toMap(b -> b.getMetadata().getName(), Function.identity()));
    } finally {
      first.close();
    }
    // A new hub, the same bucket. Only the CLI writes records here: the agent is stopped, and whatever a future
    // agent might have synced at start is removed, so the hub's catalogue is empty for certain.
    fleet = Fleet.up(Fleet.Options.defaults(fleetDir).withClusters(1).withHostedPerCluster(0), line -> { });
    fleet.stopAgent(CLUSTER);
    for (HostedClusterBackup b : allBackups()) {
      fleet.hub().resource(b).edit(x -> {
        x.getMetadata().setFinalizers(List.of());
        return x;
      });
      fleet.hub().resource(b).delete();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(allBackups()).isEmpty());
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  @Order(1)
  void syncIntoAnEmptyHubRecreatesTheCatalogueFromTheBucket() {
    Run dry = flotilla("backup", "sync", "--credentials-file", s3Env.toString(), "--dry-run");

    assertThat(dry.code).as(dry.err).isZero();
    assertThat(dry.out).contains("would create mc-1/b-1 (hosted cluster clusters/hc-1", "would create mc-1/b-2",
        "0 already on the hub, 2 to create (dry run: nothing written)");
    assertThat(allBackups()).isEmpty();

    Run run = flotilla("backup", "sync", "--credentials-file", s3Env.toString());

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.err).isEmpty();
    assertThat(run.out).startsWith("store default: s3://" + Fleet.BUCKET + "/flotilla/, 2 committed backups in 1 cluster folder")
        .contains("created mc-1/b-1 (hosted cluster clusters/hc-1, completed ", "created mc-1/b-2",
            "0 already on the hub, 2 created");
    assertThat(allBackups()).extracting(b -> b.getMetadata().getNamespace() + "/" + b.getMetadata().getName())
        .containsExactlyInAnyOrder("mc-1/b-1", "mc-1/b-2");
    for (String name : original.keySet()) {
      HostedClusterBackupStatus was = original.get(name).getStatus();
      HostedClusterBackup now = fleet.hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).get();
      HostedClusterBackupStatus is = now.getStatus();
      assertThat(is.phase).isEqualTo(Phase.Completed);
      assertThat(now.getSpec().hostedCluster).isEqualTo(original.get(name).getSpec().hostedCluster);
      assertThat(now.getSpec().store).isEqualTo("default");
      // the times are the manifest's (whole seconds, as Kubernetes writes them), taken while the agent ran it
      BackupManifest m = manifestAt(was.location.keyPrefix);
      assertThat(is.startedAt).isEqualTo(Time.format(m.startedAtInstant()));
      assertThat(is.completedAt).isEqualTo(Time.format(m.completedAtInstant()));
      assertThat(Time.parse(is.completedAt)).isBetween(Time.parse(was.startedAt), Time.parse(was.completedAt));
      assertThat(is.location.bucket).isEqualTo(was.location.bucket);
      assertThat(is.location.keyPrefix).isEqualTo(was.location.keyPrefix);
      assertThat(is.snapshot.rawBytes).isEqualTo(was.snapshot.rawBytes);
      assertThat(is.snapshot.storedBytes).isEqualTo(was.snapshot.storedBytes);
      assertThat(is.snapshot.sha256).isEqualTo(was.snapshot.sha256);
      assertThat(is.snapshot.etcdRevision).isEqualTo(was.snapshot.etcdRevision);
      assertThat(is.snapshot.keys).isEqualTo(was.snapshot.keys);
      assertThat(Conditions.find(is.conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow().getReason())
          .isEqualTo(CatalogReconciliation.IMPORTED_REASON);
      assertThat(CatalogReconciliation.isImported(now)).isTrue();
    }
    Run list = flotilla("backup", "list", CLUSTER);
    assertThat(list.code).as(list.err).isZero();
    assertThat(list.out).containsPattern("(?m)^b-1 +mc-1 +clusters/hc-1 +Completed")
        .containsPattern("(?m)^b-2 +mc-1 +clusters/hc-1 +Completed");

    Run again = flotilla("backup", "sync", "--credentials-file", s3Env.toString());
    assertThat(again.code).as(again.err).isZero();
    assertThat(again.out).contains("2 already on the hub, 0 created").doesNotContain("created mc-1");
  }

  @Test
  @Order(2)
  void aForeignWritersBackupIsACollisionAndLostClustersNeedCreateNamespaces() throws Exception {
    // the hub's copy of the store credentials is installed by the sandbox, as an installation would
    assertThat(fleet.hub().secrets().inNamespace(BackupSync.DEFAULT_CREDENTIALS_NAMESPACE)
        .withName(Fleet.STORE_CREDENTIALS_SECRET).get()).isNotNull();
    String foreignLocation;
    String ownerUid;
    try (S3Client s3 = fleet.objectStore().newClient()) {
      BackupCatalog catalog = new BackupCatalog(s3, Fleet.BUCKET);
      // mc-1's folder has an owner (its first backup's agent, or this claim if that agent predates markers)
      ownerUid = catalog.claim("flotilla", new ClusterIdentity(CLUSTER, "uid-of-the-first-mc-1", "2026-01-01T00:00:00Z"))
          .clusterUID();
      BackupLayout foreign = new BackupLayout("flotilla", CLUSTER, "clusters", "hc-1", "b-foreign");
      catalog.commit(foreign, manifest(foreign).writtenBy("uid-impostor"), Optional.empty());
      foreignLocation = "s3://" + Fleet.BUCKET + "/" + foreign.folder();
      BackupLayout lost = new BackupLayout("flotilla", "mc-gone", "clusters", "hc-9", "lost-1");
      catalog.commit(lost, manifest(lost), Optional.empty());
    }

    Run run = flotilla("backup", "sync");

    assertThat(run.code).as(run.err).isEqualTo(CliErrors.FAILED);
    assertThat(run.out).contains("2 already on the hub, 0 created");
    assertThat(run.err).contains("collision: backup " + foreignLocation + " was written by cluster UID uid-impostor, but "
        + "s3://" + Fleet.BUCKET + "/flotilla/mc-1/ belongs to mc-1 (cluster UID " + ownerUid + ")")
        .contains("warning: 1 backup of mc-gone not imported: no management cluster mc-gone on the hub (register it "
            + "with flotilla cluster add, or pass --create-namespaces)");
    assertThat(run.err.lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("error: 1 backup(s) in the bucket were "
        + "written by another cluster than the owner of their folder and were not imported (see above)");
    assertThat(allBackups()).extracting(b -> b.getMetadata().getName()).containsExactlyInAnyOrder("b-1", "b-2");

    Run create = flotilla("backup", "sync", "--create-namespaces");

    assertThat(create.code).isEqualTo(CliErrors.FAILED); // the collision stays until someone resolves it
    assertThat(create.out).contains("created mc-gone/lost-1 (hosted cluster clusters/hc-9");
    assertThat(fleet.hub().namespaces().withName("mc-gone").get()).isNotNull();
    assertThat(fleet.hub().resources(HostedClusterBackup.class).inNamespace("mc-gone").withName("lost-1").get()
        .getStatus().phase).isEqualTo(Phase.Completed);
    assertThat(allBackups()).extracting(b -> b.getMetadata().getName()).doesNotContain("b-foreign");
  }

  @Test
  @Order(3)
  void badInputExitsTwoWithWhatToDo() {
    Run noSecret = flotilla("backup", "sync", "--credentials-namespace", "nowhere");
    Run noStore = flotilla("backup", "sync", "--store", "nope", "--credentials-file", s3Env.toString());
    Run noFile = flotilla("backup", "sync", "--credentials-file", dir.resolve("missing.env").toString());

    assertThat(noSecret.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(noSecret.err.strip()).isEqualTo("error: no Secret nowhere/" + Fleet.STORE_CREDENTIALS_SECRET + " on the hub "
        + "with the object-store credentials; pass --credentials-file, or create it: kubectl -n nowhere create secret "
        + "generic " + Fleet.STORE_CREDENTIALS_SECRET + " --from-literal=accessKeyId=... --from-literal=secretAccessKey=...");
    assertThat(noStore.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(noStore.err.strip()).isEqualTo("error: no BackupStore \"nope\" on the hub (have: default)");
    assertThat(noFile.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(noFile.err.strip()).isEqualTo("error: --credentials-file: " + dir.resolve("missing.env") + " does not exist");
  }

  // ---- helpers

  private record Run(int code, String out, String err) {}

  private Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  private List<HostedClusterBackup> allBackups() {
    return fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace().list().getItems();
  }

  private BackupManifest manifestAt(String folder) {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      BackupLayout layout = BackupLayout.ofFolder("flotilla", folder).orElseThrow();
      return new BackupCatalog(s3, Fleet.BUCKET).read(layout);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static BackupManifest manifest(BackupLayout layout) {
    Instant at = Instant.parse("2026-11-30T09:00:00Z");
    return new BackupManifest(BackupManifest.FORMAT_VERSION, layout.backup(), layout.cluster(),
        new BackupManifest.HostedClusterRef(layout.hostedClusterNamespace(), layout.hostedClusterName()),
        BackupManifest.time(at), BackupManifest.time(at.plusSeconds(30)), "zstd", "none", null, null,
        new BackupManifest.ObjectFigures("etcd-snapshot.db.zst", 4096, 1024, "ab".repeat(32), "cd".repeat(32), 7L, 3L),
        null, "hypershift.openshift.io/v1beta1", "0.1.0");
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
