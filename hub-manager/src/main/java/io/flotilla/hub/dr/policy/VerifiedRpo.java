package io.flotilla.hub.dr.policy;

import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.common.CronSchedule;
import io.flotilla.common.Durations;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The verified RPO of the hosted clusters one policy backs up: the age of each one's newest backup whose restore
 * drill passed, against a target (docs/backup-and-restore.md, "Restore drills"). The RPO ({@link RpoCompliance}) says
 * how much would be lost if the newest backup restores; this says how much would be lost counting only backups
 * known to restore. No client here.
 *
 * <p><b>Target.</b> {@code spec.verification.maxVerifiedAge} when set. Otherwise what the drill cadence allows, with the
 * RPO's grace (maxPauseWindow) counted twice, once for the backup and once for its drill:
 * <ul>
 *   <li>every Nth backup: N backup intervals + 2 × grace (drilled backups are N intervals apart);</li>
 *   <li>a drill schedule: its interval + the backup interval + 2 × grace (at a drill time the newest backup may be an
 *       interval plus the grace old, and the next drill is one drill interval later).</li>
 * </ul>
 * Intervals are read at {@code now - grace}, as the RPO's.
 *
 * <p><b>No drilled backup yet.</b> Compliant until the policy's creation plus the target, non-compliant after.
 */
public final class VerifiedRpo {
  private VerifiedRpo() {}

  /**
   * @param newestVerifiedBackup            name of the newest Completed record whose latest drill passed; null: none
   * @param newestVerifiedBackupCompletedAt its completion; null when there is none
   */
  public record Subject(SchedulePlacement.Target target, String newestVerifiedBackup,
                        Instant newestVerifiedBackupCompletedAt) {
    public Subject {
      Objects.requireNonNull(target, "target");
    }
  }

  /** @param deadline when the entry stops being compliant without a newer drilled backup; null when it is not */
  public record Entry(SchedulePlacement.Target target, String newestVerifiedBackup,
                      Instant newestVerifiedBackupCompletedAt, Duration age, boolean compliant, Instant deadline) {}

  /**
   * @param entries         non-compliant first, then oldest first (no drilled backup counts as oldest)
   * @param oldestAge       the largest age among entries with a drilled backup: the policy's verified RPO
   * @param nextChangeAt    the earliest deadline among compliant entries; null when none is compliant
   */
  public record Report(List<Entry> entries, int compliant, int total, Duration target, Duration oldestAge,
                       Instant nextChangeAt) {}

  /**
   * The target for {@code spec} (which has a {@code verification}) at {@code now}.
   *
   * @param backups the policy's backup schedule
   * @param grace   the RPO's grace ({@link RpoCompliance#grace})
   */
  public static Duration target(BackupPolicySpec spec, CronSchedule backups, Duration grace, Instant now) {
    BackupPolicySpec.Verification v = Objects.requireNonNull(spec.verification, "spec.verification");
    if (v.maxVerifiedAge != null) {
      return Durations.parse(v.maxVerifiedAge);
    }
    Instant at = now.minus(grace);
    Duration twice = grace.multipliedBy(2);
    DrillPlan.Cadence cadence = DrillPlan.Cadence.of(spec).orElseThrow();
    if (cadence.everyNth() != null) {
      return backups.intervalAt(at).multipliedBy(cadence.everyNth()).plus(twice);
    }
    return cadence.schedule().intervalAt(at).plus(backups.intervalAt(at)).plus(twice);
  }

  static final Comparator<Entry> WORST_FIRST = Comparator.comparing(Entry::compliant)
      .thenComparing(Entry::newestVerifiedBackupCompletedAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Entry::target);

  public static Report evaluate(Duration target, Instant policyCreated, List<Subject> subjects, Instant now) {
    List<Entry> entries = new ArrayList<>();
    int compliant = 0;
    Duration oldest = null;
    Instant nextChange = null;
    for (Subject s : subjects) {
      Entry e;
      if (s.newestVerifiedBackupCompletedAt() == null) {
        Instant due = policyCreated == null ? null : policyCreated.plus(target);
        boolean pending = due != null && !now.isAfter(due);
        e = new Entry(s.target(), null, null, null, pending, pending ? due : null);
      } else {
        Duration age = Duration.between(s.newestVerifiedBackupCompletedAt(), now);
        if (age.isNegative()) { // the agent's clock runs ahead of the hub's
          age = Duration.ZERO;
        }
        boolean ok = age.compareTo(target) <= 0;
        e = new Entry(s.target(), s.newestVerifiedBackup(), s.newestVerifiedBackupCompletedAt(), age, ok,
            ok ? s.newestVerifiedBackupCompletedAt().plus(target) : null);
        oldest = oldest == null || age.compareTo(oldest) > 0 ? age : oldest;
      }
      if (e.compliant()) {
        compliant++;
        nextChange = nextChange == null || e.deadline().isBefore(nextChange) ? e.deadline() : nextChange;
      }
      entries.add(e);
    }
    entries.sort(WORST_FIRST);
    return new Report(List.copyOf(entries), compliant, entries.size(), target, oldest, nextChange);
  }
}
