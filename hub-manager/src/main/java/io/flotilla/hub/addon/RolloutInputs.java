package io.flotilla.hub.addon;

import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.hub.addon.rollout.ClusterState;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns the API objects the hub reads into the planner's values. */
final class RolloutInputs {
  private RolloutInputs() {}

  /** A cluster whose Available condition is not True (Unknown, or never set) counts as Unknown. */
  static boolean available(ManagementCluster mc) {
    return mc.getStatus() != null && Conditions.isTrue(mc.getStatus().conditions, ManagementCluster.AVAILABLE);
  }

  static Map<String, String> labels(ManagementCluster mc) {
    Map<String, String> labels = mc.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  /** @param desiredVersion the desired version to plan from (the status's, or a newer one this hub wrote) */
  static ClusterState clusterState(ManagementCluster mc, ManagedAddOn m, String desiredVersion) {
    ManagedAddOnStatus s = m.getStatus() == null ? new ManagedAddOnStatus() : m.getStatus();
    List<ClusterState.Operation> history = new ArrayList<>();
    if (s.history != null) {
      for (ManagedAddOnStatus.Operation o : s.history) {
        if (o != null) {
          history.add(operation(o));
        }
      }
    }
    return new ClusterState(mc.getMetadata().getName(), labels(mc), available(mc),
        m.getSpec() == null ? null : m.getSpec().version,
        desiredVersion, s.currentVersion, s.lastKnownGoodVersion,
        s.operation == null ? null : operation(s.operation), history);
  }

  static ClusterState.Operation operation(ManagedAddOnStatus.Operation o) {
    return new ClusterState.Operation(o.type, o.phase, o.toVersion, instant(o.startedAt), instant(o.completedAt));
  }

  /** A malformed timestamp reads as absent: no deadline or soak is measured from it. */
  private static Instant instant(String rfc3339) {
    try {
      return Time.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
