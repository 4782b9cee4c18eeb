package io.flotilla.hub.addon.rollout;

import static io.flotilla.hub.addon.rollout.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.rollout.ClusterState.Operation;
import io.flotilla.hub.addon.rollout.Plan.State;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Properties of the planner over randomly generated fleets (fixed seeds, so a failure reproduces): plan, apply the
 * desired versions, simulate agents and cluster outages for a random time step, repeat. The invariants are checked
 * with definitions written here, independently of the planner's code.
 */
class RolloutPropertiesTest {
  static final long SEED = 20260301L;
  static final int FLEETS = 40;
  static final int STEPS = 150;

  /** A random fleet rollout scenario and the simulated world it runs in. */
  static final class World {
    final Random rnd;
    final FleetRollout fleet;
    final int failPercent;
    final double outageRate;
    final Map<String, ClusterState> clusters = new LinkedHashMap<>();
    final Map<String, String> env = new LinkedHashMap<>();
    Instant now = NOW;

    World(long seed, boolean failures, boolean outages) {
      rnd = new Random(seed);
      int n = 1 + rnd.nextInt(40);
      for (int i = 0; i < n; i++) {
        String name = "mc-" + String.format("%02d", i);
        String e = List.of("canary", "prod", "prod", "dev", "none").get(rnd.nextInt(5));
        env.put(name, e);
        ClusterState c = labelled(at(name, V0), "env", e);
        if (rnd.nextInt(10) == 0) {
          c = c.withPin(rnd.nextBoolean() ? V0 : V2);
        }
        if (outages && rnd.nextInt(10) == 0) {
          c = c.withAvailable(false);
        }
        clusters.put(name, c);
      }
      RolloutStrategy s = switch (rnd.nextInt(3)) {
        case 0 -> progressive(countOrPercent(), rnd.nextInt(3));
        case 1 -> withGroups(progressive(countOrPercent(), rnd.nextInt(3)),
            group("canary", true, "env", "canary"), group("prod", false, "env", "prod"));
        default -> perGroup(rnd.nextBoolean() ? null : countOrPercent(), rnd.nextBoolean() ? 0 : "50%",
            group("canary", true, "env", "canary"), group("prod", false, "env", "prod"), group("dev", false, "env", "dev"));
      };
      // without failures, no deadline either: an operation past its deadline is a failure
      soak(s, rnd.nextBoolean() ? null : (1 + rnd.nextInt(10)) + "m",
          !failures || rnd.nextBoolean() ? null : (5 + rnd.nextInt(30)) + "m");
      fleet = new FleetRollout("foo", V1, s, rnd.nextBoolean() ? FailureStrategy.Pause : FailureStrategy.Rollback,
          false, V0, null);
      failPercent = failures ? rnd.nextInt(40) : 0;
      outageRate = outages ? 0.03 : 0;
    }

    Object countOrPercent() {
      return rnd.nextBoolean() ? (Object) (1 + rnd.nextInt(4)) : (10 + rnd.nextInt(60)) + "%";
    }

    List<ClusterState> state() { return new ArrayList<>(clusters.values()); }

    void apply(Plan plan) {
      for (Plan.ClusterPlan p : plan.clusters()) {
        clusters.computeIfPresent(p.name(), (k, c) -> c.withDesiredVersion(p.desiredVersion()));
      }
    }

    /** Time passes: agents on reachable clusters converge towards desired; some clusters drop out or come back. */
    void advance() {
      now = now.plus(Duration.ofMinutes(1 + rnd.nextInt(5)));
      for (Map.Entry<String, ClusterState> e : clusters.entrySet()) {
        ClusterState c = e.getValue();
        if (!c.available()) {
          if (rnd.nextInt(100) < 15) {
            e.setValue(c.withAvailable(true));
          }
          continue; // an unreachable cluster reports nothing
        }
        if (rnd.nextDouble() < outageRate) {
          e.setValue(c.withAvailable(false));
          continue;
        }
        Operation op = c.operation();
        if (c.desiredVersion() != null && (op == null || !c.desiredVersion().equals(op.toVersion()))) {
          List<Operation> history = new ArrayList<>();
          if (op != null) {
            history.add(op);
          }
          history.addAll(c.history());
          e.setValue(c.withAgentStatus(c.currentVersion(), c.lastKnownGoodVersion(),
              // typed from what was last applied: going back from a failed upgrade is a Rollback
              Operation.inProgress(type(op == null ? null : op.toVersion(), c.desiredVersion()), c.desiredVersion(), now),
              List.copyOf(history.subList(0, Math.min(10, history.size())))));
        } else if (op != null && op.phase() == Phase.InProgress && rnd.nextBoolean()) {
          boolean fails = V1.equals(op.toVersion()) && Math.floorMod(Objects.hash(e.getKey(), "fail"), 100) < failPercent;
          Operation done = new Operation(op.type(), fails ? Phase.Failed : Phase.Succeeded, op.toVersion(),
              op.startedAt(), now);
          e.setValue(fails ? c.withAgentStatus(c.currentVersion(), c.lastKnownGoodVersion(), done, c.history())
              : c.withAgentStatus(op.toVersion(), op.toVersion(), done, c.history()));
        }
      }
    }

