package io.flotilla.agent.hostedcluster;

import io.flotilla.common.Time;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Pause bookkeeping for a backup (docs/architecture.md, flow 2, docs/hypershift-facts.md §1.3 and §6.1): which objects get a
 * {@code pausedUntil} deadline, and exactly what to put back afterwards. A plain decision, no client.
 *
 * <p>Rules:
 * <ul>
 *   <li>We only ever write an RFC 3339 deadline, never {@code "true"}, so a crashed agent cannot leave a cluster
 *       paused past the deadline.</li>
 *   <li>An object already paused at least until our deadline ({@code "true"}/{@code "True"}, or a later date) is
 *       left alone and not touched on resume: a cluster that was paused stays paused as it was.</li>
 *   <li>Otherwise the previous value (absent, {@code "false"}, a past date, an earlier date, or an invalid value) is
 *       recorded and restored verbatim on resume.</li>
 * </ul>
 *
 * @param deadline  the RFC 3339 deadline written to every object we pause
 * @param previous  object key (e.g. {@code HostedCluster/clusters/hc-1}) → the value to restore (null = remove the
 *                  field); only objects we changed are here
 */
public record PausePlan(String deadline, Map<String, String> previous) {
  public PausePlan {
    Objects.requireNonNull(deadline, "deadline");
    previous = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(previous));
  }

  /**
   * @param current object key → its current {@code spec.pausedUntil} (null when absent), in the order to pause
   */
  public static PausePlan plan(Map<String, String> current, Instant now, Duration maxPauseWindow) {
    if (maxPauseWindow.isNegative() || maxPauseWindow.isZero()) {
      throw new IllegalArgumentException("maxPauseWindow must be positive, got " + maxPauseWindow);
    }
    Instant deadline = now.plus(maxPauseWindow);
    Map<String, String> previous = new LinkedHashMap<>();
    current.forEach((key, value) -> {
      if (!pausedAtLeastUntil(value, deadline)) {
        previous.put(key, value);
      }
    });
    return new PausePlan(Time.format(deadline), previous);
  }

  /** The objects this plan pauses (and only these are resumed). */
  public java.util.Set<String> objectsToPause() { return previous.keySet(); }

  /** The value to restore on resume; empty when we did not touch the object. Optional of null is absent-field. */
  public Optional<Restore> restoreFor(String key) {
    return previous.containsKey(key) ? Optional.of(new Restore(previous.get(key))) : Optional.empty();
  }

  /** What resume writes back: {@code value == null} means remove {@code spec.pausedUntil}. */
  public record Restore(String value) {}

  /** Whether the object is paused in a way that already covers our whole window. */
  static boolean pausedAtLeastUntil(String pausedUntil, Instant deadline) {
    if (pausedUntil == null) {
      return false;
    }
    if (pausedUntil.equals("true") || pausedUntil.equals("True")) {
      return true;
    }
    try {
      Instant until = Time.parse(pausedUntil);
      return until != null && !until.isBefore(deadline);
    } catch (DateTimeParseException e) {
      return false; // "false", or garbage HyperShift reports as InvalidPausedUntilValue: not paused
    }
  }
}
