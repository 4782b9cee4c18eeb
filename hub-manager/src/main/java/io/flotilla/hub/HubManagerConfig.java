package io.flotilla.hub;

import io.flotilla.hub.cluster.ClusterAvailability;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * @param graceHeartbeats       missed heartbeats before a cluster becomes Unknown (OCM: 5)
 * @param defaultLeaseDuration  heartbeat interval assumed when neither the cluster nor its lease says
 * @param leaseNamespace        namespace of the leader-election Lease {@value HubManager#LEADER_LEASE}
 * @param identity              this instance's leader-election identity
 * @param leaderElection        elect a leader (off: this instance always reconciles)
 * @param exitOnLostLeadership  System.exit(1) when leadership is lost (JOSDK's default); false for in-process use
 */
public record HubManagerConfig(int graceHeartbeats, Duration defaultLeaseDuration, String leaseNamespace,
                               String identity, boolean leaderElection, boolean exitOnLostLeadership) {
  public HubManagerConfig {
    if (graceHeartbeats < 1) {
      throw new IllegalArgumentException("graceHeartbeats must be at least 1, got " + graceHeartbeats);
    }
    Objects.requireNonNull(defaultLeaseDuration, "defaultLeaseDuration");
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(identity, "identity");
  }

  public static HubManagerConfig defaults() {
    return new HubManagerConfig(ClusterAvailability.DEFAULT_GRACE_HEARTBEATS, Duration.ofSeconds(60),
        "flotilla-system", hostname(), true, true);
  }

  public HubManagerConfig withGraceHeartbeats(int n) {
    return new HubManagerConfig(n, defaultLeaseDuration, leaseNamespace, identity, leaderElection, exitOnLostLeadership);
  }

  public HubManagerConfig withLeaseNamespace(String ns) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, ns, identity, leaderElection, exitOnLostLeadership);
  }

  public HubManagerConfig withIdentity(String id) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, id, leaderElection, exitOnLostLeadership);
  }

  public HubManagerConfig withLeaderElection(boolean on) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, on, exitOnLostLeadership);
  }

  public HubManagerConfig withExitOnLostLeadership(boolean exit) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection, exit);
  }

  public HubManagerConfig withDefaultLeaseDuration(Duration d) {
    return new HubManagerConfig(graceHeartbeats, d, leaseNamespace, identity, leaderElection, exitOnLostLeadership);
  }

  static String hostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "flotilla-hub-manager";
    }
  }
}
