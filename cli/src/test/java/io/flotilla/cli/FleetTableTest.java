package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FleetTableTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

  @Test
  void showsAvailabilityHeartbeatAgeAndHostedClustersSortedByName() {
    String table = FleetTable.of(List.of(
        cluster("mc-2", "Unknown", "AgentLeaseUpdateStopped", "2026-11-21T09:57:30Z", List.of()),
        cluster("mc-1", "True", "AgentHeartbeat", "2026-11-21T09:59:58Z", List.of("clusters/hc-1", "clusters/hc-2"))),
        NOW).render();

    List<String> lines = table.lines().toList();
    assertThat(lines.get(0)).startsWith("CLUSTER").contains("AVAILABLE", "HEARTBEAT", "HOSTED CLUSTERS");
    assertThat(lines.get(1)).startsWith("mc-1").contains("True", "2s ago", "clusters/hc-1,clusters/hc-2");
    assertThat(lines.get(2)).startsWith("mc-2").contains("Unknown", "2m30s ago", "AgentLeaseUpdateStopped");
    // Columns line up: AVAILABLE starts at the same offset in every row.
    int column = lines.get(0).indexOf("AVAILABLE");
    assertThat(lines.get(1).substring(column)).startsWith("True");
    assertThat(lines.get(2).substring(column)).startsWith("Unknown");
  }

  @Test
  void aClusterThatNeverReportedShowsNever() {
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName("mc-9");
    assertThat(FleetTable.of(List.of(mc), NOW).render()).contains("mc-9", "Unknown", "<never>");
  }

  @Test
  void aLostClusterSaysSo() {
    ManagementCluster mc = cluster("mc-3", "Unknown", "AgentLeaseUpdateStopped", "2026-11-21T09:00:00Z", List.of());
    mc.getSpec().lost = true;
    assertThat(FleetTable.of(List.of(mc), NOW).render().lines().skip(1).findFirst().orElseThrow()).contains("Lost");
  }

  private static ManagementCluster cluster(String name, String available, String reason, String heartbeat,
                                           List<String> hosted) {
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getStatus().conditions.add(new ConditionBuilder().withType("Available").withStatus(available).withReason(reason)
        .withMessage("m").withLastTransitionTime(heartbeat).build());
    mc.getStatus().lastHeartbeatTime = heartbeat;
    mc.getStatus().hostedClusters = hosted.size();
    mc.getStatus().hostedClusterNames = hosted;
    mc.getStatus().agentVersion = "0.1.0";
    return mc;
  }
}
