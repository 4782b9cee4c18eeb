package io.flotilla.cli;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.cluster.v1alpha1.ManagementClusterStatus;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** The fleet table `flotilla status` and `sandbox demo` print: one row per management cluster. */
public final class FleetTable {
  private FleetTable() {}

  public static Table of(List<ManagementCluster> clusters, Instant now) {
    Table table = new Table("CLUSTER", "AVAILABLE", "HEARTBEAT", "AGENT", "HOSTED", "HOSTED CLUSTERS", "REASON");
    clusters.stream().sorted(Comparator.comparing(c -> c.getMetadata().getName())).forEach(c -> {
      ManagementClusterStatus s = c.getStatus() == null ? new ManagementClusterStatus() : c.getStatus();
      Instant heartbeat = Time.parse(s.lastHeartbeatTime);
      String available = c.getSpec() != null && c.getSpec().isLost() ? "Lost"
          : Conditions.statusOf(s.conditions, ManagementCluster.AVAILABLE);
      String reason = Conditions.find(s.conditions, ManagementCluster.AVAILABLE).map(x -> x.getReason()).orElse("");
      table.row(c.getMetadata().getName(), available,
          heartbeat == null ? "<never>" : Ages.of(Duration.between(heartbeat, now)) + " ago",
          s.agentVersion, s.hostedClusters == null ? 0 : s.hostedClusters,
          s.hostedClusterNames == null || s.hostedClusterNames.isEmpty() ? "-" : String.join(",", s.hostedClusterNames),
          reason);
    });
    return table;
  }
}
