package io.flotilla.common;

import java.time.Duration;
import java.util.Optional;

/**
 * The bounds of a backup's pause window ({@code maxPauseWindow}): the longest a hosted cluster's reconciliation (and,
 * with quiesce, its API) may stand still for one snapshot. One rule for the hub's validation (webhook and policy
 * status), the CLI and the agent, which enforces it again because webhooks can be bypassed.
 *
 * <p>Why an upper bound: the pause is a deadline HyperShift honours by itself (docs/hypershift-facts.md §1.3), so a
 * window of days would leave a crashed agent's hosted cluster unreconciled for days. An hour covers a snapshot of
 * several GiB at a slow store; a snapshot still streaming when its window ends fails ({@code PauseExpired}) rather
 * than be taken from a cluster that resumed under it.
 */
public final class PauseWindow {
  private PauseWindow() {}

  public static final Duration DEFAULT = Duration.ofMinutes(10);
  public static final Duration MAX = Duration.ofHours(1);

  /** Why {@code value} is not a pause window, or empty (null = unset = {@link #DEFAULT}). */
  public static Optional<String> problem(String field, String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    Optional<String> notPositive = Durations.positiveProblem(field, value);
    if (notPositive.isPresent()) {
      return notPositive;
    }
    Duration d = Durations.parse(value);
    if (d.compareTo(MAX) > 0) {
      return Optional.of(field + " must be at most " + Durations.format(MAX) + ", got " + value
          + " (a paused hosted cluster is not reconciled; a longer window leaves it so after a crash)");
    }
    return Optional.empty();
  }

  /** The window {@code value} asks for, {@link #DEFAULT} when unset; throws with {@link #problem}'s message. */
  public static Duration parse(String field, String value) {
    Optional<String> problem = problem(field, value);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return value == null || value.isBlank() ? DEFAULT : Durations.parse(value);
  }
}
