package io.flotilla.agent.hostedcluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PausePlanTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
  private static final Duration WINDOW = Duration.ofMinutes(10);
  private static final String HC = "HostedCluster/clusters/hc-1";

  /** previous value → do we pause it, and what comes back. "<absent>" is a missing field. */
  @ParameterizedTest(name = "pausedUntil={0} -> paused by us: {1}")
  @CsvSource({
      "<absent>,                true",
      "false,                   true",
      "False,                   true",
      "2026-11-21T09:00:00Z,    true",   // a past date: not paused; restored verbatim
      "2026-11-21T10:05:00Z,    true",   // paused, but not for our whole window: extend, then put the date back
      "not-a-date,              true",   // HyperShift: InvalidPausedUntilValue, i.e. not paused
      "true,                    false",  // paused until removed: leave exactly as it is
      "True,                    false",
      "2026-11-21T10:10:00Z,    false",  // paused until exactly our deadline already
      "2026-11-22T00:00:00Z,    false",  // paused longer than our window
  })
  void decidesWhatToPauseAndRecordsWhatToPutBack(String before, boolean pausedByUs) {
    String value = "<absent>".equals(before) ? null : before;
    Map<String, String> current = new HashMap<>();
    current.put(HC, value);

    PausePlan plan = PausePlan.plan(current, NOW, WINDOW);

    assertThat(plan.deadline()).isEqualTo("2026-11-21T10:10:00Z").doesNotContain("true");
    assertThat(plan.objectsToPause().contains(HC)).isEqualTo(pausedByUs);
    if (pausedByUs) {
      assertThat(plan.restoreFor(HC)).hasValue(new PausePlan.Restore(value));
    } else {
      assertThat(plan.restoreFor(HC)).isEmpty();
    }
  }

  @Test
  void keepsTheOrderOfObjectsAndTreatsEachOnItsOwn() {
    Map<String, String> current = new LinkedHashMap<>();
    current.put(HC, null);
    current.put("NodePool/clusters/hc-1-workers", "true");
    current.put("NodePool/clusters/hc-1-infra", "2026-11-21T09:59:59Z");

    PausePlan plan = PausePlan.plan(current, NOW, WINDOW);

    assertThat(plan.objectsToPause()).containsExactly(HC, "NodePool/clusters/hc-1-infra");
    assertThat(plan.restoreFor("NodePool/clusters/hc-1-infra")).hasValue(new PausePlan.Restore("2026-11-21T09:59:59Z"));
    assertThat(plan.restoreFor("NodePool/clusters/hc-1-workers")).isEmpty();
  }

  @Test
  void refusesAWindowThatIsNotPositive() {
    assertThatThrownBy(() -> PausePlan.plan(Map.of(), NOW, Duration.ZERO)).hasMessageContaining("maxPauseWindow");
  }
}
