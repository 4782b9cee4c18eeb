package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.FleetAddOnReconciler;
import io.flotilla.hub.addon.rollout.RolloutPlanner;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fleet table and the `addon status` / `addon list` text, and when a wait may end ({@link FleetView}). */
class AddOnTablesTest {
  static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

  static ManagedAddOn cluster(String name, String desired, String current, Type type, String from, String to,
      Phase phase, String pin) {
    ManagedAddOn m = new ManagedAddOn();
    m.setMetadata(new ObjectMetaBuilder().withName("metrics-forwarder").withNamespace(name).build());
    m.getSpec().addOn = "metrics-forwarder";
    m.getSpec().version = pin;
    m.getStatus().desiredVersion = desired;
    m.getStatus().currentVersion = current;
    if (type != null) {
      Operation op = new Operation();
      op.type = type;
      op.fromVersion = from;
      op.toVersion = to;
      op.phase = phase;
      op.startedAt = "2026-11-21T09:59:00Z";
      op.completedAt = phase == Phase.InProgress ? null : "2026-11-21T09:59:02Z";
      op.message = type + " " + from + " → " + to + (phase == Phase.Failed ? " failed: ProgressDeadlineExceeded" : "");
      m.getStatus().operation = op;
    }
    return m;
  }

  static FleetAddOn fleet(long generation, Long observed, String progressing, String progressingReason) {
    FleetAddOn f = new FleetAddOn();
    f.setMetadata(new ObjectMetaBuilder().withName("metrics-forwarder").withGeneration(generation).build());
    f.getSpec().version = "1.2.0";
    f.getSpec().rolloutStrategy.type = RolloutStrategy.Type.Progressive;
    f.getSpec().rolloutStrategy.maxConcurrency = new io.fabric8.kubernetes.api.model.IntOrString(2);
    f.getStatus().observedGeneration = observed;
    f.getStatus().total = 3;
    f.getStatus().succeeded = 0;
    f.getStatus().progressing = 0;
    f.getStatus().failed = 1;
    f.getStatus().pinned = 1;
    f.getStatus().unknown = 0;
    f.getStatus().lastKnownGoodVersion = "1.1.0";
    Conditions.set(f.getStatus().conditions, RolloutPlanner.COMPLETE, Conditions.FALSE, "ClustersFailed", "1 failed",
        observed, NOW);
    Conditions.set(f.getStatus().conditions, RolloutPlanner.PROGRESSING, progressing, progressingReason, "summary",
        observed, NOW);
    Conditions.set(f.getStatus().conditions, RolloutPlanner.ROLLOUT_PAUSED, Conditions.TRUE,
        RolloutPlanner.REASON_FAILURE_BUDGET_SPENT, "1 clusters failed (mc-1), more than the 0 maxFailures allows",
        observed, NOW);
    Conditions.set(f.getStatus().conditions, FleetAddOnReconciler.INVALID_VERSION, Conditions.FALSE, "VersionReleased",
        "release exists", observed, NOW);
    return f;
  }

  static List<ManagedAddOn> stoppedClusters() {
    ManagedAddOn pinned = cluster("mc-3", "1.0.0", "1.0.0", Type.Install, null, "1.0.0", Phase.Succeeded, "1.0.0");
    ManagedAddOn badPin = cluster("mc-4", "1.1.0", "1.1.0", Type.Upgrade, "1.0.0", "1.1.0", Phase.Succeeded, "9.9.9");
    Conditions.set(badPin.getStatus().conditions, ManagedAddOn.INVALID_VERSION, Conditions.TRUE, "InvalidVersion",
        "no release 9.9.9 of add-on metrics-forwarder; available: 1.0.0, 1.1.0, 1.2.0", 1L, NOW);
    return List.of(
        cluster("mc-1", "1.2.0", "1.2.0", Type.Upgrade, "1.1.0", "1.2.0", Phase.Failed, null),
        cluster("mc-2", "1.1.0", "1.1.0", Type.Upgrade, "1.0.0", "1.1.0", Phase.Succeeded, null),
        pinned, badPin);
  }

