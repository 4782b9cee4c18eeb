package io.flotilla.hub.dr.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec.FailurePolicy;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec.Purpose;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against a CRUD mock hub, called by hand; the test plays the agents by writing the records' status.
 * Every record the reconciler creates is checked for what its agent needs (spec, namespace, labels).
 */
@EnableKubernetesMockClient(crud = true)
class HostedClusterMigrationReconcilerTest {
  static final long REVISION = 4711;
  static final long KEYS = 311;

  KubernetesClient client;
  MigrationHub hub;
  HostedClusterMigrationReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new MigrationHub(client);
    hub.cluster("mc-1");
    hub.cluster("mc-2");
    hub.store("default");
    reconciler = new HostedClusterMigrationReconciler(client, Clock.systemUTC(), 2, Duration.ofSeconds(30));
  }

  HostedClusterMigrationReconciler.Result reconcile(String name) {
    return reconciler.reconcile(name);
  }

  HostedClusterMigrationStatus status(String name) {
    return hub.migration(name).getStatus();
  }

  Condition condition(String name, String type) {
    return Conditions.find(status(name).conditions, type).orElse(null);
  }

  static void labelledFor(HasMetadata record, HostedClusterMigration m) {
    assertThat(record.getMetadata().getLabels())
        .containsEntry(HostedClusterMigration.MIGRATION_LABEL, m.getMetadata().getName())
        .containsEntry(io.flotilla.api.dr.v1alpha1.HostedClusterMigration.MIGRATION_UID_LABEL, m.getMetadata().getUid());
  }

  /** Runs migration {@code name} from mc-1 to mc-2 up to a completed restore (the agents answering each record). */
  void upToACompletedRestore(String name, HostedClusterRestoreStatus.Phase restorePhase, Long revision) {
    reconcile(name);
    hub.holdReports("mc-1", name + "-hold", HostedClusterPauseStatus.Phase.Paused);
    reconcile(name);
    hub.backupReports("mc-1", name, HostedClusterBackupStatus.Phase.Completed, REVISION, KEYS, "done");
    reconcile(name);
    hub.restoreReports("mc-2", name, restorePhase, revision, revision == null ? null : KEYS,
        revision == null ? null : revision == REVISION, restorePhase == HostedClusterRestoreStatus.Phase.Failed
            ? "EtcdRestoreFailed: etcd-init exited 1" : "restored");
  }

  @Test
  void aFullMigration() {
    HostedClusterMigration m = hub.migrate("m", "mc-1", "mc-2", s -> { });

    // 1. the source is held
    reconcile("m");
    HostedClusterPause hold = hub.hold("mc-1", "m-hold");
    assertThat(hold).isNotNull();
    labelledFor(hold, m);
    assertThat(hold.getSpec().hostedCluster).isEqualTo(MigrationHub.HC);
    assertThat(hold.getSpec().quiesce()).isTrue();
    assertThat(hold.getSpec().pausesWorkers()).isTrue();
    assertThat(status("m").phase).isEqualTo(Phase.Running);
    assertThat(status("m").store).isEqualTo("default");
    assertThat(reconcile("m").statusWritten()).as("nothing changed").isFalse();
    assertThat(hub.records("mc-1")).as("never created twice").hasSize(1);

    // 2. backed up while held
    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Paused);
    reconcile("m");
    HostedClusterBackup backup = hub.backup("mc-1", "m");
    labelledFor(backup, m);
    assertThat(backup.getSpec().hostedCluster).isEqualTo(MigrationHub.HC);
    assertThat(backup.getSpec().store).isEqualTo("default");

    // 3. restored on the destination from that backup
    hub.backupReports("mc-1", "m", HostedClusterBackupStatus.Phase.Completed, REVISION, KEYS, "done");
    reconcile("m");
    HostedClusterRestore restore = hub.restore("mc-2", "m");
    labelledFor(restore, m);
    assertThat(restore.getSpec().backup).isEqualTo(new NamespacedName("mc-1", "m"));
    assertThat(restore.getSpec().store).isEqualTo("default");
    assertThat(restore.getSpec().latest).isNull();

    // 4. verified at the backup's revision (the restored etcd is live past it, MigrationHub.LIVE_WRITES): the point of
    //    no return is written first, and nothing is torn down in the same pass
    hub.restoreReports("mc-2", "m", HostedClusterRestoreStatus.Phase.Completed, REVISION, KEYS, true, "restored");
    assertThat(hub.restore("mc-2", "m").getStatus().verification.etcdRevision).isGreaterThan(REVISION);
    HostedClusterMigrationReconciler.Result verified = reconcile("m");
    assertThat(verified.recheckAfter()).isEqualTo(HostedClusterMigrationReconciler.RECHECK_NOW);
    assertThat(status("m").pointOfNoReturnTime).isNotNull();
    assertThat(condition("m", HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN).getStatus())
        .isEqualTo(Conditions.TRUE);
    assertThat(hub.teardown("mc-1", "m-source-teardown")).isNull();

    // 5. the source is torn down
    reconcile("m");
    HostedClusterTeardown teardown = hub.teardown("mc-1", "m-source-teardown");
    labelledFor(teardown, m);
    assertThat(teardown.getSpec().purpose).isEqualTo(Purpose.Migrated);
    assertThat(teardown.getSpec().hostedCluster).isEqualTo(MigrationHub.HC);
    assertThat(teardown.getSpec().restoredBy).isNull();
    assertThat(status("m").phase).isEqualTo(Phase.Running);

    // 6. done: the hold is deleted, the backup and restore records stay
    hub.teardownReports("mc-1", "m-source-teardown", HostedClusterTeardownStatus.Phase.Completed, "done");
    HostedClusterMigrationReconciler.Result done = reconcile("m");
    HostedClusterMigrationStatus s = status("m");
    assertThat(s.phase).isEqualTo(Phase.Succeeded);
    assertThat(s.completedAt).isNotNull();
    assertThat(s.recoveryTime).isNotNull();
    assertThat(s.backupName).isEqualTo("m");
    assertThat(s.steps).extracting(st -> st.name + "=" + st.phase).containsExactly("PauseSource=Succeeded",
        "BackUpSource=Succeeded", "RestoreOnDestination=Succeeded", "Verify=Succeeded", "PointOfNoReturn=Succeeded",
        "TearDownSource=Succeeded");
    assertThat(s.steps).extracting(st -> st.record).containsExactly("mc-1/m-hold", "mc-1/m", "mc-2/m", null, null,
        "mc-1/m-source-teardown");
    assertThat(hub.hold("mc-1", "m-hold")).isNull();
    assertThat(hub.backup("mc-1", "m")).isNotNull();
    assertThat(done.recheckAfter()).as("once more, to see the hold gone").isNotNull();
    assertThat(hub.events("m")).extracting(e -> e.getType() + "/" + e.getReason())
        .containsExactlyInAnyOrder("Normal/PointOfNoReturnPassed", "Normal/Succeeded");

    // finished: a later pass writes nothing, creates nothing, and schedules nothing
    HostedClusterMigrationReconciler.Result later = reconcile("m");
    assertThat(later.statusWritten()).isFalse();
    assertThat(later.recheckAfter()).isNull();
    assertThat(hub.records("mc-1")).hasSize(2);
    assertThat(hub.records("mc-2")).hasSize(1);
  }

  @Test
  void aFailedRestoreWithAutoRollbackRemovesTheCopyAndResumesTheSource() {
    hub.migrate("m", "mc-1", "mc-2", s -> s.failurePolicy = FailurePolicy.AutoRollback);
    upToACompletedRestore("m", HostedClusterRestoreStatus.Phase.Failed, null);

    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.RollingBack);
    HostedClusterTeardown copy = hub.teardown("mc-2", "m-copy-teardown");
    assertThat(copy.getSpec().purpose).isEqualTo(Purpose.RolledBack);
    assertThat(copy.getSpec().hostedCluster).isEqualTo(MigrationHub.HC);
    assertThat(copy.getSpec().restoredBy).isEqualTo(new NamespacedName("mc-2", "m"));
    assertThat(hub.hold("mc-1", "m-hold").getSpec().released()).as("not before the copy is gone").isFalse();

    hub.teardownReports("mc-2", "m-copy-teardown", HostedClusterTeardownStatus.Phase.Completed, "done");
    reconcile("m");
    HostedClusterPause hold = hub.hold("mc-1", "m-hold");
    assertThat(hold.getSpec().released()).isTrue();
    assertThat(status("m").phase).isEqualTo(Phase.RollingBack);

    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Released);
    reconcile("m");
    HostedClusterMigrationStatus s = status("m");
    assertThat(s.phase).isEqualTo(Phase.RolledBack);
    assertThat(s.pointOfNoReturnTime).isNull();
    assertThat(Conditions.find(s.conditions, HostedClusterMigration.CONDITION_SUCCEEDED).orElseThrow().getReason())
        .isEqualTo(MigrationPlanner.ROLLED_BACK);
    assertThat(s.steps).extracting(st -> st.name + "=" + st.phase).containsExactly("PauseSource=Succeeded",
        "BackUpSource=Succeeded", "RestoreOnDestination=Failed", "Verify=Skipped", "PointOfNoReturn=Skipped",
        "TearDownSource=Skipped", "RemoveDestinationCopy=Succeeded", "ResumeSource=Succeeded");
    assertThat(hub.backup("mc-1", "m")).as("a good backup is kept").isNotNull();
    assertThat(hub.teardown("mc-1", "m-source-teardown")).as("the source is never torn down").isNull();
    assertThat(hub.events("m")).extracting(e -> e.getType() + "/" + e.getReason()).contains("Normal/RolledBack");
  }

  @Test
  void manualWaitsForTheOperatorThenRollsBack() {
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    reconcile("m");
    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Paused);
    reconcile("m");
    hub.backupReports("mc-1", "m", HostedClusterBackupStatus.Phase.Failed, null, null, "StoreUnreachable: timeout");

    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.WaitingForOperator);
    Condition waiting = condition("m", HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR);
    assertThat(waiting.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(waiting.getReason()).isEqualTo(MigrationPlanner.BACK_UP_SOURCE);
    assertThat(waiting.getMessage()).contains("StoreUnreachable: timeout", "flotilla migrate rollback m",
        "spec.rollback: true");
    assertThat(hub.events("m")).extracting(e -> e.getType() + "/" + e.getReason())
        .containsExactly("Warning/WaitingForOperator");
    reconcile("m");
    assertThat(hub.restore("mc-2", "m")).as("nothing goes on by itself").isNull();
    assertThat(hub.hold("mc-1", "m-hold").getSpec().released()).isFalse();

    hub.requestRollback("m");
    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.RollingBack);
    assertThat(hub.teardown("mc-2", "m-copy-teardown")).as("no restore was created: no copy").isNull();
    assertThat(hub.hold("mc-1", "m-hold").getSpec().released()).isTrue();

    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Released);
    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.RolledBack);
    assertThat(status("m").steps).extracting(st -> st.name + "=" + st.phase).endsWith(
        "RemoveDestinationCopy=Skipped", "ResumeSource=Succeeded");
    assertThat(condition("m", HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR).getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void rollbackAfterThePointOfNoReturnIsRefusedAndTheMigrationCarriesOn() {
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    upToACompletedRestore("m", HostedClusterRestoreStatus.Phase.Completed, REVISION);
    reconcile("m");
    String pointOfNoReturn = status("m").pointOfNoReturnTime;
    assertThat(pointOfNoReturn).isNotNull();

    hub.requestRollback("m");
    reconcile("m");
    Condition refused = condition("m", HostedClusterMigration.CONDITION_ROLLBACK_REFUSED);
    assertThat(refused.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(refused.getReason()).isEqualTo(MigrationPlanner.POINT_OF_NO_RETURN_PASSED);
    assertThat(refused.getMessage()).contains(pointOfNoReturn);
    assertThat(status("m").phase).isEqualTo(Phase.Running);
    assertThat(hub.teardown("mc-1", "m-source-teardown")).as("carries on").isNotNull();
    assertThat(hub.teardown("mc-2", "m-copy-teardown")).isNull();
    assertThat(hub.hold("mc-1", "m-hold").getSpec().released()).isFalse();
    assertThat(hub.events("m")).extracting(e -> e.getType() + "/" + e.getReason())
        .contains("Warning/RollbackRefused");

    hub.teardownReports("mc-1", "m-source-teardown", HostedClusterTeardownStatus.Phase.Completed, "done");
    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.Succeeded);
    assertThat(status("m").pointOfNoReturnTime).isEqualTo(pointOfNoReturn);
  }

  @Test
  void aHaltedTeardownAlertsAndIsCreatedAgainOnceTheOperatorDeletesIt() {
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    upToACompletedRestore("m", HostedClusterRestoreStatus.Phase.Completed, REVISION);
    reconcile("m");
    reconcile("m");
    hub.teardownReports("mc-1", "m-source-teardown", HostedClusterTeardownStatus.Phase.Halted,
        "AgentMachine clusters-hc-1/am-0: annotation cluster.x-k8s.io/paused missing");

    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.WaitingForOperator);
    Condition halted = condition("m", HostedClusterMigration.CONDITION_TEARDOWN_HALTED);
    assertThat(halted.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(halted.getReason()).isEqualTo(HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED);
    assertThat(halted.getMessage()).contains("annotation cluster.x-k8s.io/paused missing",
        "delete the HostedClusterTeardown mc-1/m-source-teardown");
    assertThat(hub.events("m")).filteredOn(e -> "TeardownHalted".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    reconcile("m");
    assertThat(hub.events("m")).filteredOn(e -> "TeardownHalted".equals(e.getReason())).hasSize(1);

    // the operator fixes the preservation and deletes the halted record
    client.resources(HostedClusterTeardown.class).inNamespace("mc-1").withName("m-source-teardown").delete();
    reconcile("m");
    assertThat(hub.teardown("mc-1", "m-source-teardown").getStatus().phase).as("a new record").isNull();
    assertThat(status("m").phase).isEqualTo(Phase.Running);
    assertThat(condition("m", HostedClusterMigration.CONDITION_TEARDOWN_HALTED).getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void badInputFailsAndCreatesNothing() {
    client.resources(io.flotilla.api.dr.v1alpha1.BackupStore.class).withName("default").delete();
    hub.store("a");
    hub.store("b");
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.Failed);
    assertThat(condition("m", HostedClusterMigration.CONDITION_SUCCEEDED).getReason())
        .isEqualTo(MigrationPlanner.BACKUP_STORE_NOT_FOUND);
    hub.migrate("n", "mc-1", "mc-9", s -> s.store = "a");
    reconcile("n");
    assertThat(condition("n", HostedClusterMigration.CONDITION_SUCCEEDED).getReason())
        .isEqualTo(MigrationPlanner.CLUSTER_NOT_FOUND);
    assertThat(hub.records("mc-1")).isEmpty();
    assertThat(hub.records("mc-2")).isEmpty();
  }

  @Test
  void aFailOverNeedsTheSourceDeclaredLostThenRestoresTheNewestBackup() {
    hub.migrate("f", "mc-1", "mc-2", s -> {
      s.source.lost = true;
    });
    reconcile("f");
    assertThat(status("f").phase).isEqualTo(Phase.Failed);
    assertThat(condition("f", HostedClusterMigration.CONDITION_SUCCEEDED).getReason())
        .isEqualTo(MigrationPlanner.SOURCE_NOT_DECLARED_LOST);
    assertThat(hub.records("mc-2")).isEmpty();

    hub.declareLost("mc-1");
    reconcile("f");
    HostedClusterRestore restore = hub.restore("mc-2", "f");
    assertThat(restore.getSpec().backup).isNull();
    assertThat(restore.getSpec().hostedCluster).isEqualTo(MigrationHub.HC);
    assertThat(restore.getSpec().latest).isTrue();
    assertThat(hub.records("mc-1")).as("nothing on the lost cluster").isEmpty();
  }

  @Test
  void atMostTwoFailOversRestoreOntoOneDestinationAtOnce() {
    hub.declareLost("mc-1");
    for (String name : List.of("f1", "f2", "f3")) {
      hub.migrate(name, "mc-1", "mc-2", s -> s.source.lost = true);
    }
    reconcile("f3"); // the newest first: it must still wait for the two created before it
    reconcile("f1");
    reconcile("f2");
    reconcile("f3");
    assertThat(hub.restore("mc-2", "f1")).isNotNull();
    assertThat(hub.restore("mc-2", "f2")).isNotNull();
    assertThat(hub.restore("mc-2", "f3")).isNull();
    assertThat(status("f3").phase).isEqualTo(Phase.Pending);
    assertThat(condition("f3", HostedClusterMigration.CONDITION_QUEUED).getMessage()).startsWith("2 migrations ahead");

    hub.restoreReports("mc-2", "f1", HostedClusterRestoreStatus.Phase.InProgress, null, null, null, "Restoring");
    reconcile("f1");
    reconcile("f3");
    assertThat(hub.restore("mc-2", "f3")).as("f1 still restores").isNull();

    hub.restoreReports("mc-2", "f1", HostedClusterRestoreStatus.Phase.Completed, REVISION, KEYS, true, "restored");
    HostedClusterRestore r = hub.restore("mc-2", "f1");
    r.getStatus().source = new HostedClusterRestoreStatus.Source();
    r.getStatus().source.backup = "hc-1-20260301";
    r.getStatus().source.etcdRevision = REVISION;
    r.getStatus().source.keys = KEYS;
    client.resource(r).updateStatus();
    reconcile("f1");
    assertThat(status("f1").phase).isEqualTo(Phase.Succeeded);
    assertThat(status("f1").backupName).isEqualTo("hc-1-20260301");
    reconcile("f3");
    assertThat(hub.restore("mc-2", "f3")).as("a slot is free").isNotNull();
  }

  @Test
  void aRecordOfTheSameNameFromAnEarlierMigrationIsNotAdopted() {
    HostedClusterBackup stale = new HostedClusterBackup();
    stale.getMetadata().setName("m");
    stale.getMetadata().setNamespace("mc-1");
    stale.getMetadata().setLabels(MigrationRecords.labels("m", "uid-of-an-earlier-m"));
    stale.getSpec().hostedCluster = MigrationHub.HC;
    stale.getSpec().store = "default";
    client.resource(stale).create();
    hub.backupReports("mc-1", "m", HostedClusterBackupStatus.Phase.Completed, 1L, 1L, "old");
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    reconcile("m");
    assertThat(status("m").phase).isEqualTo(Phase.Failed);
    assertThat(condition("m", HostedClusterMigration.CONDITION_SUCCEEDED).getReason())
        .isEqualTo(MigrationPlanner.RECORD_NAME_TAKEN);
    assertThat(condition("m", HostedClusterMigration.CONDITION_SUCCEEDED).getMessage()).contains("mc-1/m");
    assertThat(hub.hold("mc-1", "m-hold")).as("the source is not held").isNull();
    assertThat(hub.backup("mc-1", "m").getStatus().snapshot.etcdRevision).as("left alone").isEqualTo(1L);
  }
}
