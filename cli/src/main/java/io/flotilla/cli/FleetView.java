package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.rollout.RolloutPlanner;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One add-on across the fleet as the hub shows it at one moment: its FleetAddOn (null if there is none) and its
 * ManagedAddOns, by cluster. Read the FleetAddOn first: the hub writes the clusters' desired versions before the
 * fleet's status, so a fleet status seen here is never newer than the clusters that follow.
 */
record FleetView(String addOn, FleetAddOn fleet, List<ManagedAddOn> clusters) {

  String target() {
    return fleet == null || fleet.getSpec() == null ? null : fleet.getSpec().version;
  }

  Optional<Condition> condition(String type) {
    return fleet == null || fleet.getStatus() == null ? Optional.empty()
        : Conditions.find(fleet.getStatus().conditions, type);
  }

  boolean isTrue(String type) {
    return condition(type).map(c -> Conditions.TRUE.equals(c.getStatus())).orElse(false);
  }

  /** The hub has planned the current spec: its status and its Progressing condition are of this generation. */
  boolean observed() {
    if (fleet == null || fleet.getStatus() == null) {
      return false;
    }
    Long generation = fleet.getMetadata().getGeneration();
    return Objects.equals(fleet.getStatus().observedGeneration, generation)
        && condition(RolloutPlanner.PROGRESSING).map(c -> Objects.equals(c.getObservedGeneration(), generation))
            .orElse(false);
  }

  /**
   * Nothing more will happen without a change: the hub planned the current spec and does not call it progressing,
   * and every cluster runs (or has finished trying) the version the hub wants for it.
   */
  boolean settled() {
    return observed() && condition(RolloutPlanner.PROGRESSING).map(c -> Conditions.FALSE.equals(c.getStatus()))
        .orElse(false) && clusters.stream().allMatch(m -> clusterSettled(m, desired(m)));
  }

  boolean complete() {
    return observed() && isTrue(RolloutPlanner.COMPLETE);
  }

  /** The cluster's operation heads for {@code version} and is over (or, with nothing desired yet, nothing runs). */
  static boolean clusterSettled(ManagedAddOn m, String version) {
    ManagedAddOnStatus s = m.getStatus();
    if (version == null) {
      return s == null || s.operation == null || s.operation.phase != Phase.InProgress;
    }
    return s != null && version.equals(s.desiredVersion) && s.operation != null
        && version.equals(s.operation.toVersion) && s.operation.phase != Phase.InProgress;
  }

  static String desired(ManagedAddOn m) {
    return m.getStatus() == null ? null : m.getStatus().desiredVersion;
  }

  static Phase phase(ManagedAddOn m) {
    return m.getStatus() == null || m.getStatus().operation == null ? null : m.getStatus().operation.phase;
  }

  static String pin(ManagedAddOn m) {
    String pin = m.getSpec() == null ? null : m.getSpec().version;
    return pin == null || pin.isBlank() ? null : pin;
  }

  long inProgress() {
    return clusters.stream().filter(m -> phase(m) == Phase.InProgress).count();
  }

  /** "1.1.0: 3/4 succeeded, 1 in progress, 0 failed, 1 pinned, 0 unknown": the hub's counts in one line. */
  String progressLine() {
    FleetAddOnStatus s = fleet == null ? null : fleet.getStatus();
    if (s == null || s.total == null) {
      return addOn + " " + target() + ": waiting for the hub";
    }
    int following = s.total - n(s.pinned);
    return addOn + " " + target() + ": " + n(s.succeeded) + "/" + following + " succeeded, " + n(s.progressing)
        + " in progress, " + n(s.failed) + " failed, " + n(s.pinned) + " pinned, " + n(s.unknown) + " unknown";
  }

  static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
