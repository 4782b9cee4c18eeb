package io.flotilla.hub.cluster.ocm;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.hub.cluster.ClusterAvailability;
import io.flotilla.hub.cluster.ocm.OcmAvailability.Ocm;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OcmAvailabilityTest {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final ClusterAvailability AVAILABILITY = new ClusterAvailability();
  static final Duration LEASE = Duration.ofSeconds(60);

  static ClusterAvailability.Decision agent(String lease, boolean lost) {
    Instant renewed = switch (lease) {
      case "fresh" -> NOW.minusSeconds(30);
      case "stale" -> NOW.minus(Duration.ofMinutes(10));
      default -> null;
    };
    return AVAILABILITY.decide(renewed, LEASE, lost, NOW);
  }

  static final Ocm TRUE = new Ocm("True", "ManagedClusterAvailable", "Managed cluster is available");
  static final Ocm FALSE = new Ocm("False", "ManagedClusterKubeAPIServerUnavailable", "/livez answered 500");
  static final Ocm UNKNOWN = new Ocm("Unknown", "ManagedClusterLeaseUpdateStopped",
      "Registration agent stopped updating its lease.");

  /** OCM's Available × the agent's heartbeat → the ManagementCluster's Available and reason. */
  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("both say so: Available", TRUE, "fresh", false, "True", "AgentHeartbeat", true),
        Arguments.of("OCM sees it, the agent stopped: Unknown, the agent's reason", TRUE, "stale", false, "Unknown",
            "AgentLeaseUpdateStopped", false),
        Arguments.of("OCM sees it, the agent never came", TRUE, "never", false, "Unknown", "AgentNeverConnected",
            false),
        Arguments.of("OCM lost it, the agent still renews: Unknown, OCM's reason", UNKNOWN, "fresh", false, "Unknown",
            "ManagedClusterLeaseUpdateStopped", false),
        Arguments.of("both lost it: Unknown, OCM's reason", UNKNOWN, "stale", false, "Unknown",
            "ManagedClusterLeaseUpdateStopped", false),
        Arguments.of("OCM reports its API server failing: False, whatever the agent says", FALSE, "fresh", false,
            "False", "ManagedClusterKubeAPIServerUnavailable", false),
        Arguments.of("OCM False, the agent stopped too: False", FALSE, "stale", false, "False",
            "ManagedClusterKubeAPIServerUnavailable", false),
        Arguments.of("OCM has not reported yet: Unknown", Ocm.NOT_REPORTED, "fresh", false, "Unknown",
            OcmAvailability.REASON_OCM_NOT_REPORTED, false),
        Arguments.of("OCM Unknown without a usable reason", new Ocm("Unknown", "no reason here", null), "fresh", false,
            "Unknown", OcmAvailability.REASON_OCM_UNKNOWN, false),
        Arguments.of("no ManagedCluster: the agent alone", null, "fresh", false, "True", "AgentHeartbeat", true),
        Arguments.of("no ManagedCluster, the agent stopped", null, "stale", false, "Unknown", "AgentLeaseUpdateStopped",
            false),
        Arguments.of("declared lost: lost, whatever OCM says", TRUE, "fresh", true, "Unknown", "DeclaredLost", false),
        Arguments.of("declared lost, OCM False", FALSE, "fresh", true, "Unknown", "DeclaredLost", false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void availableOnlyWhenOcmAndTheAgentBothSaySo(String name, Ocm ocm, String lease, boolean lost, String status,
                                                String reason, boolean recheck) {
    ClusterAvailability.Decision d = OcmAvailability.combine(agent(lease, lost), lost, ocm);
    assertThat(d.status()).isEqualTo(status);
    assertThat(d.reason()).isEqualTo(reason);
    // only the agent's lease expires by itself; OCM's condition changes come as events
    assertThat(d.recheckAt() != null).isEqualTo(recheck);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theMessageSaysWhatOcmSaid(String name, Ocm ocm, String lease, boolean lost, String status, String reason,
                                 boolean recheck) {
    ClusterAvailability.Decision d = OcmAvailability.combine(agent(lease, lost), lost, ocm);
    if (ocm != null && !lost && !"True".equals(ocm.status())) {
      assertThat(d.message()).startsWith("OCM ").contains("; the agent: ");
      if (ocm.message() != null) {
        assertThat(d.message()).contains(ocm.message());
      }
    }
  }
}
