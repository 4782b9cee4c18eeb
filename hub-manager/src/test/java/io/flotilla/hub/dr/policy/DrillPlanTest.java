package io.flotilla.hub.dr.policy;

import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Completed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Failed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.InProgress;
import static io.flotilla.hub.dr.policy.DrillPlan.Drill.FAILED;
import static io.flotilla.hub.dr.policy.DrillPlan.Drill.NONE;
import static io.flotilla.hub.dr.policy.DrillPlan.Drill.PASSED;
import static io.flotilla.hub.dr.policy.DrillPlan.Drill.REQUESTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.common.CronSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which backup of a hosted cluster gets a restore drill: tables, no cluster. */
class DrillPlanTest {
  static final Instant CREATED = Instant.parse("2026-03-01T00:00:00Z");

  /** Backup {@code name}, scheduled at hour {@code hour} of 2026-03-02, with its drill state. */
  static DrillPlan.Backup b(String name, int hour, Phase phase, DrillPlan.Drill drill, String drillAskedAt) {
    Instant at = Instant.parse("2026-03-02T00:00:00Z").plusSeconds(hour * 3600L);
    return new DrillPlan.Backup(new RetentionPlan.Backup(name, phase, phase == Completed ? at.plusSeconds(60) : null,
        at, at, null), drill, drillAskedAt == null ? null : Instant.parse(drillAskedAt));
  }

  static DrillPlan.Backup done(String name, int hour) {
    return b(name, hour, Completed, NONE, null);
  }

  static DrillPlan.Backup drilled(String name, int hour, DrillPlan.Drill drill) {
    return b(name, hour, Completed, drill, String.format("2026-03-02T%02d:02:00Z", hour));
  }

  static Optional<String> everyNth(int n, DrillPlan.Backup... backups) {
    return DrillPlan.plan(new DrillPlan.Cadence(n, null), List.of(backups), CREATED,
        Instant.parse("2026-03-03T00:00:00Z")).drill();
  }

  @Test
  void everyNthBackup() {
    record Row(String what, int n, List<DrillPlan.Backup> backups, String drill) {}
    List<Row> rows = List.of(
        new Row("nothing completed", 1, List.of(b("b1", 1, InProgress, NONE, null), b("f", 2, Failed, NONE, null)),
            null),
        new Row("the first completed backup is drilled", 3, List.of(done("b1", 1)), "b1"),
        new Row("none drilled yet: the newest", 1, List.of(done("b1", 1), done("b2", 2)), "b2"),
        new Row("every backup: the newest is not drilled yet", 1, List.of(drilled("b1", 1, PASSED), done("b2", 2)),
            "b2"),
        new Row("every backup: the newest is drilled", 1, List.of(drilled("b1", 1, PASSED), drilled("b2", 2, PASSED)),
            null),
        new Row("every 3rd: two since the last drilled", 3, List.of(drilled("b1", 1, PASSED), done("b2", 2),
            done("b3", 3)), null),
        new Row("every 3rd: three since the last drilled", 3, List.of(drilled("b1", 1, PASSED), done("b2", 2),
            done("b3", 3), done("b4", 4)), "b4"),
        new Row("a failed drill counts as drilled", 2, List.of(drilled("b1", 1, FAILED), done("b2", 2)), null),
        new Row("retention deleted the older ones: only those after the last drilled count", 2,
            List.of(drilled("b7", 7, PASSED), done("b8", 8), done("b9", 9)), "b9"),
        new Row("a drill not answered yet: no other", 1, List.of(b("b1", 1, Completed, REQUESTED,
            "2026-03-02T01:02:00Z"), done("b2", 2), done("b3", 3)), null),
        new Row("failed and running backups do not count", 2, List.of(drilled("b1", 1, PASSED),
            b("f2", 2, Failed, NONE, null), done("b3", 3), b("r4", 4, InProgress, NONE, null)), null),
        new Row("order is the hub's (scheduled time), not the listing's", 1, List.of(done("b2", 2),
            drilled("b1", 1, PASSED)), "b2"),
        new Row("drills fell behind: every backup is still drilled, the newest first", 1,
            List.of(drilled("b1", 1, PASSED), done("b2", 2), done("b3", 3)), "b3"),
        new Row("... then the one it passed over", 1, List.of(drilled("b1", 1, PASSED), done("b2", 2),
            drilled("b3", 3, PASSED)), "b2"),
        new Row("every 3rd, fallen behind: the newest due first", 3, List.of(drilled("b1", 1, PASSED),
            done("b2", 2), done("b3", 3), done("b4", 4), done("b5", 5), done("b6", 6), done("b7", 7)), "b7"),
        new Row("... then the 3rd after b1", 3, List.of(drilled("b1", 1, PASSED), done("b2", 2), done("b3", 3),
            done("b4", 4), done("b5", 5), done("b6", 6), drilled("b7", 7, PASSED)), "b4"),
        new Row("backups from before drills were on are never due", 1, List.of(done("b1", 1), done("b2", 2),
            drilled("b3", 3, PASSED)), null));
    for (Row row : rows) {
      assertThat(everyNth(row.n(), row.backups().toArray(DrillPlan.Backup[]::new)))
          .as(row.what()).isEqualTo(Optional.ofNullable(row.drill()));
    }
  }

