package io.flotilla.cli;

import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.common.SemanticVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where `addon rollback` goes when no --to is given: the newest version that worked before the one being rolled back
 * from. A rollback goes to a lower version (that is what makes the agent record it as a Rollback operation); going
 * up is a pin or a rollout, not a rollback.
 */
final class RollbackTarget {
  private RollbackTarget() {}

  /** What a cluster is rolled back from: the version its operation heads for, else the one installed. */
  static String from(ManagedAddOnStatus s) {
    if (s == null) {
      return null;
    }
    return s.operation != null && s.operation.toVersion != null ? s.operation.toVersion : s.currentVersion;
  }

  /**
   * The cluster's last-known-good version, else the newest version an operation succeeded to, else its previous
   * version: the first of them lower than {@link #from}.
   */
  static Optional<String> forCluster(ManagedAddOnStatus s) {
    String from = from(s);
    if (from == null) {
      return Optional.empty();
    }
    List<String> candidates = new ArrayList<>();
    candidates.add(s.lastKnownGoodVersion);
    List<Operation> operations = new ArrayList<>();
    if (s.operation != null) {
      operations.add(s.operation);
    }
    if (s.history != null) {
      operations.addAll(s.history); // newest first
    }
    for (Operation op : operations) {
      if (op != null && op.phase == Phase.Succeeded) {
        candidates.add(op.toVersion);
      }
    }
    candidates.add(s.previousVersion);
    return candidates.stream().filter(v -> isLower(v, from)).findFirst();
  }

  /** The fleet's last-known-good version when it is lower than the fleet's target. */
  static Optional<String> forFleet(FleetAddOn fleet) {
    String target = fleet.getSpec() == null ? null : fleet.getSpec().version;
    String good = fleet.getStatus() == null ? null : fleet.getStatus().lastKnownGoodVersion;
    return isLower(good, target) ? Optional.of(good) : Optional.empty();
  }

  /** {@code v} has lower precedence than {@code than}; false when either is missing or malformed. */
  static boolean isLower(String v, String than) {
    return v != null && than != null && SemanticVersion.isValid(v) && SemanticVersion.isValid(than)
        && SemanticVersion.compare(v, than) < 0;
  }
}
