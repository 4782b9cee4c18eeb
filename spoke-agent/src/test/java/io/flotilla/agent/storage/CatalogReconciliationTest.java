package io.flotilla.agent.storage;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalogue decision without a cluster or a bucket: found manifests + records present → what to write and tell. */
class CatalogReconciliationTest {
  private static final String STORE = "default";
  private static final String BUCKET = "bkt";
  private static final String PREFIX = "flotilla";
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final BackupLayout B1 = new BackupLayout(PREFIX, "mc-1", "clusters", "hc-1", "b1");

  /**
   * One committed backup b1 in mc-1's folder, seen by the CLI (agent "-") or by mc-1's agent (its UID), against what
   * the hub holds. "-" means none.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // case                                      | marker | writer | agent | importable | record on the hub  | outcome
      "no record: imported                         | uid-a  | uid-a  | -     | true  | none               | CREATE",
      "old manifest without writer: imported       | uid-a  | -      | -     | true  | none               | CREATE",
      "no marker yet: imported                     | -      | uid-a  | -     | true  | none               | CREATE",
      "record of this backup: left alone           | uid-a  | uid-a  | -     | true  | same               | PRESENT",
      "record still running, no location: alone    | uid-a  | uid-a  | -     | true  | running            | PRESENT",
      "imported record left without status         | uid-a  | uid-a  | -     | true  | imported-no-status | COMPLETE",
      "name taken by another folder's record       | uid-a  | uid-a  | -     | true  | other-location     | SKIP NameTaken",
      "name taken by a failed record               | uid-a  | uid-a  | -     | true  | failed             | SKIP NameTaken",
      "name taken by a record of another store     | uid-a  | uid-a  | -     | true  | other-store        | SKIP NameTaken",
      "cluster not registered on the hub           | uid-a  | uid-a  | -     | false | none               | SKIP ClusterNotRegistered",
      "writer is not the folder's owner            | uid-a  | uid-b  | -     | true  | none               | COLLISION",
      "foreign writer even with a record present   | uid-a  | uid-b  | -     | true  | same               | COLLISION",
      "agent: its own folder                       | uid-a  | uid-a  | uid-a | true  | none               | CREATE",
      "agent: folder owned by another cluster      | uid-b  | uid-b  | uid-a | true  | none               | COLLISION",
      "agent: old manifest, folder of another      | uid-b  | -      | uid-a | true  | none               | COLLISION",
      "agent: no marker, written by another        | -      | uid-b  | uid-a | true  | none               | COLLISION",
      "agent: no marker, old manifest              | -      | -      | uid-a | true  | none               | CREATE",
  })
  void oneBackup(String what, String marker, String writer, String agent, boolean importable, String record,
      String outcome) {
    BackupManifest m = manifest("b1", nul(writer), null);
    List<HostedClusterBackup> records = new ArrayList<>();
    if (!record.equals("none")) {
      records.add(existing(record));
    }
    CatalogReconciliation.Plan plan = CatalogReconciliation.plan(new CatalogReconciliation.Input(STORE, BUCKET, PREFIX,
        nul(agent) == null ? null : "mc-1", List.of(folder("mc-1", nul(marker), List.of(new BackupCatalog.Found(B1, m)))),
        records, c -> importable, nul(agent)), NOW);

    String[] expected = outcome.split(" ");
    assertThat(plan.toCreate()).as("created").hasSize(expected[0].equals("CREATE") ? 1 : 0);
    assertThat(plan.toComplete()).as("completed").hasSize(expected[0].equals("COMPLETE") ? 1 : 0);
    assertThat(plan.present()).as("present").isEqualTo(expected[0].equals("PRESENT") ? 1 : 0);
    assertThat(plan.collisions()).as("collisions").hasSize(expected[0].equals("COLLISION") ? 1 : 0);
    assertThat(plan.skipped()).as("skipped").extracting(s -> s.why().name())
        .containsExactlyElementsOf(expected[0].equals("SKIP") ? List.of(expected[1]) : List.of());
    if (expected[0].equals("COMPLETE")) {
      assertThat(plan.toComplete().get(0).getStatus().phase).isEqualTo(Phase.Completed);
      assertThat(records.get(0).getStatus().phase).as("the input is not changed").isNull();
    }
    // a Completed record elsewhere whose own folder is not in the bucket is also reported as missing
    assertThat(plan.missing()).hasSize(record.equals("other-location") ? 1 : 0);
  }

  @Test
  void anImportedRecordHasTheBackupsFiguresAndCannotBeMistakenForANewBackup() {
    BackupManifest m = manifest("b1", "uid-a", "nightly");

    HostedClusterBackup r = only(CatalogReconciliation.plan(cliInput(List.of(folder("mc-1", "uid-a",
        List.of(new BackupCatalog.Found(B1, m)))), List.of()), NOW).toCreate());

    assertThat(r.getMetadata().getNamespace()).isEqualTo("mc-1");
    assertThat(r.getMetadata().getName()).isEqualTo("b1");
    assertThat(r.getMetadata().getAnnotations()).containsEntry(CatalogReconciliation.IMPORTED_ANNOTATION,
        "s3://bkt/flotilla/mc-1/clusters/hc-1/b1/");
    assertThat(CatalogReconciliation.isImported(r)).isTrue();
    assertThat(r.getMetadata().getFinalizers()).containsExactly(HostedClusterBackup.OBJECTS_FINALIZER);
    assertThat(r.getMetadata().getLabels()).containsEntry(EffectiveBackupSchedule.POLICY_LABEL, "nightly");
    assertThat(r.getSpec().hostedCluster).isEqualTo(new NamespacedName("clusters", "hc-1"));
    assertThat(r.getSpec().store).isEqualTo(STORE);
    assertThat(r.getSpec().policy).isEqualTo("nightly");
    HostedClusterBackupStatus s = r.getStatus();
    assertThat(s.phase).isEqualTo(Phase.Completed);
    assertThat(s.startedAt).isEqualTo("2026-11-21T09:00:00Z");
    assertThat(s.completedAt).isEqualTo("2026-11-21T09:01:00Z");
    assertThat(s.location.bucket).isEqualTo(BUCKET);
    assertThat(s.location.keyPrefix).isEqualTo(B1.folder());
    assertThat(s.snapshot.rawBytes).isEqualTo(1000);
    assertThat(s.snapshot.storedBytes).isEqualTo(300);
    assertThat(s.snapshot.sha256).isEqualTo("aa");
    assertThat(s.snapshot.etcdRevision).isEqualTo(4242);
    assertThat(s.snapshot.keys).isEqualTo(17);
    var completed = Conditions.find(s.conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow();
    assertThat(completed.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(completed.getReason()).isEqualTo(CatalogReconciliation.IMPORTED_REASON);
    assertThat(completed.getMessage()).contains("s3://bkt/flotilla/mc-1/clusters/hc-1/b1/", "etcd revision 4242");
    assertThat(CatalogReconciliation.isImported(existing("same"))).isFalse();
  }

  @Test
  void completedRecordsWhoseBackupIsGoneAreReportedOnlyWithinTheScannedScope() {
    HostedClusterBackup gone = completedAt("gone", "mc-1", STORE, BUCKET, "flotilla/mc-1/clusters/hc-1/gone/");
    HostedClusterBackup otherStore = completedAt("os", "mc-1", "other", BUCKET, "flotilla/mc-1/clusters/hc-1/os/");
    HostedClusterBackup otherBucket = completedAt("ob", "mc-1", STORE, "elsewhere", "flotilla/mc-1/clusters/hc-1/ob/");
    HostedClusterBackup otherPrefix = completedAt("op", "mc-1", STORE, BUCKET, "old/mc-1/clusters/hc-1/op/");
    HostedClusterBackup otherCluster = completedAt("oc", "mc-2", STORE, BUCKET, "flotilla/mc-2/clusters/hc-9/oc/");
    HostedClusterBackup failed = completedAt("f", "mc-1", STORE, BUCKET, "flotilla/mc-1/clusters/hc-1/f/");
    failed.getStatus().phase = Phase.Failed;
    BackupLayout unreadable = new BackupLayout(PREFIX, "mc-1", "clusters", "hc-1", "u");
    HostedClusterBackup unreadableRecord = completedAt("u", "mc-1", STORE, BUCKET, unreadable.folder());
    List<HostedClusterBackup> records = List.of(gone, otherStore, otherBucket, otherPrefix, otherCluster, failed,
        unreadableRecord);
    List<BackupCatalog.ClusterFolder> folders = List.of(new BackupCatalog.ClusterFolder("mc-1", Optional.empty(),
        List.of(), List.of(new BackupCatalog.Unreadable(unreadable, "truncated JSON"))));

    var cli = CatalogReconciliation.plan(cliInput(folders, records), NOW);
    var agent = CatalogReconciliation.plan(new CatalogReconciliation.Input(STORE, BUCKET, PREFIX, "mc-1", folders,
        records, "mc-1"::equals, "uid-a"), NOW);

    assertThat(cli.missing()).extracting(CatalogReconciliation.Missing::name).containsExactlyInAnyOrder("gone", "oc");
    assertThat(cli.missing().get(0).location()).startsWith("s3://bkt/flotilla/");
    assertThat(agent.missing()).extracting(CatalogReconciliation.Missing::name).containsExactly("gone");
    assertThat(cli.skipped()).singleElement().satisfies(s -> {
      assertThat(s.why()).isEqualTo(CatalogReconciliation.Why.Unreadable);
      assertThat(s.message()).contains("truncated JSON");
    });
    assertThat(cli.toCreate()).isEmpty();
  }

  @Test
  void collisionMessagesNameBothClustersAndWhatToDo() {
    BackupManifest foreign = manifest("b1", "uid-b", null);

    var cli = CatalogReconciliation.plan(cliInput(List.of(folder("mc-1", "uid-a",
        List.of(new BackupCatalog.Found(B1, foreign)))), List.of()), NOW);
    var agent = CatalogReconciliation.plan(new CatalogReconciliation.Input(STORE, BUCKET, PREFIX, "mc-1",
        List.of(folder("mc-1", "uid-b", List.of(new BackupCatalog.Found(B1, foreign)))), List.of(), c -> true,
        "uid-a"), NOW);

    assertThat(only(cli.collisions()).message()).contains("s3://bkt/flotilla/mc-1/clusters/hc-1/b1/", "uid-b",
        "uid-a", "not imported");
    assertThat(only(cli.collisions()).writerUid()).isEqualTo("uid-b");
    assertThat(only(cli.collisions()).ownerUid()).isEqualTo("uid-a");
    assertThat(only(agent.collisions()).message()).contains("s3://bkt/flotilla/mc-1/", "uid-b", "uid-a",
        "flotilla backup sync", "cluster-identity.json");
  }

  @Test
  void twoBackupsOfOneNameInOneClusterFolderImportOnce() {
    BackupLayout other = new BackupLayout(PREFIX, "mc-1", "clusters", "hc-2", "b1");

    var plan = CatalogReconciliation.plan(cliInput(List.of(folder("mc-1", null, List.of(
        new BackupCatalog.Found(B1, manifest("b1", null, null)),
        new BackupCatalog.Found(other, manifest("b1", null, null))))), List.of()), NOW);

    assertThat(plan.toCreate()).hasSize(1);
    assertThat(only(plan.skipped()).why()).isEqualTo(CatalogReconciliation.Why.NameTaken);
  }

  // ---- helpers

  private static CatalogReconciliation.Input cliInput(List<BackupCatalog.ClusterFolder> folders,
      List<HostedClusterBackup> records) {
    return new CatalogReconciliation.Input(STORE, BUCKET, PREFIX, null, folders, records, c -> true, null);
  }

  private static BackupCatalog.ClusterFolder folder(String cluster, String markerUid, List<BackupCatalog.Found> found) {
    return new BackupCatalog.ClusterFolder(cluster, Optional.ofNullable(markerUid)
        .map(uid -> new ClusterIdentity(cluster, uid, "2026-01-01T00:00:00Z")), found, List.of());
  }

  private static BackupManifest manifest(String backup, String writerUid, String policy) {
    return LayoutAndManifestTest.sample(backup).writtenBy(writerUid).withPolicy(policy);
  }

  /** A record on the hub named b1 in mc-1, as the table's "record on the hub" column describes it. */
  private static HostedClusterBackup existing(String kind) {
    HostedClusterBackup r = switch (kind) {
      case "same" -> completedAt("b1", "mc-1", STORE, BUCKET, B1.folder());
      case "other-location" -> completedAt("b1", "mc-1", STORE, BUCKET, "flotilla/mc-1/clusters/hc-7/b1/");
      case "other-store" -> completedAt("b1", "mc-1", "other", BUCKET, B1.folder());
      case "running", "failed", "imported-no-status" -> completedAt("b1", "mc-1", STORE, BUCKET, null);
      default -> throw new IllegalArgumentException(kind);
    };
    if (kind.equals("running")) {
      r.getStatus().phase = Phase.InProgress;
    } else if (kind.equals("failed")) {
      r.getStatus().phase = Phase.Failed;
    } else if (kind.equals("imported-no-status")) {
      r.getStatus().phase = null;
      r.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(CatalogReconciliation.IMPORTED_ANNOTATION,
          "s3://bkt/" + B1.folder())));
    }
    return r;
  }

  private static HostedClusterBackup completedAt(String name, String namespace, String store, String bucket,
      String keyPrefix) {
    HostedClusterBackup r = new HostedClusterBackup();
    r.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withGeneration(1L).build());
    r.setSpec(new HostedClusterBackupSpec());
    r.getSpec().store = store;
    r.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    r.getStatus().phase = Phase.Completed;
    if (keyPrefix != null) {
      r.getStatus().location = new HostedClusterBackupStatus.Location();
      r.getStatus().location.bucket = bucket;
      r.getStatus().location.keyPrefix = keyPrefix;
    }
    return r;
  }

  private static String nul(String s) {
    return s == null || s.equals("-") ? null : s;
  }

  private static <T> T only(List<T> items) {
    assertThat(items).hasSize(1);
    return items.get(0);
  }
}
