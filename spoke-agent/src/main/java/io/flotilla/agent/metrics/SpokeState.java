package io.flotilla.agent.metrics;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.foreign.hypershift.HostedCluster;

import java.util.List;

/**
 * What the agent's metrics are derived from at one scrape: this cluster's backup records on the hub and the
 * HostedClusters on this management cluster.
 */
public record SpokeState(List<HostedClusterBackup> backups, List<HostedCluster> hostedClusters) {
  public SpokeState {
    backups = List.copyOf(backups);
    hostedClusters = List.copyOf(hostedClusters);
  }

  public static SpokeState empty() { return new SpokeState(List.of(), List.of()); }
}
