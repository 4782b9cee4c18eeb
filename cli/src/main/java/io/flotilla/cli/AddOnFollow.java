package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.hub.addon.rollout.RolloutPlanner;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * `--wait`: follows a rollout (or one cluster) until nothing more will happen, reporting each cluster's operation as
 * it starts and ends, and says in one line how it ended. Shared by the `addon` commands and the demo.
 */
final class AddOnFollow {
  private AddOnFollow() {}

  /** How a fleet wait ended; {@code line} says it for a person. */
  record FleetOutcome(boolean settled, boolean complete, FleetView last, String line) {}

  static FleetOutcome fleet(HubAddOns addOns, String addOn, Duration timeout, Consumer<String> progress) {
    Instant began = Instant.now();
    Map<String, Operation> seen = new HashMap<>();
    boolean[] first = {true};
    HubQueries.Waited<FleetView> waited = addOns.awaitFleet(addOn, timeout, view -> {
      for (ManagedAddOn m : view.clusters()) {
        // what was over before the wait began is the table's business, not news
        boolean news = !first[0] || FleetView.phase(m) == Phase.InProgress;
        report(m, seen, news, progress);
      }
      first[0] = false;
    });
    FleetView last = waited.last();
    String took = " (" + Ages.of(Duration.between(began, Instant.now())) + ")";
    if (!waited.reached()) {
      return new FleetOutcome(false, false, last, "still not settled after " + Ages.of(timeout) + ": "
          + last.progressLine() + "; follow it with: flotilla addon status " + addOn);
    }
    if (last.complete()) {
      return new FleetOutcome(true, true, last, last.progressLine() + ": rollout complete" + took);
    }
    String why = last.condition(RolloutPlanner.ROLLOUT_PAUSED).filter(c -> "True".equals(c.getStatus()))
        .or(() -> last.condition(RolloutPlanner.PROGRESSING)).map(Condition::getMessage).orElse("not complete");
    return new FleetOutcome(true, false, last, last.progressLine() + ": rollout stopped" + took + ": " + why);
  }

  /** How a cluster wait ended. */
  record ClusterOutcome(boolean settled, boolean succeeded, ManagedAddOn last, String line) {}

  static ClusterOutcome cluster(HubAddOns addOns, String cluster, String addOn, String version, Duration timeout,
      Consumer<String> progress) {
    Map<String, Operation> seen = new HashMap<>();
    HubQueries.Waited<ManagedAddOn> waited = addOns.awaitCluster(cluster, addOn, version, timeout, m -> {
      if (m != null) {
        report(m, seen, true, progress);
      }
    });
    ManagedAddOn last = waited.last();
    if (last == null) {
      return new ClusterOutcome(false, false, null, "add-on " + addOn + " is gone from " + cluster);
    }
    Operation op = last.getStatus() == null ? null : last.getStatus().operation;
    if (!waited.reached()) {
      return new ClusterOutcome(false, false, last, cluster + ": no finished operation to " + version + " after "
          + Ages.of(timeout) + (op == null ? "" : "; last: " + describe(op))
          + "; follow it with: flotilla addon status " + addOn);
    }
    return new ClusterOutcome(true, op.phase == Phase.Succeeded, last, cluster + ": " + describe(op)
        + " (started " + op.startedAt + ", completed " + op.completedAt + ")"
        + (op.phase == Phase.Failed && op.message != null ? ": " + op.message : ""));
  }

  /**
   * Reports the cluster's operation if it changed since last seen. An operation seen in progress and replaced before
   * it was seen ending (a failure the hub answered at once with a rollback) is reported from the history first, so
   * the failure is not lost between two looks.
   */
  private static void report(ManagedAddOn m, Map<String, Operation> seen, boolean news, Consumer<String> progress) {
    String cluster = m.getMetadata().getNamespace();
    ManagedAddOnStatus s = m.getStatus();
    Operation op = s == null ? null : s.operation;
    if (op == null) {
      return;
    }
    Operation before = seen.put(cluster, op);
    if (before != null && before.phase == Phase.InProgress && !sameOperation(before, op) && s.history != null) {
      s.history.stream().filter(h -> sameOperation(h, before) && h.phase != Phase.InProgress).findFirst()
          .ifPresent(h -> progress.accept(cluster + ": " + describe(h)));
    }
    if (news && (before == null || !describe(before).equals(describe(op)) || !sameOperation(before, op))) {
      progress.accept(cluster + ": " + describe(op));
    }
  }

  /** The same operation, maybe in another phase. */
  static boolean sameOperation(Operation a, Operation b) {
    return Objects.equals(a.type, b.type) && Objects.equals(a.toVersion, b.toVersion)
        && Objects.equals(a.startedAt, b.startedAt);
  }

  static String describe(Operation op) {
    return op.type + " " + (op.fromVersion == null ? "" : op.fromVersion + " -> ") + op.toVersion + " " + op.phase;
  }
}