    Plan plan() { return new RolloutPlanner().plan(fleet, RELEASED, state(), now); }

    // ------------------------------------------------------------ independent definitions

    RolloutStrategy strategy() { return fleet.strategy(); }

    Duration soakTime() {
      return strategy().minSuccessTime == null ? Duration.ZERO : Duration.ofMinutes(Long.parseLong(strategy().minSuccessTime.replace("m", "")));
    }

    Duration deadline() {
      return strategy().progressDeadline == null ? null : Duration.ofMinutes(Long.parseLong(strategy().progressDeadline.replace("m", "")));
    }

    /** Runs the target and has soaked. */
    boolean updated(ClusterState c) {
      Operation op = c.operation();
      return V1.equals(c.desiredVersion()) && op != null && V1.equals(op.toVersion()) && op.phase() == Phase.Succeeded
          && !now.isBefore(op.completedAt().plus(soakTime()));
    }

    /** Its newest operation toward the target failed or timed out, and only rollbacks happened since. */
    boolean failedTarget(ClusterState c) {
      List<Operation> ops = new ArrayList<>();
      if (c.operation() != null) {
        ops.add(c.operation());
      }
      ops.addAll(c.history());
      for (Operation o : ops) {
        if (V1.equals(o.toVersion())) {
          return o.phase() == Phase.Failed || (o.phase() == Phase.InProgress && deadline() != null
              && !now.isBefore(o.startedAt().plus(deadline())));
        }
        if (o.type() != io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Rollback) {
          return false;
        }
      }
      return false;
    }

    /** Told to run the target and not finished with it: what maxConcurrency bounds. */
    boolean inProgress(ClusterState c) {
      return !c.pinned() && V1.equals(c.desiredVersion()) && !updated(c) && !failedTarget(c);
    }

    String groupOf(String cluster) {
      String e = env.get(cluster);
      boolean perGroup = strategy().type == RolloutStrategy.Type.ProgressivePerGroup;
      return strategy().groups.isEmpty() ? "" : e.equals("canary") || e.equals("prod") || (perGroup && e.equals("dev"))
          ? e : RolloutPlanner.UNGROUPED;
    }

    int maxConcurrency() {
      IntOrString m = strategy().maxConcurrency;
      if (m == null) {
        return Integer.MAX_VALUE;
      }
      int base = clusters.size();
      if (strategy().type == RolloutStrategy.Type.ProgressivePerGroup) {
        // per group: the largest group's limit bounds the whole fleet
        Map<String, Integer> sizes = new LinkedHashMap<>();
        clusters.keySet().forEach(n -> sizes.merge(groupOf(n), 1, Integer::sum));
        base = Collections.max(sizes.values());
      }
      if (m.getIntVal() != null) {
        return m.getIntVal();
      }
      return Math.max(1, Integer.parseInt(m.getStrVal().replace("%", "")) * base / 100);
    }
  }

  @Test
  void neverMoreThanMaxConcurrencyInProgress() {
    forEachStep(true, true, (w, before, plan) -> {
      long inProgress = w.clusters.values().stream().filter(w::inProgress).count();
      assertThat(inProgress).as(() -> "clusters in progress (limit " + w.maxConcurrency() + "): "
              + w.clusters.values().stream().filter(w::inProgress).toList())
          .isLessThanOrEqualTo(w.maxConcurrency());
    });
  }

  @Test
  void aMandatoryGroupCompletesBeforeAnyOtherClusterStarts() {
    forEachStep(true, true, (w, before, plan) -> {
      for (Plan.ClusterPlan p : plan.clusters()) {
        ClusterState was = before.get(p.name());
        boolean startedNow = V1.equals(p.desiredVersion()) && !V1.equals(was.desiredVersion());
        if (startedNow && !w.groupOf(p.name()).equals("canary")) {
          for (ClusterState m : before.values()) {
            if (w.groupOf(m.name()).equals("canary") && !m.pinned()) {
              assertThat(w.updated(m)).as("%s started while mandatory %s is not updated", p.name(), m.name()).isTrue();
            }
          }
        }
      }
    });
  }

  @Test
  void pinnedClustersOnlyEverRunTheirPin() {
    forEachStep(true, true, (w, before, plan) -> {
      for (ClusterState c : w.clusters.values()) {
        if (c.pinned()) {
          assertThat(c.desiredVersion()).as(c.name()).isEqualTo(c.pin());
          assertThat(plan.cluster(c.name()).orElseThrow().state()).isEqualTo(State.Pinned);
        }
      }
      assertThat(plan.counts().pinned()).isEqualTo(w.clusters.values().stream().filter(ClusterState::pinned).count());
    });
  }

