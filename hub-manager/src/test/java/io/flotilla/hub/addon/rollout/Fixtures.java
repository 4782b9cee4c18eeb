package io.flotilla.hub.addon.rollout;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.hub.addon.rollout.ClusterState.Operation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders for planner inputs, so that test tables read as fleet states. */
final class Fixtures {
  private Fixtures() {}

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final String V0 = "1.0.0";
  static final String V1 = "1.1.0";
  static final String V2 = "1.2.0";
  static final List<String> RELEASED = List.of(V0, V1, V2);

  static Instant ago(int minutes) { return NOW.minus(Duration.ofMinutes(minutes)); }

  /** Runs {@code v}: installed and succeeded an hour ago. */
  static ClusterState at(String name, String v) {
    return new ClusterState(name, Map.of(), true, null, v, v, v,
        Operation.succeeded(Type.Install, v, ago(70), ago(60)), List.of());
  }

  /** Told to go from {@code from} to {@code to}, operation in progress since {@code minutesAgo}. */
  static ClusterState upgrading(String name, String from, String to, int minutesAgo) {
    return new ClusterState(name, Map.of(), true, null, to, from, from,
        Operation.inProgress(type(from, to), to, ago(minutesAgo)), List.of());
  }

  /** Went from {@code from} to {@code to}, succeeded {@code minutesAgo}. */
  static ClusterState succeeded(String name, String from, String to, int minutesAgo) {
    return new ClusterState(name, Map.of(), true, null, to, to, to,
        Operation.succeeded(type(from, to), to, ago(minutesAgo + 1), ago(minutesAgo)), List.of());
  }

  /** Tried {@code from} → {@code to} and failed; desired still {@code to}. */
  static ClusterState failed(String name, String from, String to) {
    return new ClusterState(name, Map.of(), true, null, to, to, from,
        Operation.failed(type(from, to), to, ago(20), ago(10)), List.of());
  }

  /** Failed {@code to}, then was rolled back to {@code from} (by the Rollback strategy or an operator). */
  static ClusterState rolledBack(String name, String from, String to) {
    Operation failedOp = Operation.failed(type(from, to), to, ago(20), ago(10));
    Operation back = Operation.succeeded(Type.Rollback, from, ago(9), ago(8));
    return new ClusterState(name, Map.of(), true, null, from, from, from, back, List.of(back, failedOp));
  }

  static ClusterState fresh(String name) { return ClusterState.fresh(name, Map.of()); }

  static ClusterState labelled(ClusterState c, String... kv) {
    Map<String, String> labels = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      labels.put(kv[i], kv[i + 1]);
    }
    return new ClusterState(c.name(), labels, c.available(), c.pin(), c.desiredVersion(), c.currentVersion(),
        c.lastKnownGoodVersion(), c.operation(), c.history());
  }

  static Type type(String from, String to) {
    return from == null ? Type.Install
        : io.flotilla.hub.addon.validation.AddOnValidation.compareVersions(to, from) < 0 ? Type.Rollback : Type.Upgrade;
  }

  static List<ClusterState> fleetAt(String v, String... names) {
    List<ClusterState> out = new ArrayList<>();
    for (String n : names) {
      out.add(at(n, v));
    }
    return out;
  }

  // ---------------------------------------------------------------- strategies

  static RolloutStrategy all() { return new RolloutStrategy(); }

  static RolloutStrategy progressive(Object maxConcurrency, Object maxFailures) {
    RolloutStrategy s = new RolloutStrategy();
    s.type = RolloutStrategy.Type.Progressive;
    s.maxConcurrency = maxConcurrency == null ? null : new IntOrString(maxConcurrency);
    s.maxFailures = maxFailures == null ? null : new IntOrString(maxFailures);
    return s;
  }

  static RolloutStrategy perGroup(Object maxConcurrency, Object maxFailures, RolloutStrategy.Group... groups) {
    RolloutStrategy s = progressive(maxConcurrency, maxFailures);
    s.type = RolloutStrategy.Type.ProgressivePerGroup;
    s.groups = new ArrayList<>(List.of(groups));
    return s;
  }

  static RolloutStrategy withGroups(RolloutStrategy s, RolloutStrategy.Group... groups) {
    s.groups = new ArrayList<>(List.of(groups));
    return s;
  }

  static RolloutStrategy soak(RolloutStrategy s, String minSuccessTime, String progressDeadline) {
    s.minSuccessTime = minSuccessTime;
    s.progressDeadline = progressDeadline;
    return s;
  }

  static RolloutStrategy.Group group(String name, boolean mandatory, String labelKey, String... values) {
    RolloutStrategy.Group g = new RolloutStrategy.Group();
    g.name = name;
    g.mandatory = mandatory ? Boolean.TRUE : null;
    g.clusterSelector = values.length == 1
        ? new LabelSelectorBuilder().addToMatchLabels(labelKey, values[0]).build()
        : new LabelSelectorBuilder().addNewMatchExpression().withKey(labelKey).withOperator("In")
            .withValues(values).endMatchExpression().build();
    return g;
  }

  static FleetRollout fleet(String target, RolloutStrategy s) {
    return new FleetRollout("foo", target, s, FailureStrategy.Pause, false, null, null);
  }

  static FleetRollout fleet(String target, RolloutStrategy s, FailureStrategy f, String fleetLastKnownGood) {
    return new FleetRollout("foo", target, s, f, false, fleetLastKnownGood, null);
  }

  static Plan plan(FleetRollout f, List<ClusterState> clusters) {
    return new RolloutPlanner().plan(f, RELEASED, clusters, NOW);
  }
}
