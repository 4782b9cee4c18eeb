package io.flotilla.hub;

import io.flotilla.api.common.PlacementRef;
import io.flotilla.hub.cluster.ClusterAvailability;
import io.flotilla.hub.cluster.ocm.ClusterSource;
import io.flotilla.hub.dr.migration.MigrationPlanner;

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
 * @param clusterSource         where ManagementClusters come from ({@link ClusterSource}); {@link #defaults()} says auto
 * @param clusterPlacement      with OCM: a Placement whose decisions also make ManagementClusters; null for none
 * @param reimportTimeout       with OCM: how long a migration waits for its hosted cluster's ManagedCluster to be
 *                              imported again from the destination before it records a timeout
 */
public record HubManagerConfig(int graceHeartbeats, Duration defaultLeaseDuration, String leaseNamespace,
                               String identity, boolean leaderElection, boolean exitOnLostLeadership,
                               ClusterSource clusterSource, PlacementRef clusterPlacement, Duration reimportTimeout) {
  public HubManagerConfig {
    if (graceHeartbeats < 1) {
      throw new IllegalArgumentException("graceHeartbeats must be at least 1, got " + graceHeartbeats);
    }
    Objects.requireNonNull(defaultLeaseDuration, "defaultLeaseDuration");
    Objects.requireNonNull(leaseNamespace, "leaseNamespace");
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(clusterSource, "clusterSource");
    Objects.requireNonNull(reimportTimeout, "reimportTimeout");
    if (reimportTimeout.isNegative() || reimportTimeout.isZero()) {
      throw new IllegalArgumentException("reimportTimeout must be positive, got " + reimportTimeout);
    }
  }

  /**
   * Standalone: ManagementClusters only from {@code flotilla cluster add}. The constructor in-process hubs (the
   * sandbox, the e2e fleets) have always used; they opt in to OCM with {@link #withClusterSource}.
   */
  public HubManagerConfig(int graceHeartbeats, Duration defaultLeaseDuration, String leaseNamespace, String identity,
                          boolean leaderElection, boolean exitOnLostLeadership) {
    this(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection, exitOnLostLeadership,
        ClusterSource.STANDALONE, null, MigrationPlanner.DEFAULT_REIMPORT_TIMEOUT);
  }

  /** The deployable's defaults: cluster source auto (OCM when the hub serves ManagedClusters). */
  public static HubManagerConfig defaults() {
    return new HubManagerConfig(ClusterAvailability.DEFAULT_GRACE_HEARTBEATS, Duration.ofSeconds(60),
        "flotilla-system", hostname(), true, true, ClusterSource.AUTO, null, MigrationPlanner.DEFAULT_REIMPORT_TIMEOUT);
  }

  public HubManagerConfig withGraceHeartbeats(int n) {
    return new HubManagerConfig(n, defaultLeaseDuration, leaseNamespace, identity, leaderElection, exitOnLostLeadership,
        clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withLeaseNamespace(String ns) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, ns, identity, leaderElection,
        exitOnLostLeadership, clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withIdentity(String id) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, id, leaderElection,
        exitOnLostLeadership, clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withLeaderElection(boolean on) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, on,
        exitOnLostLeadership, clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withExitOnLostLeadership(boolean exit) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection, exit,
        clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withDefaultLeaseDuration(Duration d) {
    return new HubManagerConfig(graceHeartbeats, d, leaseNamespace, identity, leaderElection, exitOnLostLeadership,
        clusterSource, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withClusterSource(ClusterSource source) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection,
        exitOnLostLeadership, source, clusterPlacement, reimportTimeout);
  }

  public HubManagerConfig withClusterPlacement(PlacementRef placement) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection,
        exitOnLostLeadership, clusterSource, placement, reimportTimeout);
  }

  public HubManagerConfig withReimportTimeout(Duration timeout) {
    return new HubManagerConfig(graceHeartbeats, defaultLeaseDuration, leaseNamespace, identity, leaderElection,
        exitOnLostLeadership, clusterSource, clusterPlacement, timeout);
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
