package io.flotilla.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PauseStateTest {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  static HostedCluster hc(String pausedUntil, String reconciliationActive, String since) {
    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setNamespace("clusters");
    hc.getMetadata().setName("hc1");
    hc.getSpec().pausedUntil = pausedUntil;
    if (reconciliationActive != null) {
      hc.getStatus().conditions.add(new ConditionBuilder().withType(HostedCluster.RECONCILIATION_ACTIVE)
          .withStatus(reconciliationActive).withReason("ReconciliationPaused").withLastTransitionTime(since).build());
    }
    return hc;
  }

  @Test
  void trueOrAFutureDeadlinePausesAndThePauseDatesFromHyperShiftsCondition() {
    assertThat(PauseState.of(hc("true", "False", "2026-03-01T11:00:00Z"), NOW))
        .isEqualTo(new PauseState(true, Instant.parse("2026-03-01T11:00:00Z")));
    assertThat(PauseState.of(hc("2026-03-01T12:10:00Z", "False", "2026-03-01T11:59:00Z"), NOW))
        .isEqualTo(new PauseState(true, Instant.parse("2026-03-01T11:59:00Z")));
  }

  @Test
  void beforeHyperShiftReportsThePauseItsStartIsUnknown() {
    assertThat(PauseState.of(hc("True", null, null), NOW)).isEqualTo(new PauseState(true, null));
    // the condition still says active (HyperShift has not caught up)
    assertThat(PauseState.of(hc("true", "True", "2026-02-01T00:00:00Z"), NOW)).isEqualTo(new PauseState(true, null));
  }

  @Test
  void aPastDeadlineFalseOrGarbageDoesNotPause() {
    assertThat(PauseState.of(hc(null, null, null), NOW).paused()).isFalse();
    assertThat(PauseState.of(hc("2026-03-01T11:59:59Z", "False", "2026-03-01T11:00:00Z"), NOW).paused()).isFalse();
    assertThat(PauseState.of(hc("false", null, null), NOW).paused()).isFalse();
    assertThat(PauseState.of(hc("tomorrow", null, null), NOW).paused()).isFalse();
  }
}
