package io.flotilla.hub.dr.policy;

import io.flotilla.common.CronSchedule;
import io.flotilla.common.Durations;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * RPO compliance of the hosted clusters one policy backs up: is each one's newest Completed backup recent enough for
 * the policy's schedule? No client here.
 *
 * <p><b>Target.</b> A hosted cluster is compliant when the age of its newest Completed backup (any backup of it in its
 * cluster's namespace, scheduled or on demand) is at most the schedule's interval plus a grace. The grace is the
 * policy's maxPauseWindow ({@value #DEFAULT_GRACE_TEXT} when unset, the agent's default): a scheduled backup pauses the
 * hosted cluster for at most that long and the snapshot is taken inside the pause, so a backup that starts on time
 * completes within it (or fails); just before the next backup completes the previous one is then at most one interval
 * plus that old. A fixed fraction of the interval would be too lax for daily schedules and too strict for second-level
 * demo schedules; the pause window is the bound the backup itself works to.
 *
 * <p><b>Interval.</b> The schedule's interval is read at {@code now - grace} ({@link CronSchedule#intervalAt}): for an
 * irregular schedule (weekdays only) that is the gap whose backup should have completed by now, so a Friday backup
 * covers the weekend, and on Monday the 24-hour target applies only once Monday's backup is due. On days the zone's
 * clock skips the scheduled time the interval is what the agent's schedule (the same {@link CronSchedule}) does.
 *
 * <p><b>No backup yet.</b> Compliant until the policy's first scheduled time after its creation plus the grace,
 * non-compliant after: a policy gets one run to produce each hosted cluster's first backup. A hosted cluster that
 * joins an older policy is non-compliant until its first backup completes.
 */
public final class RpoCompliance {
  private RpoCompliance() {}

  public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);
  static final String DEFAULT_GRACE_TEXT = "10m";

  /** The grace the policy allows: its maxPauseWindow, else {@link #DEFAULT_GRACE}. */
  public static Duration grace(BackupPolicySpec spec) {
    return Durations.parseOr(spec == null ? null : spec.maxPauseWindow, DEFAULT_GRACE);
  }

  /**
   * One hosted cluster the policy backs up and its newest Completed backup.
   *
   * @param newestBackup            name of the newest Completed record; null when there is none
   * @param newestBackupCompletedAt its completion time; null when there is none
   */
  public record Subject(SchedulePlacement.Target target, String newestBackup, Instant newestBackupCompletedAt) {
    public Subject {
      Objects.requireNonNull(target, "target");
    }
  }

  /**
   * @param age       of the newest Completed backup; null when there is none
   * @param deadline  when the entry stops being compliant if no newer backup completes (null when it is not compliant)
   */
  public record Entry(SchedulePlacement.Target target, String newestBackup, Instant newestBackupCompletedAt,
                      Duration age, boolean compliant, Instant deadline) {}

  /**
   * @param entries           non-compliant first, then oldest backup first (no backup counts as oldest)
   * @param target            interval + grace: the age a newest backup may reach now
   * @param oldestNewestAge   the largest age among entries with a backup; null when none has one
   * @param nextChangeAt      the earliest deadline among compliant entries: when the report changes with no new backup;
   *                          null when none is compliant
   */
  public record Report(List<Entry> entries, int compliant, int total, Duration interval, Duration grace,
                       Duration target, Duration oldestNewestAge, Instant nextChangeAt) {}

  /** Oldest first with non-compliant entries ahead: what an operator scans first. */
  static final Comparator<Entry> WORST_FIRST = Comparator.comparing(Entry::compliant)
      .thenComparing(Entry::newestBackupCompletedAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Entry::target);

  /**
   * @param policyCreated the policy's creation time (first backups are due one run after it)
   * @throws IllegalStateException if the schedule never fires ({@link PolicyValidation} refuses such a policy)
   */
  public static Report evaluate(CronSchedule schedule, Duration grace, Instant policyCreated,
                                List<Subject> subjects, Instant now) {
    Duration interval = schedule.intervalAt(now.minus(grace));
    Duration target = interval.plus(grace);
    Instant firstDue = policyCreated == null ? null
        : schedule.nextAfter(policyCreated).map(t -> t.plus(grace)).orElse(null);
    List<Entry> entries = new ArrayList<>();
    int compliant = 0;
    Duration oldest = null;
    Instant nextChange = null;
    for (Subject s : subjects) {
      Entry e;
      if (s.newestBackupCompletedAt() == null) {
        boolean pending = firstDue != null && !now.isAfter(firstDue);
        e = new Entry(s.target(), null, null, null, pending, pending ? firstDue : null);
      } else {
        Duration age = Duration.between(s.newestBackupCompletedAt(), now);
        if (age.isNegative()) { // the agent's clock runs ahead of the hub's
          age = Duration.ZERO;
        }
        boolean ok = age.compareTo(target) <= 0;
        e = new Entry(s.target(), s.newestBackup(), s.newestBackupCompletedAt(), age, ok,
            ok ? s.newestBackupCompletedAt().plus(target) : null);
        oldest = oldest == null || age.compareTo(oldest) > 0 ? age : oldest;
      }
      if (e.compliant()) {
        compliant++;
        nextChange = nextChange == null || e.deadline().isBefore(nextChange) ? e.deadline() : nextChange;
      }
      entries.add(e);
    }
    entries.sort(WORST_FIRST);
    return new Report(List.copyOf(entries), compliant, entries.size(), interval, grace, target, oldest, nextChange);
  }
}
