package io.flotilla.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.common.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterAvailabilityTest {
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final Duration D60 = Duration.ofSeconds(60);

  static Stream<Arguments> table() {
    return Stream.of(
        // renewed ago (null = never), lease, grace, lost, status, reason, recheckAt, message fragment
        Arguments.of(Duration.ZERO, D60, 5, false, Conditions.TRUE, "AgentHeartbeat", NOW.plusSeconds(300), "grace period 300 s"),
        Arguments.of(Duration.ofSeconds(299), D60, 5, false, Conditions.TRUE, "AgentHeartbeat", NOW.plusSeconds(1), "grace period 300 s"),
        Arguments.of(Duration.ofMillis(299_999), D60, 5, false, Conditions.TRUE, "AgentHeartbeat", NOW.plusMillis(1), null),
        Arguments.of(Duration.ofSeconds(300), D60, 5, false, Conditions.UNKNOWN, "AgentLeaseUpdateStopped", null,
            "Agent stopped renewing its lease 300 s ago (grace period 300 s)"),
        Arguments.of(Duration.ofSeconds(301), D60, 5, false, Conditions.UNKNOWN, "AgentLeaseUpdateStopped", null,
            "Agent stopped renewing its lease 301 s ago (grace period 300 s)"),
        Arguments.of(Duration.ofSeconds(4), Duration.ofSeconds(1), 3, false, Conditions.UNKNOWN, "AgentLeaseUpdateStopped", null,
            "Agent stopped renewing its lease 4 s ago (grace period 3 s)"),
        Arguments.of(Duration.ofSeconds(2), Duration.ofSeconds(1), 3, false, Conditions.TRUE, "AgentHeartbeat", NOW.plusSeconds(1), "grace period 3 s"),
        // renewTime in the future (clock skew): still available, expiry from the renew time
        Arguments.of(Duration.ofSeconds(-10), D60, 5, false, Conditions.TRUE, "AgentHeartbeat", NOW.plusSeconds(310), null),
        Arguments.of(null, D60, 5, false, Conditions.UNKNOWN, "AgentNeverConnected", null, "never renewed"),
        Arguments.of(Duration.ZERO, D60, 5, true, Conditions.UNKNOWN, "DeclaredLost", null, "declared lost"),
        Arguments.of(null, D60, 5, true, Conditions.UNKNOWN, "DeclaredLost", null, null));
  }

  @ParameterizedTest(name = "[{index}] renewed {0} ago, lease {1}, grace {2}, lost {3} -> {4} {5}")
  @MethodSource("table")
  void decides(Duration renewedAgo, Duration lease, int grace, boolean lost, String status, String reason,
               Instant recheckAt, String messageFragment) {
    Instant renewTime = renewedAgo == null ? null : NOW.minus(renewedAgo);
    var d = new ClusterAvailability(grace).decide(renewTime, lease, lost, NOW);
    assertThat(d.status()).isEqualTo(status);
    assertThat(d.reason()).isEqualTo(reason);
    assertThat(d.recheckAt()).isEqualTo(recheckAt);
    assertThat(d.available()).isEqualTo(Conditions.TRUE.equals(status));
    if (messageFragment != null) {
      assertThat(d.message()).contains(messageFragment);
    }
  }

  @Test
  void availableMessageIsStableAcrossRenewals() {
    var a = new ClusterAvailability();
    assertThat(a.decide(NOW.minusSeconds(1), D60, false, NOW).message())
        .isEqualTo(a.decide(NOW.minusSeconds(42), D60, false, NOW).message());
  }

  @Test
  void defaultsToFiveHeartbeats() {
    assertThat(new ClusterAvailability().gracePeriod(D60)).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new ClusterAvailability(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ClusterAvailability().decide(NOW, Duration.ZERO, false, NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