  @Test
  void unknownClustersAreNeverStartedNorCountedAsFailed() {
    forEachStep(true, true, (w, before, plan) -> {
      long failedAvailable = before.values().stream().filter(c -> !c.pinned() && c.available() && w.failedTarget(c)).count();
      assertThat(plan.counts().failed()).as(() -> before.values() + " -> " + plan).isEqualTo(failedAvailable);
      for (ClusterState c : before.values()) {
        if (!c.available() && !c.pinned()) {
          Plan.ClusterPlan p = plan.cluster(c.name()).orElseThrow();
          assertThat(p.state()).isEqualTo(State.Unknown);
          assertThat(p.desiredVersion()).as("desired of Unknown %s", c.name()).isEqualTo(c.desiredVersion());
        }
      }
    });
  }

  @Test
  void aSpentFailureBudgetStartsNothingNewAndRollbackReturnsFailedClusters() {
    forEachStep(true, true, (w, before, plan) -> {
      RolloutStrategy s = w.strategy();
      if (s.type != RolloutStrategy.Type.Progressive) {
        return;
      }
      int budget = s.maxFailures.getIntVal();
      long failed = before.values().stream().filter(c -> !c.pinned() && c.available() && w.failedTarget(c)).count();
      boolean mandatoryFailed = before.values().stream()
          .anyMatch(c -> !c.pinned() && c.available() && w.failedTarget(c) && w.groupOf(c.name()).equals("canary"));
      if (failed > budget || mandatoryFailed) {
        for (Plan.ClusterPlan p : plan.clusters()) {
          assertThat(V1.equals(p.desiredVersion()) && !V1.equals(before.get(p.name()).desiredVersion()))
              .as("%s started after the budget was spent", p.name()).isFalse();
        }
        assertThat(plan.condition(RolloutPlanner.ROLLOUT_PAUSED).orElseThrow().reason())
            .isEqualTo(RolloutPlanner.REASON_FAILURE_BUDGET_SPENT);
      }
      if (w.fleet.failureStrategy() == FailureStrategy.Rollback) {
        for (ClusterState c : before.values()) {
          if (!c.pinned() && c.available() && w.failedTarget(c)) {
            assertThat(plan.cluster(c.name()).orElseThrow().desiredVersion()).as(() -> "rollback of " + c + " in " + plan.cluster(c.name()))
                .isEqualTo(V0);
          }
        }
      }
    });
  }

  @Test
  void thePlanDoesNotDependOnInputOrder() {
    forEachStep(true, true, (w, before, plan) -> {
      if (w.rnd.nextInt(4) != 0) {
        return; // a sample of the steps is enough
      }
      List<ClusterState> shuffled = new ArrayList<>(before.values());
      Collections.shuffle(shuffled, w.rnd);
      assertThat(new RolloutPlanner().plan(w.fleet, RELEASED, shuffled, w.now)).isEqualTo(plan);
    });
  }

  @Test
  void withoutFailuresOrOutagesEveryRolloutCompletes() {
    for (int f = 0; f < FLEETS; f++) {
      World w = new World(SEED + f, false, false);
      Plan plan = null;
      for (int step = 0; step < 10 * STEPS; step++) {
        plan = w.plan();
        w.apply(plan);
        if (plan.lastKnownGoodVersion().equals(V1)) {
          break;
        }
        w.advance();
      }
      long following = w.clusters.values().stream().filter(c -> !c.pinned()).count();
      if (following == 0) {
        continue;
      }
      assertThat(plan.condition(RolloutPlanner.COMPLETE).orElseThrow().status()).as("fleet %d", f)
          .isEqualTo(Conditions.TRUE);
      assertThat(w.clusters.values()).filteredOn(c -> !c.pinned()).allSatisfy(c -> assertThat(w.updated(c)).isTrue());
    }
  }

  interface StepCheck {
    void check(World world, Map<String, ClusterState> before, Plan plan);
  }

  /** Runs every random fleet step by step and checks each plan (after applying it to the world). */
  static void forEachStep(boolean failures, boolean outages, StepCheck check) {
    for (int f = 0; f < FLEETS; f++) {
      World w = new World(SEED + f, failures, outages);
      for (int step = 0; step < STEPS; step++) {
        Map<String, ClusterState> before = new LinkedHashMap<>(w.clusters);
        if (step % 37 == 20) {
          // an operator pauses or resumes mid-rollout
          var paused = w.fleet.withPaused(!w.fleet.paused());
          w.clusters.clear();
          w.clusters.putAll(before);
          Plan p = new RolloutPlanner().plan(paused, RELEASED, new ArrayList<>(before.values()), w.now);
          assertThat(p.changes().values()).as("paused fleet starts nothing").doesNotContain(V1);
        }
        Plan plan = w.plan();
        w.apply(plan);
        check.check(w, before, plan);
        w.advance();
      }
    }
  }
}
