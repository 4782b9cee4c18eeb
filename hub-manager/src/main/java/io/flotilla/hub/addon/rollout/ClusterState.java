package io.flotilla.hub.addon.rollout;

import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the planner knows about one placed cluster for one add-on: the cluster's labels and health, the ManagedAddOn's
 * pin, and the status both parties wrote (the hub's desiredVersion, the agent's versions and operations).
 *
 * @param name                 the ManagementCluster's name
 * @param labels               the ManagementCluster's labels (for rollout groups)
 * @param available            the ManagementCluster's Available condition is True; otherwise the cluster is Unknown
 * @param pin                  ManagedAddOn spec.version; null follows the fleet
 * @param desiredVersion       status.desiredVersion (hub-written); null before the hub first wrote it
 * @param currentVersion       status.currentVersion (agent-written)
 * @param lastKnownGoodVersion status.lastKnownGoodVersion (agent-written)
 * @param operation            status.operation, the newest operation; null if none yet
 * @param history              status.history, newest first (may or may not repeat {@code operation})
 */
public record ClusterState(String name, Map<String, String> labels, boolean available, String pin,
                           String desiredVersion, String currentVersion, String lastKnownGoodVersion,
                           Operation operation, List<Operation> history) {
  public ClusterState {
    Objects.requireNonNull(name, "name");
    labels = labels == null ? Map.of() : labels;
    pin = blankToNull(pin);
    history = history == null ? List.of() : history;
  }

  /** An available, unpinned cluster with no add-on status yet (a fresh placement). */
  public static ClusterState fresh(String name, Map<String, String> labels) {
    return new ClusterState(name, labels, true, null, null, null, null, null, List.of());
  }

  public boolean pinned() { return pin != null; }

  public ClusterState withAvailable(boolean a) {
    return new ClusterState(name, labels, a, pin, desiredVersion, currentVersion, lastKnownGoodVersion, operation, history);
  }

  public ClusterState withPin(String p) {
    return new ClusterState(name, labels, available, p, desiredVersion, currentVersion, lastKnownGoodVersion, operation, history);
  }

  public ClusterState withDesiredVersion(String d) {
    return new ClusterState(name, labels, available, pin, d, currentVersion, lastKnownGoodVersion, operation, history);
  }

  /** The agent's side of the status, replaced as a whole. */
  public ClusterState withAgentStatus(String current, String lastKnownGood, Operation op, List<Operation> hist) {
    return new ClusterState(name, labels, available, pin, desiredVersion, current, lastKnownGood, op, hist);
  }

  /** One add-on operation on the cluster, as the agent reports it. */
  public record Operation(Type type, Phase phase, String toVersion, Instant startedAt, Instant completedAt) {
    public static Operation inProgress(Type type, String to, Instant startedAt) {
      return new Operation(type, Phase.InProgress, to, startedAt, null);
    }

    public static Operation succeeded(Type type, String to, Instant startedAt, Instant completedAt) {
      return new Operation(type, Phase.Succeeded, to, startedAt, completedAt);
    }

    public static Operation failed(Type type, String to, Instant startedAt, Instant completedAt) {
      return new Operation(type, Phase.Failed, to, startedAt, completedAt);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