  @Test
  void statusShowsTheHeaderTheTableAndWhatNeedsALook() {
    String text = AddOnTables.status(new FleetView("metrics-forwarder",
        fleet(3, 3L, Conditions.FALSE, RolloutPlanner.REASON_FAILURE_BUDGET_SPENT), stoppedClusters()));

    List<String> lines = text.lines().toList();
    assertThat(lines.get(0)).isEqualTo("add-on metrics-forwarder: target 1.2.0, Progressive (maxConcurrency 2), "
        + "failure strategy Pause; placement: every cluster; last known good 1.1.0");
    assertThat(lines.get(1)).isEqualTo("clusters: 3 placed, 0 succeeded, 0 progressing, 1 failed, 1 pinned, 0 unknown");
    // the rollout's conditions always, InvalidVersion=False is not news
    assertThat(lines.get(2)).isEqualTo("conditions: Complete=False (ClustersFailed), Progressing=False "
        + "(FailureBudgetSpent), RolloutPaused=True (FailureBudgetSpent)");
    assertThat(lines.get(3)).isEqualTo("  RolloutPaused: 1 clusters failed (mc-1), more than the 0 maxFailures allows");
    int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("CLUSTER")).findFirst().orElseThrow());
    assertThat(lines.get(header).split(" {2,}")).containsExactly("CLUSTER", "DESIRED", "CURRENT", "PHASE", "STARTED",
        "COMPLETED", "OPERATION", "PINNED");
    assertThat(lines.get(header + 1).split(" {2,}")).containsExactly("mc-1", "1.2.0", "1.2.0", "Failed",
        "2026-11-21T09:59:00Z", "2026-11-21T09:59:02Z", "Upgrade from 1.1.0", "<none>");
    assertThat(lines.get(header + 3).split(" {2,}")).containsExactly("mc-3", "1.0.0", "1.0.0", "Succeeded",
        "2026-11-21T09:59:00Z", "2026-11-21T09:59:02Z", "Install", "1.0.0");
    assertThat(lines.get(header + 4)).endsWith("9.9.9 (no release)");
    assertThat(text).contains("mc-4: InvalidVersion: no release 9.9.9 of add-on metrics-forwarder; available: 1.0.0, "
        + "1.1.0, 1.2.0\n", "mc-1: Upgrade 1.1.0 → 1.2.0 failed: ProgressDeadlineExceeded\n");
  }

  @Test
  void aFleetIsSettledOnlyWhenTheHubPlannedItsSpecAndNoClusterIsStillMoving() {
    List<ManagedAddOn> clusters = stoppedClusters();
    assertThat(new FleetView("metrics-forwarder", fleet(3, 3L, Conditions.FALSE, "FailureBudgetSpent"), clusters)
        .settled()).isTrue();
    // the hub has not planned generation 4 yet
    assertThat(new FleetView("metrics-forwarder", fleet(4, 3L, Conditions.FALSE, "FailureBudgetSpent"), clusters)
        .settled()).isFalse();
    // the hub still rolls out
    assertThat(new FleetView("metrics-forwarder", fleet(3, 3L, Conditions.TRUE, "RollingOut"), clusters)
        .settled()).isFalse();
    // the hub wants a rollback the agent has not started
    ManagedAddOn awaitingRollback = cluster("mc-1", "1.1.0", "1.2.0", Type.Upgrade, "1.1.0", "1.2.0", Phase.Failed, null);
    assertThat(new FleetView("metrics-forwarder", fleet(3, 3L, Conditions.FALSE, "FailureBudgetSpent"),
        List.of(awaitingRollback)).settled()).isFalse();
    // an operation still running
    ManagedAddOn running = cluster("mc-1", "1.1.0", "1.1.0", Type.Rollback, "1.2.0", "1.1.0", Phase.InProgress, null);
    assertThat(new FleetView("metrics-forwarder", fleet(3, 3L, Conditions.FALSE, "FailureBudgetSpent"),
        List.of(running)).settled()).isFalse();
    assertThat(new FleetView("metrics-forwarder", null, clusters).settled()).isFalse();
  }

  @Test
  void listShowsReleasesTargetsCountsAndState() {
    AddOnRelease r1 = release("metrics-forwarder", "1.10.0");
    AddOnRelease r2 = release("metrics-forwarder", "1.9.0");
    AddOnRelease r3 = release("node-tuning-helper", "2.0.0");

    List<String> lines = AddOnTables.list(List.of(r1, r2, r3),
        List.of(fleet(3, 3L, Conditions.FALSE, "FailureBudgetSpent"))).render().lines().toList();

    assertThat(lines.get(1).split(" {2,}")).containsExactly("metrics-forwarder", "1.9.0,1.10.0", "1.2.0",
        "Progressive", "3", "0", "0", "1", "1", "0", "Paused (FailureBudgetSpent)");
    assertThat(lines.get(2).split(" {2,}")).startsWith("node-tuning-helper", "2.0.0", "-").endsWith("no FleetAddOn");
  }

  private static AddOnRelease release(String addOn, String version) {
    AddOnRelease r = new AddOnRelease();
    r.setMetadata(new ObjectMetaBuilder().withName(AddOnRelease.nameFor(addOn, version)).build());
    r.getSpec().addOn = addOn;
    r.getSpec().version = version;
    return r;
  }
}
