package io.flotilla.hub.dr.migration;

import static io.flotilla.hub.dr.migration.MigrationFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.hub.dr.migration.MigrationInput.Records;
import io.flotilla.hub.dr.migration.MigrationPlan.Recheck;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A migration meets ACM (docs/ocm-facts.md §I4.3): the hosted cluster's ManagedCluster goes with the source and is
 * imported again from the destination. Steps as in {@link MigrationPlannerTest}, the seventh being
 * ManagedClusterReimported when it applies.
 */
class MigrationReimportTest {
  static final MigrationPlanner PLANNER = new MigrationPlanner(2, Duration.ofMinutes(10));

  static Records r(MigrationInput.Hold hold, MigrationInput.Backup backup, MigrationInput.Restore restore) {
    return new Records(hold, backup, restore, null, null, java.util.Set.of());
  }

  /** Through the point of no return of a migration on an OCM hub, its ManagedCluster imported from the source. */
  static Story pastPointOfNoReturn(HostedClusterMigrationSpec spec) {
    Story s = new Story(PLANNER, spec);
    s.managedCluster = importedFrom(SOURCE, true);
    return s.then(none()).then(r(held(), null, null)).then(r(held(), backedUp(), null))
        .then(r(held(), backedUp(), restored()));
  }

  /** ...and through the source's teardown, with the ManagedCluster as {@code mc} from then on. */
  static Story tornDown(MigrationInput.ManagedClusterState mc) {
    Story s = pastPointOfNoReturn(migration()).then(r(held(), backedUp(), restored()));
    s.managedCluster = mc;
    return s;
  }

  static Records tornDownRecords() {
    return r(null, backedUp(), restored()).withSourceTeardown(MigrationFixtures.tornDown());
  }

  static Stream<Arguments> table() {
    return Stream.of(
        row("without OCM there is no such step",
            () -> in(migration()).build(), Phase.Running, ">-----", null),
        row("on an OCM hub, a hosted cluster without a ManagedCluster has no such step",
            () -> in(migration()).managedCluster(noManagedCluster()).build(), Phase.Running, ">-----", null),
        row("a ManagedCluster of that name not imported from the source is another cluster's",
            () -> in(migration()).managedCluster(importedFrom("mc-9", true)).build(), Phase.Running, ">-----", null),
        row("a ManagedCluster imported from the source: the step is planned",
            () -> in(migration()).managedCluster(importedFrom(SOURCE, true)).build(), Phase.Running, ">------", null),
        row("it waits for the source's teardown",
            () -> pastPointOfNoReturn(migration()).next(r(held(), backedUp(), restored())).build(),
            Phase.Running, "+++++>-", null),
        row("torn down, the ManagedCluster deleted with it: waiting, the migration not done yet",
            () -> tornDown(noManagedCluster()).next(tornDownRecords()).build(),
            Phase.Running, "++++++>", "ManagedClusterReimported=False/WaitingForReimport"),
        row("imported from the destination, not Available yet: waiting",
            () -> tornDown(importedFrom(DESTINATION, false)).next(tornDownRecords()).build(),
            Phase.Running, "++++++>", "ManagedClusterReimported=False/WaitingForReimport"),
        row("Available again from the destination: recorded, and the migration succeeds",
            () -> tornDown(importedFrom(DESTINATION, true)).next(tornDownRecords()).build(),
            Phase.Succeeded, "+++++++", "ManagedClusterReimported=True/Reimported"),
        row("still naming the source after the teardown: waiting",
            () -> tornDown(importedFrom(SOURCE, true)).next(tornDownRecords()).build(),
            Phase.Running, "++++++>", "ManagedClusterReimported=False/WaitingForReimport"),
        row("a rollback skips it: the source keeps its ManagedCluster",
            () -> in(rollback(migration())).managedCluster(importedFrom(SOURCE, true))
                .records(r(held(), backedUp(), restored())).build(),
            Phase.RollingBack, "++++///>-", null),
        row("a fail-over waits for it once the destination is verified",
            () -> in(failover()).managedCluster(importedFrom(SOURCE, false))
                .records(r(null, null, restoredLatest("hc-1-20260301"))).build(),
            Phase.Running, "//+++/>", "ManagedClusterReimported=False/WaitingForReimport"));
  }

