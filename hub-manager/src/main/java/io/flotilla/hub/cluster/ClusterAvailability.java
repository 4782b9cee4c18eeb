package io.flotilla.hub.cluster;

import io.flotilla.common.Conditions;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides a ManagementCluster's Available condition from its agent's heartbeat Lease, as OCM's lease
 * controller does (docs/ocm-facts.md §2.3): the cluster is Available while the lease was renewed within
 * {@code graceHeartbeats × leaseDuration}; afterwards it is Unknown (never False: an outage is not a failure),
 * and the controller re-checks exactly at the expiry instant. No Kubernetes client here.
 */
public final class ClusterAvailability {
  public static final int DEFAULT_GRACE_HEARTBEATS = 5;

  public static final String REASON_HEARTBEAT = "AgentHeartbeat";
  public static final String REASON_LEASE_UPDATE_STOPPED = "AgentLeaseUpdateStopped";
  public static final String REASON_NEVER_CONNECTED = "AgentNeverConnected";
  public static final String REASON_DECLARED_LOST = "DeclaredLost";

  /**
   * @param status    {@link Conditions#TRUE} or {@link Conditions#UNKNOWN}
   * @param recheckAt when the decision changes by itself (the lease expiry), or null if only a new event can change it
   */
  public record Decision(String status, String reason, String message, Instant recheckAt) {
    public boolean available() { return Conditions.TRUE.equals(status); }
  }

  private final int graceHeartbeats;

  public ClusterAvailability() { this(DEFAULT_GRACE_HEARTBEATS); }

  public ClusterAvailability(int graceHeartbeats) {
    if (graceHeartbeats < 1) {
      throw new IllegalArgumentException("graceHeartbeats must be at least 1, got " + graceHeartbeats);
    }
    this.graceHeartbeats = graceHeartbeats;
  }

  public int graceHeartbeats() { return graceHeartbeats; }

  /** The grace period for a lease duration: graceHeartbeats × leaseDuration. */
  public Duration gracePeriod(Duration leaseDuration) {
    return leaseDuration.multipliedBy(graceHeartbeats);
  }

  /**
   * @param renewTime     the Lease's renewTime, null if the agent never renewed (or no Lease exists)
   * @param leaseDuration the heartbeat interval the lease promises
   * @param lost          the cluster was declared lost by an operator (spec.lost)
   * @param now           the current time
   */
  public Decision decide(Instant renewTime, Duration leaseDuration, boolean lost, Instant now) {
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    Objects.requireNonNull(now, "now");
    if (leaseDuration.isNegative() || leaseDuration.isZero()) {
      throw new IllegalArgumentException("leaseDuration must be positive, got " + leaseDuration);
    }
    if (lost) {
      return new Decision(Conditions.UNKNOWN, REASON_DECLARED_LOST,
          "The cluster was declared lost (spec.lost=true); heartbeats are ignored", null);
    }
    Duration grace = gracePeriod(leaseDuration);
    if (renewTime == null) {
      return new Decision(Conditions.UNKNOWN, REASON_NEVER_CONNECTED,
          "The agent has never renewed its lease", null);
    }
    Instant expiry = renewTime.plus(grace);
    if (now.isBefore(expiry)) {
      // Stable message: it must not change with every renewal, or each heartbeat would rewrite the status.
      return new Decision(Conditions.TRUE, REASON_HEARTBEAT,
          "Agent is renewing its lease (grace period " + grace.toSeconds() + " s)", expiry);
    }
    long ago = Duration.between(renewTime, now).toSeconds();
    return new Decision(Conditions.UNKNOWN, REASON_LEASE_UPDATE_STOPPED,
        "Agent stopped renewing its lease " + ago + " s ago (grace period " + grace.toSeconds() + " s)", null);
  }
}
