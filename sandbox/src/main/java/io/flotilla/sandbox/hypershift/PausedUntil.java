package io.flotilla.sandbox.hypershift;

import io.flotilla.api.foreign.hypershift.HostedCluster;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * HyperShift's interpretation of {@code spec.pausedUntil} (support/util/pausereconcile.go, docs/hypershift-facts.md §1.3):
 * "true"/"True" pauses until the field is removed; an RFC 3339 date pauses until then; "false", absent or a past date
 * means active; anything else is active with reason InvalidPausedUntilValue.
 */
record PausedUntil(boolean paused, String reason, String message, Optional<Instant> until) {
  static final String ACTIVE_MESSAGE = "Reconciliation active on resource";

  static PausedUntil evaluate(String value, Instant now) {
    if (value == null || value.equals("false") || value.equals("False")) {
      return active();
    }
    if (value.equals("true") || value.equals("True")) {
      return new PausedUntil(true, HostedCluster.REASON_PAUSED, "Reconciliation paused until field removed", Optional.empty());
    }
    Instant deadline;
    try {
      deadline = OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      return new PausedUntil(false, HostedCluster.REASON_INVALID_PAUSED_UNTIL,
          "Invalid value provided for PausedUntil field", Optional.empty());
    }
    if (deadline.isAfter(now)) {
      return new PausedUntil(true, HostedCluster.REASON_PAUSED, "Reconciliation paused until: " + value, Optional.of(deadline));
    }
    return active();
  }

  private static PausedUntil active() {
    return new PausedUntil(false, HostedCluster.REASON_AS_EXPECTED, ACTIVE_MESSAGE, Optional.empty());
  }

  String conditionStatus() { return paused ? "False" : "True"; }
}
