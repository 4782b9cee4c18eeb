package io.flotilla.hub.dr.policy;

import static io.flotilla.hub.dr.policy.Specs.drills;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static io.flotilla.hub.dr.policy.Specs.target;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.common.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verified RPO: its target from the drill cadence, and each hosted cluster's newest drilled backup against it. */
class VerifiedRpoTest {
  static final Duration GRACE = Duration.ofMinutes(10);
  static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

  static Duration targetOf(BackupPolicySpec s) {
    return VerifiedRpo.target(s, CronSchedule.parse(s.schedule, s.timeZone), GRACE, NOW);
  }

  @Test
  void targets() {
    record Row(String what, BackupPolicySpec spec, Duration target) {}
    List<Row> rows = List.of(
        new Row("hourly backups, every one drilled: an interval and the grace twice",
            drills(spec("0 * * * *"), 1, null, null), Duration.ofMinutes(80)),
        new Row("hourly backups, every 6th drilled", drills(spec("0 * * * *"), 6, null, null),
            Duration.ofHours(6).plusMinutes(20)),
        new Row("hourly backups, drills daily: a day, an hour and the grace twice",
            drills(spec("0 * * * *"), null, "30 3 * * *", null), Duration.ofHours(25).plusMinutes(20)),
        new Row("maxVerifiedAge wins", drills(spec("0 * * * *"), 6, null, "2h"), Duration.ofHours(2)));
    for (Row row : rows) {
      assertThat(targetOf(row.spec())).as(row.what()).isEqualTo(row.target());
    }
  }

  @Test
  void eachHostedClustersNewestDrilledBackupAgainstTheTarget() {
    Duration target = Duration.ofMinutes(80);
    Instant created = NOW.minus(Duration.ofDays(3));
    VerifiedRpo.Report r = VerifiedRpo.evaluate(target, created, List.of(
        new VerifiedRpo.Subject(target("mc1", "clusters/a"), "a-11", Instant.parse("2026-03-10T11:00:00Z")),
        new VerifiedRpo.Subject(target("mc1", "clusters/b"), "b-09", Instant.parse("2026-03-10T09:00:00Z")),
        new VerifiedRpo.Subject(target("mc2", "clusters/c"), null, null),
        new VerifiedRpo.Subject(target("mc2", "clusters/d"), "d-13", Instant.parse("2026-03-10T12:00:30Z"))), NOW);

    assertThat(r.total()).isEqualTo(4);
    assertThat(r.compliant()).isEqualTo(2);
    assertThat(r.target()).isEqualTo(target);
    assertThat(r.oldestAge()).as("the policy's verified RPO").isEqualTo(Duration.ofHours(3));
    // worst first: never drilled, then the oldest
    assertThat(r.entries()).extracting(e -> e.target().hostedCluster().name).containsExactly("c", "b", "a", "d");
    VerifiedRpo.Entry d = r.entries().get(3);
    assertThat(d.age()).as("an agent clock ahead of the hub's").isEqualTo(Duration.ZERO);
    assertThat(r.nextChangeAt()).as("when a's verified backup grows too old")
        .isEqualTo(Instant.parse("2026-03-10T12:20:00Z"));
  }

  @Test
  void aNewPolicyHasUntilTheTargetForItsFirstDrilledBackup() {
    Duration target = Duration.ofMinutes(80);
    List<VerifiedRpo.Subject> none = List.of(new VerifiedRpo.Subject(target("mc1", "clusters/a"), null, null));
    assertThat(VerifiedRpo.evaluate(target, NOW.minus(Duration.ofMinutes(79)), none, NOW).compliant()).isEqualTo(1);
    assertThat(VerifiedRpo.evaluate(target, NOW.minus(Duration.ofMinutes(81)), none, NOW).compliant()).isZero();
  }
}