  @Test
  void onASchedule() {
    // drills daily at 03:00 UTC; it is 2026-03-03T05:00Z, so the due drill time is 2026-03-03T03:00Z
    DrillPlan.Cadence daily = new DrillPlan.Cadence(null, CronSchedule.parse("0 3 * * *", null));
    Instant now = Instant.parse("2026-03-03T05:00:00Z");
    record Row(String what, List<DrillPlan.Backup> backups, Instant created, String drill) {}
    List<Row> rows = List.of(
        new Row("no drill since the drill time: the newest", List.of(drilled("b1", 1, PASSED), done("b2", 2)),
            CREATED, "b2"),
        new Row("the newest was drilled before the drill time: again", List.of(drilled("b1", 1, PASSED)), CREATED,
            "b1"),
        new Row("a drill asked at or after the drill time", List.of(done("b1", 1), b("b2", 2, Completed, PASSED,
            "2026-03-03T03:00:00Z")), CREATED, null),
        new Row("the newest failed its drill: the newest that did not", List.of(drilled("b1", 1, PASSED),
            drilled("b2", 2, FAILED)), CREATED, "b1"),
        new Row("every one failed its drill", List.of(drilled("b1", 1, FAILED)), CREATED, null),
        new Row("a drill not answered yet", List.of(done("b1", 1), b("b2", 2, Completed, REQUESTED,
            "2026-03-02T23:00:00Z")), CREATED, null),
        new Row("the policy is newer than the drill time", List.of(done("b1", 1)),
            Instant.parse("2026-03-03T04:00:00Z"), null),
        new Row("no completed backup", List.of(b("f", 1, Failed, NONE, null)), CREATED, null));
    for (Row row : rows) {
      DrillPlan.Decision d = DrillPlan.plan(daily, row.backups(), row.created(), now);
      assertThat(d.drill()).as(row.what()).isEqualTo(Optional.ofNullable(row.drill()));
      assertThat(d.nextChangeAt()).as(row.what() + ": the next drill time")
          .isEqualTo(Instant.parse("2026-03-04T03:00:00Z"));
    }
  }

  @Test
  void whyIsSaid() {
    assertThat(DrillPlan.plan(new DrillPlan.Cadence(3, null), List.of(drilled("b1", 1, PASSED), done("b2", 2)),
        CREATED, Instant.parse("2026-03-03T00:00:00Z")).reason())
        .isEqualTo("1 of 3 backups completed after the last drilled one, b1");
    List<DrillPlan.Backup> many = new ArrayList<>(List.of(drilled("b1", 1, PASSED)));
    many.add(done("b2", 2));
    assertThat(DrillPlan.plan(new DrillPlan.Cadence(1, null), many, CREATED, Instant.parse("2026-03-03T00:00:00Z"))
        .reason()).isEqualTo("the next backup after b1 (every 1)");
    many.add(done("b3", 3));
    assertThat(DrillPlan.plan(new DrillPlan.Cadence(2, null), many, CREATED, Instant.parse("2026-03-03T00:00:00Z"))
        .reason()).isEqualTo("the 2nd backup after b1 (every 2)");
  }

  @Test
  void aCadenceIsOneOrTheOther() {
    assertThatThrownBy(() -> new DrillPlan.Cadence(null, null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DrillPlan.Cadence(1, CronSchedule.parse("0 3 * * *", null)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DrillPlan.Cadence(0, null)).isInstanceOf(IllegalArgumentException.class);
    assertThat(DrillPlan.Cadence.of(Specs.spec("0 * * * *"))).isEmpty();
    assertThat(DrillPlan.Cadence.of(Specs.drills(Specs.spec("0 * * * *"), 2, null, null)))
        .hasValueSatisfying(c -> assertThat(c.everyNth()).isEqualTo(2));
  }
}
