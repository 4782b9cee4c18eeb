package io.flotilla.hub.dr.policy;

import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.common.CronSchedule;
import io.flotilla.common.Time;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which backup of one hosted cluster gets a restore drill now, under its policy's {@code spec.verification}
 * (docs/backup-and-restore.md, "Restore drills"). Plain values in and out: the reconciler asks the agent for the drill
 * by setting the record's verify-requested annotation to a restore request; the agent runs it and answers in the
 * record's status, which comes back here as the backup's {@link Drill} state. Nothing is remembered between passes:
 * what was drilled and when is read from the records each time.
 *
 * <p><b>Every Nth.</b> Among the Completed backups the policy scheduled for the hosted cluster, in the hub's order: when
 * none has been drilled yet, the newest is. After that, a backup is due when it is the Nth after a drilled (or due)
 * one: N = 1 drills every backup, N = 3 every third. Counting runs from drilled backups, not from the start of the
 * list, so retention deleting old backups changes nothing; backups older than the oldest drilled one (taken before
 * drills were turned on) are never due. When drills fall behind (an agent down or slow), every due backup is still
 * drilled, the newest first, so the verified RPO recovers first.
 *
 * <p><b>Schedule.</b> At each time of the drill schedule, the newest Completed backup is drilled, unless a drill was
 * asked for at or after that time; the newest whose drill failed is passed over (drilling it again fails again).
 * Only the most recent time counts, as for a missed CronJob run.
 *
 * <p><b>One at a time.</b> While a drill of one of the hosted cluster's backups is asked for and not answered, no other
 * is asked for: an agent that is down or slow does not collect a queue of drills.
 */
public final class DrillPlan {
  private DrillPlan() {}

  /** How often the policy drills: exactly one of the two is set. */
  public record Cadence(Integer everyNth, CronSchedule schedule) {
    public Cadence {
      if ((everyNth == null) == (schedule == null)) {
        throw new IllegalArgumentException("exactly one of everyNth and schedule");
      }
      if (everyNth != null && everyNth < 1) {
        throw new IllegalArgumentException("everyNth must be at least 1, got " + everyNth);
      }
    }

    /**
     * The policy's cadence; empty without {@code spec.verification}.
     *
     * @throws IllegalArgumentException for a spec {@link PolicyValidation} refuses
     */
    public static Optional<Cadence> of(BackupPolicySpec spec) {
      BackupPolicySpec.Verification v = spec == null ? null : spec.verification;
      if (v == null) {
        return Optional.empty();
      }
      return Optional.of(new Cadence(v.everyNth, v.schedule == null ? null : CronSchedule.parse(v.schedule,
          spec.timeZone)));
    }
  }

  /** A backup's restore drill as its record tells it. */
  public enum Drill {
    /** never drilled (or its latest verification was a plain one) */
    NONE,
    /** a drill is asked for and not answered yet */
    REQUESTED,
    PASSED,
    FAILED
  }

  /**
   * One record of the hosted cluster that the policy scheduled.
   *
   * @param drillRequestedAt when its latest drill was asked for; null when never, or not readable
   */
  public record Backup(RetentionPlan.Backup record, Drill drill, Instant drillRequestedAt) {
    public Backup {
      Objects.requireNonNull(record, "record");
      Objects.requireNonNull(drill, "drill");
    }

    public String name() {
      return record.name();
    }
  }

  /**
   * @param drill        the backup to drill now; empty when none
   * @param reason       why, or why not, in a few words for the log
   * @param nextChangeAt when the answer changes with no new backup or drill (the next drill time); null when never
   */
  public record Decision(Optional<String> drill, String reason, Instant nextChangeAt) {
    static Decision none(String reason, Instant nextChangeAt) {
      return new Decision(Optional.empty(), reason, nextChangeAt);
    }

    static Decision drill(String backup, String reason, Instant nextChangeAt) {
      return new Decision(Optional.of(backup), reason, nextChangeAt);
    }
  }

  /**
   * @param backups       the records of one hosted cluster the policy scheduled, not being deleted
   * @param policyCreated no drill time before it counts (a new policy does not drill at once on a schedule)
   */
  public static Decision plan(Cadence cadence, Collection<Backup> backups, Instant policyCreated, Instant now) {
    List<Backup> completed = backups.stream().filter(b -> b.record().phase() == Phase.Completed)
        .sorted((a, b) -> RetentionPlan.NEWEST_FIRST.compare(a.record(), b.record())).toList();
    Instant next = cadence.schedule() == null ? null : cadence.schedule().nextAfter(now).orElse(null);
    Optional<Backup> requested = backups.stream().filter(b -> b.drill() == Drill.REQUESTED).findFirst();
    if (requested.isPresent()) {
      return Decision.none("the drill of " + requested.get().name() + " is not answered yet", next);
    }
    if (completed.isEmpty()) {
      return Decision.none("no Completed backup", next);
    }
    return cadence.everyNth() != null ? everyNth(cadence.everyNth(), completed)
        : onSchedule(cadence.schedule(), backups, completed, policyCreated, now, next);
  }

  /** @param completed newest first */
  private static Decision everyNth(int n, List<Backup> completed) {
    if (completed.stream().allMatch(b -> b.drill() == Drill.NONE)) {
      return Decision.drill(completed.get(0).name(), "no backup of the hosted cluster has been drilled yet", null);
    }
    // oldest first: count the backups after each drilled one; the Nth is due, and counting restarts from it
    Backup due = null;
    Backup dueAfter = null;
    Backup anchor = null;
    int after = 0;
    for (int i = completed.size() - 1; i >= 0; i--) {
      Backup b = completed.get(i);
      if (b.drill() != Drill.NONE) {
        anchor = b;
        after = 0;
      } else if (anchor != null && ++after == n) {
        due = b;
        dueAfter = anchor;
        anchor = b;
        after = 0;
      }
    }
    if (due != null) {
      return Decision.drill(due.name(), ordinal(n) + " backup after " + dueAfter.name() + " (every " + n + ")", null);
    }
    return Decision.none(after + " of " + n + " backups completed after the last drilled one, " + anchor.name(), null);
  }

  private static String ordinal(int n) {
    return n == 1 ? "the next" : "the " + n + (n % 10 == 2 && n % 100 != 12 ? "nd"
        : n % 10 == 3 && n % 100 != 13 ? "rd" : n % 10 == 1 && n % 100 != 11 ? "st" : "th");
  }

  private static Decision onSchedule(CronSchedule schedule, Collection<Backup> backups, List<Backup> completed,
                                     Instant policyCreated, Instant now, Instant next) {
    Optional<Instant> due = schedule.lastAtOrBefore(now);
    if (due.isEmpty() || (policyCreated != null && due.get().isBefore(policyCreated))) {
      return Decision.none("no drill time since the policy was created", next);
    }
    Optional<Instant> lastAsked = backups.stream().map(Backup::drillRequestedAt).filter(Objects::nonNull)
        .max(Instant::compareTo);
    if (lastAsked.isPresent() && !lastAsked.get().isBefore(due.get())) {
      return Decision.none("drilled at " + Time.format(lastAsked.get()) + ", since the drill time "
          + Time.format(due.get()), next);
    }
    return completed.stream().filter(b -> b.drill() != Drill.FAILED).findFirst()
        .map(b -> Decision.drill(b.name(), "drill time " + Time.format(due.get()), next))
        .orElse(Decision.none("every Completed backup failed its drill", next));
  }
}
