package io.flotilla.agent.metrics;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.foreign.hypershift.HostedCluster;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Whether a HostedCluster is paused now, and since when (docs/hypershift-facts.md §1.3). Paused: {@code spec.pausedUntil} is
 * {@code "true"} or a deadline still ahead; a past deadline, {@code "false"} or an invalid value does not pause.
 * Since: when HyperShift's ReconciliationActive condition turned False, if it says so; otherwise unknown (HyperShift
 * has not reported the pause yet), and {@code since} is null.
 */
record PauseState(boolean paused, Instant since) {
  static final PauseState NOT_PAUSED = new PauseState(false, null);

  static PauseState of(HostedCluster hc, Instant now) {
    String until = hc.getSpec() == null ? null : hc.getSpec().pausedUntil;
    if (!pausesAt(until, now)) {
      return NOT_PAUSED;
    }
    var conditions = hc.getStatus() == null ? null : hc.getStatus().conditions;
    Instant since = Conditions.find(conditions, HostedCluster.RECONCILIATION_ACTIVE)
        .filter(c -> Conditions.FALSE.equals(c.getStatus()))
        .map(Condition::getLastTransitionTime)
        .map(PauseState::instant)
        .filter(t -> !t.isAfter(now))
        .orElse(null);
    return new PauseState(true, since);
  }

  static boolean pausesAt(String pausedUntil, Instant now) {
    if (pausedUntil == null) {
      return false;
    }
    if (pausedUntil.equals("true") || pausedUntil.equals("True")) {
      return true;
    }
    Instant deadline = instant(pausedUntil);
    return deadline != null && deadline.isAfter(now);
  }

  private static Instant instant(String rfc3339) {
    try {
      return Time.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
