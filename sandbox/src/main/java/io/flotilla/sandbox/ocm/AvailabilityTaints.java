package io.flotilla.sandbox.ocm;

import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The taints OCM's hub taint controller keeps on a ManagedCluster from its Available condition (docs/ocm-facts.md
 * §I2.1, §I6.1): {@code unreachable} while Available is Unknown or missing, {@code unavailable} while it is False,
 * neither while it is True; both NoSelect. Every other taint is left as it is.
 *
 * <p>A taint is the same taint when key, value and effect match; its timeAdded is not compared. OCM's mutating
 * webhook stamps timeAdded on a new taint; the sandbox has no webhook, so a taint added here gets {@code now}.
 */
final class AvailabilityTaints {
  private AvailabilityTaints() {}

  /**
   * @param availableStatus the status of ManagedClusterConditionAvailable, null when the condition is missing
   * @return the taints to write, or empty when they are already right
   */
  static Optional<List<ManagedCluster.Taint>> next(List<ManagedCluster.Taint> current, String availableStatus,
                                                   Instant now) {
    List<ManagedCluster.Taint> taints = current == null ? new ArrayList<>() : new ArrayList<>(current);
    boolean changed;
    if (availableStatus == null || Conditions.UNKNOWN.equals(availableStatus)) {
      changed = remove(taints, ManagedCluster.TAINT_UNAVAILABLE);
      changed |= add(taints, ManagedCluster.TAINT_UNREACHABLE, now);
    } else if (Conditions.FALSE.equals(availableStatus)) {
      changed = remove(taints, ManagedCluster.TAINT_UNREACHABLE);
      changed |= add(taints, ManagedCluster.TAINT_UNAVAILABLE, now);
    } else if (Conditions.TRUE.equals(availableStatus)) {
      changed = remove(taints, ManagedCluster.TAINT_UNREACHABLE);
      changed |= remove(taints, ManagedCluster.TAINT_UNAVAILABLE);
    } else {
      changed = false;
    }
    return changed ? Optional.of(taints) : Optional.empty();
  }

  /** The automatic taint with that key: no value, effect NoSelect. */
  private static boolean isAutomatic(ManagedCluster.Taint t, String key) {
    return key.equals(t.key) && (t.value == null || t.value.isEmpty())
        && ManagedCluster.EFFECT_NO_SELECT.equals(t.effect);
  }

  private static boolean remove(List<ManagedCluster.Taint> taints, String key) {
    return taints.removeIf(t -> isAutomatic(t, key));
  }

  private static boolean add(List<ManagedCluster.Taint> taints, String key, Instant now) {
    if (taints.stream().anyMatch(t -> isAutomatic(t, key))) {
      return false;
    }
    ManagedCluster.Taint taint = new ManagedCluster.Taint();
    taint.key = key;
    taint.effect = ManagedCluster.EFFECT_NO_SELECT;
    taint.timeAdded = Time.format(Objects.requireNonNull(now));
    taints.add(taint);
    return true;
  }
}
