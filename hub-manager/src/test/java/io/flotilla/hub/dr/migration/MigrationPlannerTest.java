package io.flotilla.hub.dr.migration;

import static io.flotilla.hub.dr.migration.MigrationFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec.Purpose;
import io.flotilla.hub.dr.migration.MigrationInput.Records;
import io.flotilla.hub.dr.migration.MigrationPlan.Recheck;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MigrationPlannerTest {
  static final MigrationPlanner PLANNER = new MigrationPlanner(2);
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  static Story story(HostedClusterMigrationSpec spec) { return new Story(PLANNER, spec); }

  static Records r(MigrationInput.Hold hold, MigrationInput.Backup backup, MigrationInput.Restore restore) {
    return new Records(hold, backup, restore, null, null, java.util.Set.of());
  }

  /** Through the point of no return (passed and on record) of a migration. */
  static Story pastPointOfNoReturn(HostedClusterMigrationSpec spec) {
    return story(spec).then(none()).then(r(held(), null, null)).then(r(held(), backedUp(), null))
        .then(r(held(), backedUp(), restored()));
  }

  /**
   * Migration states and the plan they must produce. steps: one character per step in status order (see
   * {@link MigrationFixtures#steps}): PauseSource, BackUpSource, RestoreOnDestination, Verify, PointOfNoReturn,
   * TearDownSource, then on rollback RemoveDestinationCopy, ResumeSource. condition: "Type=Status/Reason", or null.
   */
  static Stream<Arguments> table() {
    return Stream.of(
        // ---- the way forward
        row("a new migration holds its source first",
            () -> in(migration()).build(),
            Phase.Running, ">-----", "CreateHold mc-1/m-hold", "Queued=False/Started"),
        row("after a crash between creating the hold and writing status, the hold is found, not created again",
            () -> in(migration()).records(r(holding(), null, null)).build(),
            Phase.Running, ">-----", "-", null),
        row("once held, the source is backed up",
            () -> in(migration()).records(r(held(), null, null)).build(),
            Phase.Running, "+>----", "CreateBackup mc-1/m", null),
        row("the backup runs",
            () -> in(migration()).records(r(held(), backingUp(), null)).build(),
            Phase.Running, "+>----", "-", null),
        row("a completed backup is restored on the destination",
            () -> in(migration()).records(r(held(), backedUp(), null)).build(),
            Phase.Running, "++>---", "CreateRestore mc-2/m", null),
        row("the restore runs",
            () -> in(migration()).records(r(held(), backedUp(), restoring())).build(),
            Phase.Running, "++>---", "-", null),
        row("a restore that matches the backup passes Verify and the point of no return, and tears nothing down yet",
            () -> in(migration()).records(r(held(), backedUp(), restored())).build(),
            Phase.Running, "+++++-", "-", "PointOfNoReturnPassed=True/PointOfNoReturnPassed"),
        row("with the point of no return on record, the source is torn down",
            () -> pastPointOfNoReturn(migration()).next(r(held(), backedUp(), restored())).build(),
            Phase.Running, "+++++>", "CreateTeardown mc-1/m-source-teardown", "WaitingForOperator=False/NotWaiting"),
        row("the source teardown runs",
            () -> pastPointOfNoReturn(migration())
                .next(r(held(), backedUp(), restored()).withSourceTeardown(tearingDown())).build(),
            Phase.Running, "+++++>", "-", null),
        row("a completed source teardown ends the migration and deletes the hold",
            () -> pastPointOfNoReturn(migration())
                .next(r(held(), backedUp(), restored()).withSourceTeardown(tornDown())).build(),
            Phase.Succeeded, "++++++", "DeleteHold mc-1/m-hold", "Succeeded=True/Succeeded"),
        row("a succeeded migration whose hold is gone does nothing",
            () -> pastPointOfNoReturn(migration()).then(r(held(), backedUp(), restored()))
                .then(r(held(), backedUp(), restored()).withSourceTeardown(tornDown()))
                .next(r(null, backedUp(), restored()).withSourceTeardown(tornDown())).build(),
            Phase.Succeeded, "++++++", "-", "Succeeded=True/Succeeded"),
        row("a teardown found without the point of no return on record was started before a crash: carry on",
            () -> in(migration()).records(r(held(), backedUp(), restored()).withSourceTeardown(tearingDown())).build(),
            Phase.Running, "+++++>", "-", "PointOfNoReturnPassed=True/PointOfNoReturnPassed"),

        // ---- fail-over
        row("a fail-over restores the newest backup at once; the source's steps are skipped",
            () -> in(failover()).build(),
            Phase.Running, "//>--/", "CreateRestore mc-2/m", null),
        row("a verified fail-over succeeds in the same pass: there is no source to tear down",
            () -> in(failover()).records(r(null, null, restoredLatest("hc-1-20260301"))).build(),
            Phase.Succeeded, "//+++/", "-", "Succeeded=True/Succeeded"),
        row("a fail-over whose source is not declared lost creates nothing",
            () -> in(failover()).cluster(SOURCE, false).build(),
            Phase.Failed, "//---/", "-", "Succeeded=False/SourceNotDeclaredLost"),

        // ---- bad input: Failed, nothing created
        row("source and destination are the same cluster",
            () -> in(with(migration(), s -> s.destination.cluster = SOURCE)).build(),
            Phase.Failed, "------", "-", "Succeeded=False/InvalidSpec"),
        row("a name too long for the label of its records",
            () -> in(migration()).name("m".repeat(64)).build(),
            Phase.Failed, "------", "-", "Succeeded=False/InvalidSpec"),
        row("an unknown destination",
            () -> in(migration()).noCluster(DESTINATION).build(),
            Phase.Failed, "------", "-", "Succeeded=False/ClusterNotFound"),
        row("an unknown source",
            () -> in(migration()).noCluster(SOURCE).build(),
            Phase.Failed, "------", "-", "Succeeded=False/ClusterNotFound"),
        row("a destination declared lost",
            () -> in(migration()).cluster(DESTINATION, true).build(),
            Phase.Failed, "------", "-", "Succeeded=False/DestinationLost"),
        row("a migration (not a fail-over) from a source declared lost",
            () -> in(migration()).cluster(SOURCE, true).build(),
            Phase.Failed, "------", "-", "Succeeded=False/SourceLost"),
        row("spec.store names no BackupStore",
            () -> in(with(migration(), s -> s.store = "nope")).build(),
            Phase.Failed, "------", "-", "Succeeded=False/BackupStoreNotFound"),
        row("no spec.store, no store named default, and more than one store",
            () -> in(migration()).stores("a", "b").build(),
            Phase.Failed, "------", "-", "Succeeded=False/BackupStoreNotFound"),
        row("no BackupStore at all",
            () -> in(migration()).stores().build(),
            Phase.Failed, "------", "-", "Succeeded=False/BackupStoreNotFound"),
        row("without spec.store the only BackupStore is used",
            () -> in(migration()).stores("s3").build(),
            Phase.Running, ">-----", "CreateHold mc-1/m-hold", null),

        // ---- failures before the point of no return, failurePolicy Manual (the default)
        row("a hold that fails waits for an operator",
            () -> in(migration()).records(r(holdFailed(), null, null)).build(),
            Phase.WaitingForOperator, "x-----", "-", "WaitingForOperator=True/PauseSource"),
        row("a failed backup waits for an operator",
            () -> in(migration()).records(r(held(), backupFailed(), null)).build(),
            Phase.WaitingForOperator, "+x----", "-", "WaitingForOperator=True/BackUpSource"),
        row("a failed restore waits for an operator",
            () -> in(migration()).records(r(held(), backedUp(), restoreFailed())).build(),
            Phase.WaitingForOperator, "++x---", "-", "WaitingForOperator=True/RestoreOnDestination"),
        row("Verify fails on another etcd revision",
            () -> in(migration()).records(r(held(), backedUp(), restored(REVISION + 1, KEYS, true))).build(),
            Phase.WaitingForOperator, "+++x--", "-", "WaitingForOperator=True/Verify"),
        row("Verify fails on another key count",
            () -> in(migration()).records(r(held(), backedUp(), restored(REVISION, KEYS - 1, true))).build(),
            Phase.WaitingForOperator, "+++x--", "-", "WaitingForOperator=True/Verify"),
        row("Verify fails when the restore says the etcd does not match the backup",
            () -> in(migration()).records(r(held(), backedUp(), restored(REVISION, KEYS, false))).build(),
            Phase.WaitingForOperator, "+++x--", "-", "WaitingForOperator=True/Verify"),
        row("a record deleted under a running step fails the step",
            () -> story(migration()).then(r(held(), backingUp(), null)).next(r(held(), null, null)).build(),
            Phase.WaitingForOperator, "+x----", "-", "WaitingForOperator=True/BackUpSource"),
        row("a record name taken by an object this migration did not create: nothing is created",
            () -> in(migration()).records(none().withTaken("mc-2/m")).build(),
            Phase.Failed, "------", "-", "Succeeded=False/RecordNameTaken"),
        row("a record name taken once started fails that step and leaves the object alone",
            () -> in(migration()).records(r(held(), null, null).withTaken("mc-1/m")).build(),
            Phase.WaitingForOperator, "+x----", "-", "WaitingForOperator=True/BackUpSource"),

        // ---- rollback (AutoRollback, or spec.rollback) before the point of no return
        row("AutoRollback: a failed restore removes the destination copy at once",
            () -> in(autoRollback(migration())).records(r(held(), backedUp(), restoreFailed())).build(),
            Phase.RollingBack, "++x///>-", "CreateTeardown mc-2/m-copy-teardown", "Succeeded=False/RollingBack"),
        row("AutoRollback: a failed backup releases the source; no restore was created, so no copy to remove",
            () -> in(autoRollback(migration())).records(r(held(), backupFailed(), null)).build(),
            Phase.RollingBack, "+x/////>", "ReleaseHold mc-1/m-hold", "Succeeded=False/RollingBack"),
        row("spec.rollback after Verify but before the point of no return removes the copy",
            () -> in(rollback(migration())).records(r(held(), backedUp(), restored())).build(),
            Phase.RollingBack, "++++//>-", "CreateTeardown mc-2/m-copy-teardown", null),
        row("the copy is being removed",
            () -> in(rollback(migration())).records(r(held(), backedUp(), restored())
                .withCopyTeardown(tearingDown())).build(),
            Phase.RollingBack, "++++//>-", "-", null),
        row("once the copy is removed, the hold is released",
            () -> in(rollback(migration())).records(r(held(), backedUp(), restored())
                .withCopyTeardown(tornDown())).build(),
            Phase.RollingBack, "++++//+>", "ReleaseHold mc-1/m-hold", null),
        row("the release is asked and the agent has not answered it yet",
            () -> in(rollback(migration())).records(r(releaseAsked(), backedUp(), restored())
                .withCopyTeardown(tornDown())).build(),
            Phase.RollingBack, "++++//+>", "-", null),
        row("released: rolled back, and nothing touches the backup (it is a good one)",
            () -> in(rollback(migration())).records(r(released(), backedUp(), restored())
                .withCopyTeardown(tornDown())).build(),
            Phase.RolledBack, "++++//++", "-", "Succeeded=True/RolledBack"),
        row("a rollback stays a rollback when spec.rollback is unset again (the copy teardown exists)",
            () -> in(migration()).records(r(held(), backedUp(), restored())
                .withCopyTeardown(tearingDown())).build(),
            Phase.RollingBack, "++++//>-", "-", null),
        row("a hold released by hand rolls the migration back",
            () -> in(migration()).records(r(releaseAsked(), backingUp(), null)).build(),
            Phase.RollingBack, "+>/////-", "-", null),
        row("a rollback waits for a running restore before removing what it created",
            () -> in(rollback(migration())).records(r(held(), backedUp(), restoring())).build(),
            Phase.RollingBack, "++>///--", "-", null),
        row("a rollback waits for a running backup before releasing the source",
            () -> in(rollback(migration())).records(r(held(), backingUp(), null)).build(),
            Phase.RollingBack, "+>/////-", "-", null),
        row("a rollback right at the start releases the hold being taken",
            () -> in(rollback(migration())).records(r(holding(), null, null)).build(),
            Phase.RollingBack, ">//////>", "ReleaseHold mc-1/m-hold", null),
        row("a migration created with spec.rollback set rolls back at once: nothing to undo",
            () -> in(rollback(migration())).build(),
            Phase.RolledBack, "////////", "-", "Succeeded=True/RolledBack"),
        row("rolling back a fail-over removes the copy; there is no source to resume",
            () -> in(rollback(failover())).records(r(null, null, restoredLatest("hc-1-20260301"))).build(),
            Phase.RollingBack, "//++//>/", "CreateTeardown mc-2/m-copy-teardown", null),
        row("a copy teardown that halts waits for an operator",
            () -> in(autoRollback(migration())).records(r(held(), backedUp(), restoreFailed())
                .withCopyTeardown(halted())).build(),
            Phase.WaitingForOperator, "++x///x-", "-", "TeardownHalted=True/PreservationNotVerified"),
        row("a release that fails waits for an operator",
            () -> in(rollback(migration())).records(r(releaseFailed(), backedUp(), restored())
                .withCopyTeardown(tornDown())).build(),
            Phase.WaitingForOperator, "++++//+x", "-", "WaitingForOperator=True/ResumeSource"),
        row("a hold that failed and put every value back needs no release",
            () -> in(autoRollback(migration())).records(r(holdFailedAllPutBack(), null, null)).build(),
            Phase.RolledBack, "x//////+", "-", "Succeeded=True/RolledBack"),
        row("a hold that failed holding values is released on rollback",
            () -> in(autoRollback(migration())).records(r(holdFailed(), null, null)).build(),
            Phase.RollingBack, "x//////>", "ReleaseHold mc-1/m-hold", null),
        row("a hold that ended by itself before the point of no return fails the migration",
            () -> in(migration()).records(r(endedByItself(), backingUp(), null)).build(),
            Phase.WaitingForOperator, "x>----", "-", "WaitingForOperator=True/PauseSource"),
        row("a copy on a destination declared lost is left for later; the source resumes",
            () -> in(rollback(migration())).cluster(DESTINATION, true).records(r(held(), backedUp(), restored()))
                .build(),
            Phase.RollingBack, "++++///>", "ReleaseHold mc-1/m-hold", null),

        // ---- after the point of no return
        row("spec.rollback after the point of no return is refused and the teardown goes ahead",
            () -> {
              Story s = pastPointOfNoReturn(migration());
              s.spec.rollback = true;
              return s.next(r(held(), backedUp(), restored())).build();
            },
            Phase.Running, "+++++>", "CreateTeardown mc-1/m-source-teardown",
            "RollbackRefused=True/PointOfNoReturnPassed"),
        row("spec.rollback after success is refused",
            () -> {
              Story s = pastPointOfNoReturn(migration()).then(r(held(), backedUp(), restored()))
                  .then(r(held(), backedUp(), restored()).withSourceTeardown(tornDown()));
              s.spec.rollback = true;
              return s.next(r(null, backedUp(), restored()).withSourceTeardown(tornDown())).build();
            },
            Phase.Succeeded, "++++++", "-", "RollbackRefused=True/PointOfNoReturnPassed"),
        row("a halted source teardown waits for an operator and raises the alert",
            () -> pastPointOfNoReturn(migration())
                .next(r(held(), backedUp(), restored()).withSourceTeardown(halted())).build(),
            Phase.WaitingForOperator, "+++++x", "-", "TeardownHalted=True/PreservationNotVerified"),
        row("the halted teardown record deleted by the operator: the hub creates it again",
            () -> pastPointOfNoReturn(migration())
                .then(r(held(), backedUp(), restored()).withSourceTeardown(halted()))
                .next(r(held(), backedUp(), restored())).build(),
            Phase.Running, "+++++>", "CreateTeardown mc-1/m-source-teardown", "TeardownHalted=False/TeardownRunning"),
        row("a failed source teardown waits for an operator; rollback is not offered",
            () -> pastPointOfNoReturn(migration())
                .next(r(held(), backedUp(), restored()).withSourceTeardown(teardownFailed())).build(),
            Phase.WaitingForOperator, "+++++x", "-", "WaitingForOperator=True/TearDownSource"),
        row("after the point of no return a deleted backup or restore record changes nothing",
            () -> pastPointOfNoReturn(migration()).next(r(held(), null, null)).build(),
            Phase.Running, "+++++>", "CreateTeardown mc-1/m-source-teardown", null),

        // ---- bounded restores per destination
        row("a fail-over waits while the destination's restore slots are taken",
            () -> in(failover()).slots(2, 0).build(),
            Phase.Pending, "//---/", "-", "Queued=True/WaitingForRestoreSlot"),
        row("... and behind the migrations queued before it",
            () -> in(failover()).slots(1, 1).build(),
            Phase.Pending, "//---/", "-", "Queued=True/WaitingForRestoreSlot"),
        row("a free slot starts it",
            () -> in(failover()).slots(1, 0).build(),
            Phase.Running, "//>--/", "CreateRestore mc-2/m", "Queued=False/Started"),
        row("a migration takes its slot before it holds its source (never held paused while queued)",
            () -> in(migration()).slots(2, 0).build(),
            Phase.Pending, "------", "-", "Queued=True/WaitingForRestoreSlot"),
        row("a queued migration asked to roll back ends at once",
            () -> in(rollback(failover())).slots(2, 0).build(),
            Phase.RolledBack, "////////", "-", "Succeeded=True/RolledBack"),
        row("a started migration goes on whatever the queue",
            () -> in(migration()).slots(5, 5).records(r(held(), null, null)).build(),
            Phase.Running, "+>----", "CreateBackup mc-1/m", null));
  }

  static Arguments row(String description, Supplier<MigrationInput> input, Phase phase, String steps, String actions,
                       String condition) {
    return Arguments.of(description, input, phase, steps, actions, condition);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void plans(String description, Supplier<MigrationInput> input, Phase phase, String steps, String actions,
             String condition) {
    MigrationInput in = input.get();
    MigrationPlan plan = PLANNER.plan(in);
    assertThat(plan.status().phase).as("phase").isEqualTo(phase);
    assertThat(MigrationFixtures.steps(plan.status())).as("steps").isEqualTo(steps);
    assertThat(MigrationFixtures.actions(plan)).as("actions").isEqualTo(actions);
    if (condition != null) {
      String type = condition.substring(0, condition.indexOf('='));
      Condition c = MigrationFixtures.condition(plan.status(), type);
      assertThat(c).as(type).isNotNull();
      assertThat(c.getStatus() + "/" + c.getReason()).as(type).isEqualTo(condition.substring(type.length() + 1));
      assertThat(c.getObservedGeneration()).isEqualTo(1L);
    }
    // after a crash the same state gives the same plan: nothing is remembered outside the input
    MigrationPlan again = PLANNER.plan(in);
    assertThat(again.actions()).isEqualTo(plan.actions());
    assertThat(JSON.asJson(again.status())).isEqualTo(JSON.asJson(plan.status()));
  }

  // ---- the whole way, with times

  @Test
  void aMigrationRecordsItsTimesAndRecoveryTime() {
    Story s = story(migration()).then(none());
    assertThat(s.status.startedAt).isEqualTo("2026-03-01T12:01:00Z");
    assertThat(s.status.store).isEqualTo("default");
    assertThat(step(s.status, MigrationPlanner.PAUSE_SOURCE).record).isEqualTo("mc-1/m-hold");
    assertThat(step(s.status, MigrationPlanner.PAUSE_SOURCE).startedAt).isEqualTo("2026-03-01T12:01:00Z");

    s.then(r(held(), null, null)).then(r(held(), backedUp(), null)).then(r(held(), backedUp(), restoring()));
    assertThat(step(s.status, MigrationPlanner.PAUSE_SOURCE).completedAt).isEqualTo("2026-03-01T12:02:00Z");
    assertThat(step(s.status, MigrationPlanner.BACK_UP_SOURCE).record).isEqualTo("mc-1/m");
    assertThat(step(s.status, MigrationPlanner.RESTORE_ON_DESTINATION).record).isEqualTo("mc-2/m");
    assertThat(s.status.backupName).isEqualTo("m");
    assertThat(s.status.pointOfNoReturnTime).isNull();

    s.then(r(held(), backedUp(), restored())); // 12:05
    assertThat(s.last.recheck()).as("the point of no return is written before the teardown").isEqualTo(Recheck.NOW);
    assertThat(s.last.actions()).isEmpty();
    assertThat(s.status.pointOfNoReturnTime).isEqualTo("2026-03-01T12:05:00Z");
    assertThat(s.status.recoveryTime).isEqualTo("5m");
    assertThat(eventReasons(s.last)).containsExactly(HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN);

    s.then(r(held(), backedUp(), restored())); // 12:06
    assertThat(s.last.actions()).containsExactly(new MigrationPlan.CreateTeardown(SOURCE, "m-source-teardown", HC,
        Purpose.Migrated, null));
    assertThat(s.status.pointOfNoReturnTime).as("kept").isEqualTo("2026-03-01T12:05:00Z");
    assertThat(eventReasons(s.last)).isEmpty();

    s.then(r(held(), backedUp(), restored()).withSourceTeardown(tornDown())); // 12:07
    assertThat(s.status.phase).isEqualTo(Phase.Succeeded);
    assertThat(s.status.completedAt).isEqualTo("2026-03-01T12:07:00Z");
    assertThat(s.status.recoveryTime).as("until Verify passed, not until the teardown ended").isEqualTo("5m");
    assertThat(step(s.status, MigrationPlanner.VERIFY).completedAt).isEqualTo("2026-03-01T12:05:00Z");
    assertThat(eventReasons(s.last)).containsExactly(MigrationPlanner.SUCCEEDED);
    assertThat(s.status.steps).extracting(st -> st.name).containsExactly(MigrationPlanner.PAUSE_SOURCE,
        MigrationPlanner.BACK_UP_SOURCE, MigrationPlanner.RESTORE_ON_DESTINATION, MigrationPlanner.VERIFY,
        MigrationPlanner.POINT_OF_NO_RETURN, MigrationPlanner.TEAR_DOWN_SOURCE);
    assertThat(s.status.steps).allSatisfy(st -> assertThat(st.phase).isEqualTo(StepPhase.Succeeded));
  }

  @Test
  void theRecordsItCreatesAreTheOnesTheAgentsExpect() {
    assertThat(PLANNER.plan(in(migration()).build()).actions())
        .containsExactly(new MigrationPlan.CreateHold(SOURCE, "m-hold", HC));
    assertThat(PLANNER.plan(in(migration()).records(r(held(), null, null)).build()).actions())
        .containsExactly(new MigrationPlan.CreateBackup(SOURCE, "m", HC, "default"));
    assertThat(PLANNER.plan(in(with(migration(), s -> s.store = "s3")).stores("default", "s3")
        .records(r(held(), backedUp(), null)).build()).actions())
        .containsExactly(new MigrationPlan.CreateRestore(DESTINATION, "m", new NamespacedName(SOURCE, "m"), HC, "s3"));
    assertThat(PLANNER.plan(in(failover()).build()).actions())
        .as("a fail-over restores the newest Completed backup of the hosted cluster")
        .containsExactly(new MigrationPlan.CreateRestore(DESTINATION, "m", null, HC, "default"));
    assertThat(PLANNER.plan(in(autoRollback(migration())).records(r(held(), backedUp(), restoreFailed())).build())
        .actions()).as("the copy teardown removes only what this migration's restore created")
        .containsExactly(new MigrationPlan.CreateTeardown(DESTINATION, "m-copy-teardown", HC, Purpose.RolledBack,
            new NamespacedName(DESTINATION, "m")));
  }

  @Test
  void aFailOverReportsTheBackupItRestoredAndItsRecoveryTime() {
    MigrationPlan p = PLANNER.plan(in(failover()).at(CREATED.plus(Duration.ofSeconds(95)))
        .records(r(null, null, restoredLatest("hc-1-20260301"))).build());
    assertThat(p.status().phase).isEqualTo(Phase.Succeeded);
    assertThat(p.status().backupName).isEqualTo("hc-1-20260301");
    assertThat(p.status().recoveryTime).isEqualTo("1m35s");
    assertThat(p.status().pointOfNoReturnTime).isEqualTo("2026-03-01T12:01:35Z");
    assertThat(p.recheck()).isEqualTo(Recheck.NONE);
  }

  // ---- messages an operator acts on

  @Test
  void waitingForAnOperatorSaysWhatFailedAndHowToRollBack() {
    MigrationPlan p = PLANNER.plan(in(migration()).records(r(held(), backedUp(), restoreFailed())).build());
    Condition waiting = condition(p.status(), HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR);
    assertThat(waiting.getMessage())
        .contains("RestoreOnDestination failed", "EtcdRestoreFailed: etcd-init exited 1")
        .contains("set spec.rollback: true", "flotilla migrate rollback m");
    assertThat(p.events()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(MigrationPlan.Event.WARNING);
      assertThat(e.reason()).isEqualTo(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR);
    });
    assertThat(condition(p.status(), HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN).getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void manualWaitThenRollback() {
    Story s = story(migration()).then(none()).then(r(held(), null, null)).then(r(held(), backedUp(), null))
        .then(r(held(), backedUp(), restoreFailed()));
    assertThat(s.status.phase).isEqualTo(Phase.WaitingForOperator);
    s.then(r(held(), backedUp(), restoreFailed()));
    assertThat(s.last.actions()).as("nothing happens while waiting").isEmpty();
    assertThat(s.last.events()).as("the alert is raised once").isEmpty();

    s.spec.rollback = true;
    s.then(r(held(), backedUp(), restoreFailed()));
    assertThat(s.status.phase).isEqualTo(Phase.RollingBack);
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR).getStatus())
        .isEqualTo(Conditions.FALSE);
    assertThat(actions(s.last)).isEqualTo("CreateTeardown mc-2/m-copy-teardown");
    s.then(r(held(), backedUp(), restoreFailed()).withCopyTeardown(tornDown()));
    assertThat(actions(s.last)).isEqualTo("ReleaseHold mc-1/m-hold");
    s.then(r(released(), backedUp(), restoreFailed()).withCopyTeardown(tornDown()));
    assertThat(s.status.phase).isEqualTo(Phase.RolledBack);
    assertThat(s.status.completedAt).isNotNull();
    assertThat(s.status.pointOfNoReturnTime).isNull();
    assertThat(step(s.status, MigrationPlanner.PAUSE_SOURCE).phase).as("kept as it was").isEqualTo(StepPhase.Succeeded);
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_SUCCEEDED).getMessage())
        .contains("runs on mc-1 as before", "the backup mc-1/m is kept");
    assertThat(eventReasons(s.last)).containsExactly(MigrationPlanner.ROLLED_BACK);

    s.spec.rollback = null; // an operator tidying the spec changes nothing
    s.then(r(released(), backedUp(), restoreFailed()).withCopyTeardown(tornDown()));
    assertThat(s.status.phase).isEqualTo(Phase.RolledBack);
    assertThat(s.last.actions()).isEmpty();
    assertThat(s.last.recheck()).isEqualTo(Recheck.NONE);
  }

  @Test
  void aRefusedRollbackSaysWhenThePointOfNoReturnPassed() {
    Story s = pastPointOfNoReturn(migration());
    s.spec.rollback = true;
    s.then(r(held(), backedUp(), restored()));
    Condition refused = condition(s.status, HostedClusterMigration.CONDITION_ROLLBACK_REFUSED);
    assertThat(refused.getMessage()).contains("2026-03-01T12:04:00Z", "carries on");
    assertThat(eventReasons(s.last)).containsExactly(HostedClusterMigration.CONDITION_ROLLBACK_REFUSED);
    assertThat(s.status.pointOfNoReturnTime).isEqualTo("2026-03-01T12:04:00Z");

    s.spec.rollback = null;
    s.then(r(held(), backedUp(), restored()).withSourceTeardown(tearingDown()));
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_ROLLBACK_REFUSED).getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void aHaltedTeardownRaisesTheAlertOnceAndSaysHowToGoOn() {
    Story s = pastPointOfNoReturn(migration()).then(r(held(), backedUp(), restored()));
    s.then(r(held(), backedUp(), restored()).withSourceTeardown(halted()));
    Condition c = condition(s.status, HostedClusterMigration.CONDITION_TEARDOWN_HALTED);
    assertThat(c.getReason()).isEqualTo(HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED);
    assertThat(c.getMessage()).contains("AgentMachine clusters-hc-1/am-0: annotation cluster.x-k8s.io/paused missing")
        .contains("delete the HostedClusterTeardown mc-1/m-source-teardown", "creates it again");
    assertThat(s.last.events()).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(MigrationPlan.Event.WARNING);
      assertThat(e.reason()).isEqualTo(HostedClusterMigration.CONDITION_TEARDOWN_HALTED);
    });
    s.then(r(held(), backedUp(), restored()).withSourceTeardown(halted()));
    assertThat(s.last.events()).as("raised once, not on every pass").isEmpty();
    assertThat(s.last.actions()).isEmpty();
    s.then(r(held(), backedUp(), restored()));
    assertThat(actions(s.last)).isEqualTo("CreateTeardown mc-1/m-source-teardown");
    s.then(r(held(), backedUp(), restored()).withSourceTeardown(tornDown()));
    assertThat(s.status.phase).isEqualTo(Phase.Succeeded);
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_TEARDOWN_HALTED).getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void aFailOverFromAClusterNotDeclaredLostSaysHowToDeclareIt() {
    MigrationPlan p = PLANNER.plan(in(failover()).cluster(SOURCE, false).build());
    assertThat(condition(p.status(), HostedClusterMigration.CONDITION_SUCCEEDED).getMessage())
        .contains("flotilla failover mc-1 --to mc-2 --confirm-lost", "spec.lost", "Nothing was created");
    assertThat(eventReasons(p)).containsExactly(MigrationPlanner.SOURCE_NOT_DECLARED_LOST);
    assertThat(p.recheck()).isEqualTo(Recheck.NONE);

    MigrationPlan declared = PLANNER.plan(in(failover()).status(p.status()).build());
    assertThat(declared.status().phase).as("declared lost later: it starts").isEqualTo(Phase.Running);
    assertThat(actions(declared)).isEqualTo("CreateRestore mc-2/m");
    assertThat(declared.status().completedAt).isNull();
  }

  @Test
  void badInputNamesWhatExists() {
    assertThat(condition(PLANNER.plan(in(with(migration(), s -> s.store = "nope")).stores("default", "s3").build())
        .status(), HostedClusterMigration.CONDITION_SUCCEEDED).getMessage())
        .contains("no BackupStore nope", "default, s3");
    assertThat(condition(PLANNER.plan(in(migration()).noCluster(DESTINATION).build()).status(),
        HostedClusterMigration.CONDITION_SUCCEEDED).getMessage()).contains("no ManagementCluster mc-2", "mc-1");
  }

  @Test
  void aQueuedMigrationSaysHowManyAreAhead() {
    MigrationPlan p = PLANNER.plan(in(failover()).slots(2, 1).build());
    assertThat(condition(p.status(), HostedClusterMigration.CONDITION_QUEUED).getMessage())
        .startsWith("3 migrations ahead of this one on mc-2 (2 restoring, 1 queued earlier); at most 2");
    assertThat(p.recheck()).isEqualTo(Recheck.PERIODIC);
    assertThat(MigrationPlanner.waitsForSlot(p.status())).isTrue();
    assertThat(MigrationPlanner.holdsRestoreSlot(p.status())).isFalse();
    assertThat(new MigrationPlanner(4).plan(in(failover()).slots(2, 1).build()).status().phase)
        .as("a larger limit").isEqualTo(Phase.Running);
  }

  @Test
  void aMigrationHoldsItsRestoreSlotFromItsStartUntilItsRestoreEnds() {
    Story s = story(migration()).then(none());
    assertThat(MigrationPlanner.holdsRestoreSlot(s.status)).as("holding the source").isTrue();
    s.then(r(held(), backedUp(), restoring()));
    assertThat(MigrationPlanner.holdsRestoreSlot(s.status)).as("restoring").isTrue();
    s.then(r(held(), backedUp(), restored()));
    assertThat(MigrationPlanner.holdsRestoreSlot(s.status)).as("restored").isFalse();
    Story failed = story(migration()).then(r(held(), backedUp(), restoreFailed()));
    assertThat(MigrationPlanner.holdsRestoreSlot(failed.status)).as("restore failed").isFalse();
    assertThat(MigrationPlanner.waitsForSlot(failed.status)).isFalse();
    assertThat(MigrationPlanner.waitsForSlot(null)).as("never reconciled").isTrue();
    HostedClusterMigrationStatus invalid = PLANNER.plan(in(migration()).noCluster(SOURCE).build()).status();
    assertThat(MigrationPlanner.waitsForSlot(invalid)).isFalse();
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> new MigrationPlanner(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }

  @Test
  void conditionsKeepTheirTransitionTimeWhileTheyHold() {
    Story s = story(migration()).then(none());
    String since = condition(s.status, HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN).getLastTransitionTime();
    s.then(r(held(), null, null)).then(r(held(), backingUp(), null));
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN).getLastTransitionTime())
        .isEqualTo(since).isEqualTo(Time.format(CREATED.plus(Duration.ofMinutes(1))));
  }

  @Test
  void thePhaseFollowsFromTheConditionsAlone() {
    for (Arguments a : table().toList()) {
      @SuppressWarnings("unchecked")
      MigrationPlan p = PLANNER.plan(((Supplier<MigrationInput>) a.get()[1]).get());
      assertThat(MigrationStatusAggregator.phaseOf(p.status().conditions)).as((String) a.get()[0])
          .isEqualTo(p.status().phase);
    }
  }
}
