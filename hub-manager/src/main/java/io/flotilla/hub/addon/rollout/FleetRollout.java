package io.flotilla.hub.addon.rollout;

import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;

import java.util.Objects;

/**
 * The fleet side of a rollout: a FleetAddOn's spec, plus the fleet last-known-good version it last reported (the
 * fallback rollback target for clusters that never had a good version of their own).
 *
 * @param addOn                the add-on (the FleetAddOn's name), for messages
 * @param targetVersion        spec.version
 * @param strategy             spec.rolloutStrategy; null means All
 * @param failureStrategy      spec.failureStrategy; null means Pause
 * @param paused               spec.paused
 * @param lastKnownGoodVersion status.lastKnownGoodVersion as last written, or null
 * @param blocker              why nothing may be planned (an invalid target or strategy), or null
 */
public record FleetRollout(String addOn, String targetVersion, RolloutStrategy strategy, FailureStrategy failureStrategy,
                           boolean paused, String lastKnownGoodVersion, Blocker blocker) {
  public FleetRollout {
    Objects.requireNonNull(addOn, "addOn");
    strategy = strategy == null ? new RolloutStrategy() : strategy;
    failureStrategy = failureStrategy == null ? FailureStrategy.Pause : failureStrategy;
  }

  /** The rollout a FleetAddOn asks for, not blocked. */
  public static FleetRollout of(FleetAddOn fleet) {
    FleetAddOnSpec spec = fleet.getSpec() == null ? new FleetAddOnSpec() : fleet.getSpec();
    return new FleetRollout(fleet.getMetadata().getName(), spec.version, spec.rolloutStrategy, spec.failureStrategy,
        spec.isPaused(), fleet.getStatus() == null ? null : fleet.getStatus().lastKnownGoodVersion, null);
  }

  public FleetRollout blockedBy(String reason, String message) {
    return new FleetRollout(addOn, targetVersion, strategy, failureStrategy, paused, lastKnownGoodVersion,
        new Blocker(reason, message));
  }

  public FleetRollout withTarget(String version) {
    return new FleetRollout(addOn, version, strategy, failureStrategy, paused, lastKnownGoodVersion, blocker);
  }

  public FleetRollout withPaused(boolean p) {
    return new FleetRollout(addOn, targetVersion, strategy, failureStrategy, p, lastKnownGoodVersion, blocker);
  }

  public FleetRollout withLastKnownGoodVersion(String v) {
    return new FleetRollout(addOn, targetVersion, strategy, failureStrategy, paused, v, blocker);
  }

  /** A condition reason and message saying why the rollout cannot proceed at all. */
  public record Blocker(String reason, String message) {
    public Blocker {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }
}
