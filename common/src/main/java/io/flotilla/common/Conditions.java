package io.flotilla.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * metav1.Condition bookkeeping in one place: lastTransitionTime moves only when the status changes,
 * as the Kubernetes API conventions require.
 */
public final class Conditions {
  private Conditions() {}

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /**
   * On an agent's record (backup, restore, pause, teardown): True while its work waits for another piece of work on the
   * same hosted cluster, the message naming the holder (spoke-agent's io.flotilla.agent.work.HostedClusterLocks).
   */
  public static final String WAITING = "Waiting";

  /** Sets (adds or replaces) a condition; returns true when anything changed. */
  public static boolean set(List<Condition> conditions, String type, String status, String reason, String message,
                            Long observedGeneration, Instant now) {
    Optional<Condition> existing = find(conditions, type);
    String transition = existing.filter(c -> Objects.equals(c.getStatus(), status))
        .map(Condition::getLastTransitionTime)
        .orElse(Time.format(now.truncatedTo(ChronoUnit.SECONDS)));
    Condition next = new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withObservedGeneration(observedGeneration).withLastTransitionTime(transition).build();
    if (existing.isPresent() && existing.get().equals(next)) {
      return false;
    }
    existing.ifPresent(conditions::remove);
    conditions.add(next);
    conditions.sort((a, b) -> a.getType().compareTo(b.getType()));
    return true;
  }

  /** Sets what a decision wants; see {@link #set(List, String, String, String, String, Long, Instant)}. */
  public static boolean set(List<Condition> conditions, DesiredCondition c, Long observedGeneration, Instant now) {
    return set(conditions, c.type(), c.status(), c.reason(), c.message(), observedGeneration, now);
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  public static String statusOf(List<Condition> conditions, String type) {
    return find(conditions, type).map(Condition::getStatus).orElse(UNKNOWN);
  }
}