  static Arguments row(String description, Supplier<MigrationInput> input, Phase phase, String steps,
                       String condition) {
    return Arguments.of(description, input, phase, steps, condition);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void plans(String description, Supplier<MigrationInput> input, Phase phase, String steps, String condition) {
    MigrationPlan plan = PLANNER.plan(input.get());
    assertThat(plan.status().phase).as("phase").isEqualTo(phase);
    assertThat(MigrationFixtures.steps(plan.status())).as("steps").isEqualTo(steps);
    if (condition != null) {
      String type = condition.substring(0, condition.indexOf('='));
      Condition c = MigrationFixtures.condition(plan.status(), type);
      assertThat(c).as(type).isNotNull();
      assertThat(c.getStatus() + "/" + c.getReason()).as(type).isEqualTo(condition.substring(type.length() + 1));
    } else {
      assertThat(MigrationFixtures.condition(plan.status(), HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED))
          .isNull();
    }
  }

  @Test
  void theReimportIsRecordedInTheMigrationsSteps() {
    Story s = tornDown(noManagedCluster()).then(tornDownRecords());
    assertThat(s.last.recheck()).isEqualTo(Recheck.PERIODIC);
    assertThat(step(s.status, MigrationPlanner.MANAGED_CLUSTER_REIMPORTED).message)
        .isEqualTo("waiting for ManagedCluster hc-1 to be imported from mc-2 and Available: it is not back yet");
    String waitingSince = step(s.status, MigrationPlanner.MANAGED_CLUSTER_REIMPORTED).startedAt;

    s.managedCluster = importedFrom(DESTINATION, true);
    s.then(tornDownRecords());
    var st = step(s.status, MigrationPlanner.MANAGED_CLUSTER_REIMPORTED);
    assertThat(st.phase).isEqualTo(StepPhase.Succeeded);
    assertThat(st.startedAt).isEqualTo(waitingSince);
    assertThat(st.completedAt).isNotNull();
    assertThat(st.message).isEqualTo("ManagedCluster hc-1 is Available again, imported from mc-2");
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_SUCCEEDED).getMessage())
        .endsWith("; ManagedCluster hc-1 is Available again, imported from mc-2");
    assertThat(eventReasons(s.last)).contains(HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED, "Succeeded");
    assertThat(s.last.recheck()).isEqualTo(Recheck.NONE);

    // the end: a ManagedCluster that comes and goes later changes nothing
    s.managedCluster = noManagedCluster();
    s.then(tornDownRecords());
    assertThat(step(s.status, MigrationPlanner.MANAGED_CLUSTER_REIMPORTED).phase).isEqualTo(StepPhase.Succeeded);
    assertThat(s.status.phase).isEqualTo(Phase.Succeeded);
  }

  @Test
  void aTimeoutIsAConditionNotAFailedMigration() {
    Story s = tornDown(importedFrom(SOURCE, false)).then(tornDownRecords());
    assertThat(s.status.phase).isEqualTo(Phase.Running);
    // nine minutes later (one a pass): still waiting
    for (int i = 0; i < 9; i++) {
      s.then(tornDownRecords());
    }
    assertThat(s.status.phase).isEqualTo(Phase.Running);
    s.then(tornDownRecords());

    assertThat(s.status.phase).isEqualTo(Phase.Succeeded);
    var st = step(s.status, MigrationPlanner.MANAGED_CLUSTER_REIMPORTED);
    assertThat(st.phase).isEqualTo(StepPhase.Skipped);
    assertThat(st.message).isEqualTo("timed out after 10m: it still names mc-1 as its hosting cluster");
    Condition c = condition(s.status, HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED);
    assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/Timeout");
    assertThat(condition(s.status, HostedClusterMigration.CONDITION_SUCCEEDED).getStatus()).isEqualTo("True");
    assertThat(s.last.events()).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo(MigrationPlan.Event.WARNING);
      assertThat(e.reason()).isEqualTo(HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED);
    });
  }

  @Test
  void theHoldIsDeletedOnceTheSourceIsTornDownWithoutWaitingForTheReimport() {
    Story s = tornDown(noManagedCluster());
    MigrationPlan plan = PLANNER.plan(s.next(r(held(), backedUp(), restored())
        .withSourceTeardown(MigrationFixtures.tornDown())).build());
    assertThat(MigrationFixtures.actions(plan)).isEqualTo("DeleteHold mc-1/m-hold");
    assertThat(plan.status().phase).isEqualTo(Phase.Running);
  }
}
