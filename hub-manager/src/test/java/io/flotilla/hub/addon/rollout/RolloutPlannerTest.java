package io.flotilla.hub.addon.rollout;

import io.flotilla.common.DesiredCondition;

import static io.flotilla.hub.addon.rollout.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.rollout.Plan.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RolloutPlannerTest {

  /**
   * Fleet states and the plan they must produce. desired: "name=version" after the plan ("-" for none);
   * counts: succeeded/progressing/failed/pinned/unknown/pending after the plan.
   */
  static Stream<Arguments> table() {
    return Stream.of(
        row("All starts every cluster at once",
            fleet(V1, all()), fleetAt(V0, "a", "b", "c"),
            "a=1.1.0 b=1.1.0 c=1.1.0", "0/3/0/0/0/0"),
        row("fresh clusters are installed like any other change",
            fleet(V1, progressive(1, 0)), List.of(fresh("a"), fresh("b")),
            "a=1.1.0 b=-", "0/1/0/0/0/1"),
        row("Progressive starts maxConcurrency clusters, in name order",
            fleet(V1, progressive(2, 0)), fleetAt(V0, "e", "d", "c", "b", "a"),
            "a=1.1.0 b=1.1.0 c=1.0.0 d=1.0.0 e=1.0.0", "0/2/0/0/0/3"),
        row("a success frees its slot for the next cluster",
            fleet(V1, progressive(2, 0)),
            List.of(succeeded("a", V0, V1, 1), upgrading("b", V0, V1, 5), at("c", V0), at("d", V0)),
            "a=1.1.0 b=1.1.0 c=1.1.0 d=1.0.0", "1/2/0/0/0/1"),
        row("a percentage of the placement rounds down: 50% of 5 is 2",
            fleet(V1, progressive("50%", 0)), fleetAt(V0, "a", "b", "c", "d", "e"),
            "a=1.1.0 b=1.1.0 c=1.0.0 d=1.0.0 e=1.0.0", "0/2/0/0/0/3"),
        row("a percentage that rounds to 0 still lets one cluster go",
            fleet(V1, progressive("10%", 0)), fleetAt(V0, "a", "b", "c", "d", "e"),
            "a=1.1.0 b=1.0.0 c=1.0.0 d=1.0.0 e=1.0.0", "0/1/0/0/0/4"),
        row("a count given as a string counts",
            fleet(V1, progressive("3", 0)), fleetAt(V0, "a", "b", "c", "d"),
            "a=1.1.0 b=1.1.0 c=1.1.0 d=1.0.0", "0/3/0/0/0/1"),
        row("a success holds its slot until it has soaked for minSuccessTime",
            fleet(V1, soak(progressive(1, 0), "10m", null)), List.of(succeeded("a", V0, V1, 5), at("b", V0)),
            "a=1.1.0 b=1.0.0", "0/1/0/0/0/1"),
        row("after the soak the next cluster starts",
            fleet(V1, soak(progressive(1, 0), "10m", null)), List.of(succeeded("a", V0, V1, 11), at("b", V0)),
            "a=1.1.0 b=1.1.0", "1/1/0/0/0/0"),
        row("an operation past progressDeadline is a failure and spends the budget (maxFailures 0)",
            fleet(V1, soak(progressive(1, 0), null, "10m")), List.of(upgrading("a", V0, V1, 11), at("b", V0)),
            "a=1.1.0 b=1.0.0", "0/0/1/0/0/1"),
        row("within the budget a failure frees its slot",
            fleet(V1, progressive(1, 1)), List.of(failed("a", V0, V1), at("b", V0), at("c", V0)),
            "a=1.1.0 b=1.1.0 c=1.0.0", "0/1/1/0/0/1"),
        row("maxFailures as a percentage of the placement rounds down: 50% of 3 allows 1",
            fleet(V1, progressive(1, "50%")), List.of(failed("a", V0, V1), at("b", V0), at("c", V0)),
            "a=1.1.0 b=1.1.0 c=1.0.0", "0/1/1/0/0/1"),
        row("Pause: failures beyond maxFailures start nothing new and leave failed clusters where they are",
            fleet(V1, progressive(2, 1)), List.of(failed("a", V0, V1), failed("b", V0, V1), at("c", V0)),
            "a=1.1.0 b=1.1.0 c=1.0.0", "0/0/2/0/0/1"),
        row("Rollback: failed clusters go back to their own last-known-good version",
            fleet(V2, progressive(2, 1), FailureStrategy.Rollback, V0),
            List.of(failed("a", V1, V2), failed("b", V0, V2), at("c", V1)),
            "a=1.1.0 b=1.0.0 c=1.1.0", "0/0/2/0/0/1"),
        row("Rollback: a cluster without a good version of its own goes to the fleet's",
            fleet(V1, all(), FailureStrategy.Rollback, V0),
            List.of(new ClusterState("a", null, true, null, V1, null, null,
                ClusterState.Operation.failed(io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Install, V1,
                    ago(5), ago(1)), List.of())),
            "a=1.0.0", "0/0/1/0/0/0"),
        row("Rollback: without any last-known-good version a failed cluster stays",
            fleet(V1, all(), FailureStrategy.Rollback, null),
            List.of(new ClusterState("a", null, true, null, V1, null, null,
                ClusterState.Operation.failed(io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Install, V1,
                    ago(5), ago(1)), List.of())),
            "a=1.1.0", "0/0/1/0/0/0"),
        row("a rolled-back cluster stays failed and is not retried (no upgrade/rollback loop)",
            fleet(V1, progressive(1, 1), FailureStrategy.Rollback, V0),
            List.of(rolledBack("a", V0, V1), at("b", V0)),
            "a=1.0.0 b=1.1.0", "0/1/1/0/0/0"),
        row("a version that failed long ago is retried after the cluster was upgraded elsewhere since",
            fleet(V2, progressive(1, 0)),
            List.of(new ClusterState("a", null, true, null, V1, V1, V1,
                ClusterState.Operation.succeeded(io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Upgrade, V1,
                    ago(30), ago(29)),
                List.of(ClusterState.Operation.failed(io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Upgrade,
                    V2, ago(60), ago(50))))),
            "a=1.2.0", "0/1/0/0/0/0"),
        row("pinned clusters get their pin, are excluded and counted as pinned",
            fleet(V1, progressive(1, 0)), List.of(at("a", V0).withPin(V0), at("b", V1).withPin(V0), at("c", V0)),
            "a=1.0.0 b=1.0.0 c=1.1.0", "0/1/0/2/0/0"),
        row("a pin naming no release leaves the desired version alone",
            fleet(V1, all()), List.of(at("a", V0).withPin("1.9.0")),
            "a=1.0.0", "0/0/0/1/0/0"),
        row("Unknown clusters are not started and never count as failed",
            fleet(V1, progressive(5, 0)),
            List.of(at("a", V0).withAvailable(false), failed("b", V0, V1).withAvailable(false), at("c", V0)),
            "a=1.0.0 b=1.1.0 c=1.1.0", "0/1/0/0/2/0"),
        row("an Unknown cluster that was in progress keeps its slot",
            fleet(V1, progressive(1, 0)), List.of(upgrading("a", V0, V1, 1).withAvailable(false), at("b", V0)),
            "a=1.1.0 b=1.0.0", "0/0/0/0/1/1"),
        row("... until its progress deadline passes, without counting as failed",
            fleet(V1, soak(progressive(1, 0), null, "10m")),
            List.of(upgrading("a", V0, V1, 11).withAvailable(false), at("b", V0)),
            "a=1.1.0 b=1.1.0", "0/1/0/0/1/0"),
        row("moving the target back is a change like any other",
            fleet(V0, progressive(1, 0)), fleetAt(V1, "a", "b"),
            "a=1.0.0 b=1.1.0", "0/1/0/0/0/1"),
        row("a cluster still busy with the previous target holds a slot; redirecting it costs none",
            fleet(V2, progressive(1, 0)), List.of(at("a", V1), at("b", V1), upgrading("c", V0, V1, 2)),
            "a=1.1.0 b=1.1.0 c=1.2.0", "0/1/0/0/0/2"),
        row("Progressive: a mandatory group goes first",
            fleet(V1, withGroups(progressive(5, 0), group("canary", true, "env", "canary"))),
            List.of(at("a", V0), labelled(at("z", V0), "env", "canary")),
            "a=1.0.0 z=1.1.0", "0/1/0/0/0/1"),
        row("Progressive: an Unknown cluster in a mandatory group holds the rollout",
            fleet(V1, withGroups(progressive(5, 0), group("canary", true, "env", "canary"))),
            List.of(at("a", V0), labelled(succeeded("y", V0, V1, 1), "env", "canary"),
                labelled(at("z", V0), "env", "canary").withAvailable(false)),
            "a=1.0.0 y=1.1.0 z=1.0.0", "1/0/0/0/1/1"),
        row("Progressive: once the mandatory group is updated the rest follow by group order, then name",
            fleet(V1, withGroups(progressive(2, 0), group("canary", true, "env", "canary"),
                group("prod", false, "env", "prod"))),
            List.of(at("a", V0), labelled(at("b", V0), "env", "prod"), labelled(at("c", V0), "env", "prod"),
                labelled(succeeded("z", V0, V1, 1), "env", "canary")),
            "a=1.0.0 b=1.1.0 c=1.1.0 z=1.1.0", "1/2/0/0/0/1"),
        row("Progressive: a failure in a mandatory group halts, whatever maxFailures says",
            fleet(V1, withGroups(progressive(2, 5), group("canary", true, "env", "canary"))),
            List.of(at("a", V0), labelled(failed("z", V0, V1), "env", "canary")),
            "a=1.0.0 z=1.1.0", "0/0/1/0/0/1"),
        row("PerGroup: one group at a time, the whole group without maxConcurrency",
            fleet(V1, perGroup(null, 0, group("canary", true, "env", "canary"), group("prod", false, "env", "prod"))),
            List.of(labelled(at("a", V0), "env", "prod"), labelled(at("b", V0), "env", "prod"), at("c", V0),
                labelled(succeeded("z", V0, V1, 1), "env", "canary")),
            "a=1.1.0 b=1.1.0 c=1.0.0 z=1.1.0", "1/2/0/0/0/1"),
        row("PerGroup: maxConcurrency as a percentage of the group",
            fleet(V1, perGroup("50%", 0, group("prod", false, "env", "prod"))),
            List.of(labelled(at("a", V0), "env", "prod"), labelled(at("b", V0), "env", "prod"),
                labelled(at("c", V0), "env", "prod"), labelled(at("d", V0), "env", "prod"), at("e", V0)),
            "a=1.1.0 b=1.1.0 c=1.0.0 d=1.0.0 e=1.0.0", "0/2/0/0/0/3"),
        row("PerGroup: clusters in no group go last",
            fleet(V1, perGroup(null, 0, group("prod", false, "env", "prod"))),
            List.of(labelled(succeeded("a", V0, V1, 1), "env", "prod"), at("b", V0)),
            "a=1.1.0 b=1.1.0", "1/1/0/0/0/0"),
        row("PerGroup: an Unknown cluster does not hold a non-mandatory group",
            fleet(V1, perGroup(null, 0, group("prod", false, "env", "prod"))),
            List.of(labelled(succeeded("a", V0, V1, 1), "env", "prod"),
                labelled(at("b", V0), "env", "prod").withAvailable(false), at("c", V0)),
            "a=1.1.0 b=1.0.0 c=1.1.0", "1/1/0/0/1/0"),
        row("PerGroup: failures within the group's budget let the next group start",
            fleet(V1, perGroup(null, "50%", group("prod", false, "env", "prod"))),
            List.of(labelled(succeeded("a", V0, V1, 1), "env", "prod"), labelled(failed("b", V0, V1), "env", "prod"),
                at("c", V0)),
            "a=1.1.0 b=1.1.0 c=1.1.0", "1/1/1/0/0/0"),
        row("PerGroup: a failure in a mandatory group halts",
            fleet(V1, perGroup(null, 5, group("canary", true, "env", "canary"))),
            List.of(labelled(failed("a", V0, V1), "env", "canary"), labelled(succeeded("b", V0, V1, 1), "env", "canary"),
                at("c", V0)),
            "a=1.1.0 b=1.1.0 c=1.0.0", "1/0/1/0/0/1"),
        row("a cluster is in the first group (spec order) that selects it",
            fleet(V1, perGroup(null, 0, group("prod", false, "region", "eu"), group("canary", true, "env", "canary"))),
            List.of(labelled(at("a", V0), "env", "canary", "region", "eu"), labelled(at("b", V0), "env", "canary")),
            "a=1.0.0 b=1.1.0", "0/1/0/0/0/1"));
  }

  static Arguments row(String name, FleetRollout fleet, List<ClusterState> clusters, String desired, String counts) {
    return Arguments.of(name, fleet, clusters, desired, counts);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void plansFromState(String name, FleetRollout fleet, List<ClusterState> clusters, String desired, String counts) {
    Plan plan = plan(fleet, clusters);
    assertThat(desiredOf(plan)).isEqualTo(desired);
    Plan.Counts k = plan.counts();
    assertThat(k.succeeded() + "/" + k.progressing() + "/" + k.failed() + "/" + k.pinned() + "/" + k.unknown() + "/"
        + k.pending()).as("succeeded/progressing/failed/pinned/unknown/pending").isEqualTo(counts);
    assertThat(k.total()).isEqualTo(clusters.size());
    for (Plan.ClusterPlan c : plan.clusters()) {
      ClusterState in = clusters.stream().filter(x -> x.name().equals(c.name())).findFirst().orElseThrow();
      assertThat(c.changed()).as(c.name()).isEqualTo(!java.util.Objects.equals(in.desiredVersion(), c.desiredVersion()));
    }
  }

  static String desiredOf(Plan plan) {
    return plan.clusters().stream().sorted(java.util.Comparator.comparing(Plan.ClusterPlan::name))
        .map(c -> c.name() + "=" + (c.desiredVersion() == null ? "-" : c.desiredVersion()))
        .collect(Collectors.joining(" "));
  }

  // ---------------------------------------------------------------- conditions and fleet status

  @Test
  void rolloutInProgressIsProgressing() {
    Plan plan = plan(fleet(V1, progressive(1, 0)), fleetAt(V0, "a", "b"));
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.TRUE, RolloutPlanner.REASON_ROLLING_OUT,
        "0/2 clusters on 1.1.0; 1 in progress, 0 failed, 1 pending, 0 unknown, 0 pinned");
    assertCondition(plan, RolloutPlanner.COMPLETE, Conditions.FALSE, RolloutPlanner.REASON_IN_PROGRESS, null);
    assertCondition(plan, RolloutPlanner.ROLLOUT_PAUSED, Conditions.FALSE, RolloutPlanner.REASON_NOT_PAUSED, null);
    assertThat(plan.lastKnownGoodVersion()).as("derived from the clusters when the fleet has none").isEqualTo(V0);
  }

  @Test
  void completeRolloutMovesTheFleetsLastKnownGoodVersion() {
    Plan plan = plan(fleet(V1, progressive(1, 0), FailureStrategy.Pause, V0),
        List.of(succeeded("a", V0, V1, 5), succeeded("b", V0, V1, 3), at("c", V0).withPin(V0)));
    assertCondition(plan, RolloutPlanner.COMPLETE, Conditions.TRUE, RolloutPlanner.REASON_ALL_UPDATED,
        "all 2 clusters run 1.1.0; 1 pinned clusters are excluded");
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.FALSE, RolloutPlanner.REASON_COMPLETE, null);
    assertThat(plan.lastKnownGoodVersion()).isEqualTo(V1);
    assertThat(plan.recheckAt()).isNull();

    Plan partial = plan(fleet(V1, progressive(1, 0), FailureStrategy.Pause, V0),
        List.of(succeeded("a", V0, V1, 5), at("b", V0)));
    assertThat(partial.lastKnownGoodVersion()).isEqualTo(V0);
  }

  @Test
  void spentBudgetPausesTheRolloutAndNamesTheFailedClusters() {
    Plan plan = plan(fleet(V1, progressive(2, 1)), List.of(failed("a", V0, V1), failed("b", V0, V1), at("c", V0)));
    assertCondition(plan, RolloutPlanner.ROLLOUT_PAUSED, Conditions.TRUE, RolloutPlanner.REASON_FAILURE_BUDGET_SPENT,
        "2 clusters failed (a, b), more than the 1 maxFailures allows; no further cluster starts 1.1.0");
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.FALSE, RolloutPlanner.REASON_FAILURE_BUDGET_SPENT, null);
    assertCondition(plan, RolloutPlanner.COMPLETE, Conditions.FALSE, RolloutPlanner.REASON_CLUSTERS_FAILED, null);
  }

  @Test
  void pausedStartsNothingRollsNothingBackButAppliesPins() {
    FleetRollout f = fleet(V1, progressive(5, 5), FailureStrategy.Rollback, V0).withPaused(true);
    Plan plan = plan(f, List.of(at("a", V0), failed("b", V0, V1), upgrading("c", V0, V1, 1),
        at("d", V1).withPin(V0)));
    assertThat(desiredOf(plan)).isEqualTo("a=1.0.0 b=1.1.0 c=1.1.0 d=1.0.0");
    assertCondition(plan, RolloutPlanner.ROLLOUT_PAUSED, Conditions.TRUE, RolloutPlanner.REASON_PAUSED, null);
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.FALSE, RolloutPlanner.REASON_PAUSED, null);
  }

  @Test
  void aTargetWithoutReleasePlansNothingButPins() {
    Plan plan = plan(fleet("1.9.0", all()), List.of(at("a", V0), at("b", V0).withPin(V1)));
    assertThat(desiredOf(plan)).isEqualTo("a=1.0.0 b=1.1.0");
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.FALSE, "InvalidVersion",
        "no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0, 1.2.0");
    assertThat(plan.lastKnownGoodVersion()).isEqualTo(V0);
  }

  @Test
  void aBlockedFleetPlansNothingAndSaysWhy() {
    Plan plan = plan(fleet(V1, progressive(0, 0)).blockedBy("InvalidRolloutStrategy", "maxConcurrency must be at least 1"),
        List.of(at("a", V0)));
    assertThat(plan.changes()).isEmpty();
    assertCondition(plan, RolloutPlanner.PROGRESSING, Conditions.FALSE, "InvalidRolloutStrategy",
        "maxConcurrency must be at least 1");
  }

  @Test
  void malformedStrategyIsAClearError() {
    assertThatThrownBy(() -> plan(fleet(V1, progressive("lots", 0)), fleetAt(V0, "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrency \"lots\"");
    assertThatThrownBy(() -> plan(fleet(V1, soak(progressive(1, 0), "soon", null)), fleetAt(V0, "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSuccessTime \"soon\"");
    var bad = group("g", false, "env", "x");
    bad.clusterSelector.setMatchExpressions(List.of(new io.fabric8.kubernetes.api.model.LabelSelectorRequirement(
        "env", "Near", List.of("x"))));
    assertThatThrownBy(() -> plan(fleet(V1, perGroup(null, 0, bad)), fleetAt(V0, "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group g").hasMessageContaining("Near");
  }

  @Test
  void recheckAtIsTheEarliestSoakEndOrDeadline() {
    Plan plan = plan(fleet(V1, soak(progressive(3, 0), "10m", "30m")),
        List.of(succeeded("a", V0, V1, 4), upgrading("b", V0, V1, 25), at("c", V0)));
    assertThat(plan.recheckAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5))); // b's deadline, before a's soak end
    assertThat(plan.cluster("a").orElseThrow().state()).isEqualTo(State.Progressing);
  }

  @Test
  void groupProgressIsReportedInRolloutOrder() {
    Plan plan = plan(fleet(V1, perGroup(null, 0, group("prod", false, "env", "prod"),
            group("canary", true, "env", "canary"))),
        List.of(labelled(succeeded("a", V0, V1, 1), "env", "canary"), labelled(at("b", V0), "env", "prod"),
            at("c", V0)));
    assertThat(plan.groups()).extracting(Plan.GroupProgress::name)
        .containsExactly("canary", "prod", RolloutPlanner.UNGROUPED);
    assertThat(plan.groups().get(0)).isEqualTo(new Plan.GroupProgress("canary", true, 1, 1, 0, 0, true));
    assertThat(plan.groups().get(1)).isEqualTo(new Plan.GroupProgress("prod", false, 1, 0, 1, 0, false));
    assertThat(plan.groups().get(2)).isEqualTo(new Plan.GroupProgress(RolloutPlanner.UNGROUPED, false, 1, 0, 0, 0, false));
    assertThat(plan.cluster("c").orElseThrow().group()).isEqualTo(RolloutPlanner.UNGROUPED);
  }

  @Test
  void sameStateSamePlanWhateverTheInputOrder() {
    List<ClusterState> clusters = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      clusters.add(labelled(at("mc-" + i, V0), "env", i % 3 == 0 ? "canary" : "prod"));
    }
    FleetRollout f = fleet(V1, perGroup(4, 0, group("canary", true, "env", "canary")));
    Plan first = plan(f, clusters);
    for (long seed = 0; seed < 5; seed++) {
      List<ClusterState> shuffled = new ArrayList<>(clusters);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(plan(f, shuffled)).isEqualTo(first);
    }
  }

  static void assertCondition(Plan plan, String type, String status, String reason, String message) {
    DesiredCondition c = plan.condition(type).orElseThrow();
    assertThat(c.status()).as(type + " status").isEqualTo(status);
    assertThat(c.reason()).as(type + " reason").isEqualTo(reason);
    if (message != null) {
      assertThat(c.message()).as(type + " message").isEqualTo(message);
    }
  }
}
