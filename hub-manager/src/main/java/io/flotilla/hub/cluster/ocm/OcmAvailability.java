package io.flotilla.hub.cluster.ocm;

import io.flotilla.common.Conditions;
import io.flotilla.hub.cluster.ClusterAvailability;

import java.util.Objects;

/**
 * A ManagementCluster's Available on an OCM hub, from two witnesses: Flotilla's agent (its heartbeat Lease,
 * {@link ClusterAvailability}) and OCM (the ManagedCluster's ManagedClusterConditionAvailable, docs/ocm-facts.md
 * §I2.1). No Kubernetes client here. The rule, first match wins:
 *
 * <ol>
 *   <li>declared lost (spec.lost) or no ManagedCluster of that name: the agent's decision alone;</li>
 *   <li>OCM says False: <b>False</b>, with OCM's reason. The klusterlet reached the hub and reported the cluster's API
 *       server failing: that is a report of a failure, not a silence, so it is the one case a ManagementCluster is
 *       False (an agent that merely stopped renewing stays Unknown, docs/architecture.md flow 1);</li>
 *   <li>OCM says Unknown, or has not said: <b>Unknown</b>, with OCM's reason, even while the agent's heartbeat is fresh.
 *       OCM then taints the cluster unreachable, placements drop it and its add-ons (Flotilla's agent among them) get
 *       no updates (docs/ocm-facts.md §I2.1, §I1.6); a cluster the hub's cluster manager cannot see is not one to
 *       start a rollout on;</li>
 *   <li>OCM says True: the agent's decision: Available while its lease is fresh, Unknown once it stopped (the cluster
 *       answers OCM, but Flotilla's agent on it does not).</li>
 * </ol>
 * So the cluster is Available only when both witnesses say so, and the reason names the one that does not.
 */
public final class OcmAvailability {
  /** OCM has written no Available condition yet (its taint controller counts that as unreachable, §I2.1). */
  public static final String REASON_OCM_NOT_REPORTED = "ManagedClusterAvailabilityNotReported";
  /** OCM's reason when it gives none, or one that is not a condition reason. */
  public static final String REASON_OCM_UNKNOWN = "ManagedClusterAvailabilityUnknown";
  public static final String REASON_OCM_UNAVAILABLE = "ManagedClusterUnavailable";

  private static final String REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

  private OcmAvailability() {}

  /**
   * ManagedClusterConditionAvailable as OCM wrote it; every field null when it has written none.
   *
   * @param status True, False or Unknown
   */
  public record Ocm(String status, String reason, String message) {
    public static final Ocm NOT_REPORTED = new Ocm(null, null, null);
  }

  /**
   * @param agent the agent's decision ({@link ClusterAvailability#decide})
   * @param lost  the cluster is declared lost (spec.lost)
   * @param ocm   the ManagedCluster's Available; null when there is no ManagedCluster of that name
   */
  public static ClusterAvailability.Decision combine(ClusterAvailability.Decision agent, boolean lost, Ocm ocm) {
    Objects.requireNonNull(agent, "agent");
    if (lost || ocm == null) {
      return agent;
    }
    if (Conditions.FALSE.equals(ocm.status())) {
      return new ClusterAvailability.Decision(Conditions.FALSE, reason(ocm, REASON_OCM_UNAVAILABLE),
          "OCM reports the cluster unavailable" + said(ocm) + "; the agent: " + agent.message(), null);
    }
    if (!Conditions.TRUE.equals(ocm.status())) {
      String reason = ocm.status() == null ? REASON_OCM_NOT_REPORTED : reason(ocm, REASON_OCM_UNKNOWN);
      String what = ocm.status() == null ? "OCM has not reported the cluster's availability yet"
          : "OCM cannot tell whether the cluster is available" + said(ocm);
      return new ClusterAvailability.Decision(Conditions.UNKNOWN, reason, what + "; the agent: " + agent.message(),
          null);
    }
    return agent;
  }

  private static String reason(Ocm ocm, String fallback) {
    return ocm.reason() != null && ocm.reason().matches(REASON_PATTERN) ? ocm.reason() : fallback;
  }

  private static String said(Ocm ocm) {
    String reason = ocm.reason() == null || ocm.reason().isBlank() ? "" : ocm.reason();
    String message = ocm.message() == null || ocm.message().isBlank() ? "" : ocm.message();
    String both = reason.isEmpty() ? message : message.isEmpty() ? reason : reason + ": " + message;
    return both.isEmpty() ? "" : " (" + both + ")";
  }
}
