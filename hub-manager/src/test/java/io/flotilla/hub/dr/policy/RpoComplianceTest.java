package io.flotilla.hub.dr.policy;

import static io.flotilla.hub.dr.policy.Specs.target;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.common.CronSchedule;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RpoComplianceTest {
  static final Duration GRACE = Duration.ofMinutes(10);
  static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

  static RpoCompliance.Subject withBackup(String cluster, String hc, String completedAt) {
    return new RpoCompliance.Subject(target(cluster, hc), "b-" + hc.replace('/', '-'), Instant.parse(completedAt));
  }

  static RpoCompliance.Subject without(String cluster, String hc) {
    return new RpoCompliance.Subject(target(cluster, hc), null, null);
  }

  static boolean compliant(String cron, String zone, String completedAt, String now) {
    var r = RpoCompliance.evaluate(CronSchedule.parse(cron, zone), GRACE, CREATED,
        List.of(withBackup("mc1", "clusters/a", completedAt)), Instant.parse(now));
    return r.entries().get(0).compliant();
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // hourly: target 1h10m
        Arguments.of("hourly, fresh", "0 * * * *", null, "2026-03-10T11:05:00Z", "2026-03-10T12:14:00Z", true),
        Arguments.of("hourly, at the target", "0 * * * *", null, "2026-03-10T11:05:00Z", "2026-03-10T12:15:00Z", true),
        Arguments.of("hourly, one tick missed", "0 * * * *", null, "2026-03-10T11:05:00Z", "2026-03-10T12:16:00Z", false),
        // daily at 02:00 New York (06:00Z in March after DST started on the 8th): target 24h10m
        Arguments.of("New York daily, within", "0 2 * * *", "America/New_York", "2026-03-10T06:05:00Z",
            "2026-03-11T06:12:00Z", true),
        Arguments.of("New York daily, late", "0 2 * * *", "America/New_York", "2026-03-10T06:05:00Z",
            "2026-03-11T06:16:00Z", false),
        // weekdays only: Friday's backup covers the weekend, Monday's is due by 02:10
        Arguments.of("weekdays, Sunday", "0 2 * * 1-5", null, "2026-03-06T02:05:00Z", "2026-03-08T20:00:00Z", true),
        Arguments.of("weekdays, Monday before the run is due", "0 2 * * 1-5", null, "2026-03-06T02:05:00Z",
            "2026-03-09T02:09:00Z", true),
        Arguments.of("weekdays, Monday run missed", "0 2 * * 1-5", null, "2026-03-06T02:05:00Z",
            "2026-03-09T02:20:00Z", false),
        // Paris skips 02:00 on 2026-03-29 (clocks go 02:00 -> 03:00); the agent runs the same schedule, so Saturday's
        // backup is the newest until Monday and stays compliant on Sunday
        Arguments.of("Paris spring-forward day", "0 2 * * *", "Europe/Paris", "2026-03-28T01:05:00Z",
            "2026-03-29T20:00:00Z", true),
        Arguments.of("same instants read in UTC", "0 2 * * *", "UTC", "2026-03-28T01:05:00Z",
            "2026-03-29T20:00:00Z", false),
        // weekdays at 02:00 New York: at 03:00Z on Monday it is still Sunday evening there, Monday's run is not due
        Arguments.of("weekdays New York, Sunday evening there", "0 2 * * 1-5", "America/New_York",
            "2026-03-06T07:05:00Z", "2026-03-09T03:00:00Z", true),
        Arguments.of("weekdays UTC, Monday run missed", "0 2 * * 1-5", "UTC", "2026-03-06T02:05:00Z",
            "2026-03-09T03:00:00Z", false),
        Arguments.of("seconds schedule", "*/10 * * * * *", null, "2026-03-10T12:00:00Z", "2026-03-10T12:10:10Z", true),
        Arguments.of("backup from the future (agent clock ahead)", "0 * * * *", null, "2026-03-10T12:30:00Z",
            "2026-03-10T12:00:00Z", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void ageAgainstIntervalPlusGrace(String title, String cron, String zone, String completedAt, String now,
                                   boolean expected) {
    assertThat(compliant(cron, zone, completedAt, now)).isEqualTo(expected);
  }

  @Test
  void theAgentSkipsTheNonexistentTimeToo() {
    // the premise of the Paris row: the schedule the agent runs has no run on 2026-03-29
    assertThat(CronSchedule.parse("0 2 * * *", "Europe/Paris").nextAfter(Instant.parse("2026-03-28T01:00:00Z")))
        .contains(Instant.parse("2026-03-30T00:00:00Z"));
  }

  @Test
  void noBackupYetIsCompliantUntilTheFirstRunIsDue() {
    CronSchedule hourly = CronSchedule.parse("0 * * * *", null);
    Instant created = Instant.parse("2026-03-01T12:20:00Z"); // first run 13:00, due by 13:10
    var before = RpoCompliance.evaluate(hourly, GRACE, created, List.of(without("mc1", "clusters/a")),
        Instant.parse("2026-03-01T13:10:00Z"));
    assertThat(before.compliant()).isEqualTo(1);
    assertThat(before.nextChangeAt()).isEqualTo(Instant.parse("2026-03-01T13:10:00Z"));
    var after = RpoCompliance.evaluate(hourly, GRACE, created, List.of(without("mc1", "clusters/a")),
        Instant.parse("2026-03-01T13:10:01Z"));
    assertThat(after.compliant()).isZero();
    assertThat(after.entries().get(0).age()).isNull();
    assertThat(after.oldestNewestAge()).isNull();
    assertThat(after.nextChangeAt()).isNull();
  }

  @Test
  void reportCountsOrdersWorstFirstAndKnowsTheNextChange() {
    CronSchedule hourly = CronSchedule.parse("0 * * * *", null);
    Instant now = Instant.parse("2026-03-10T12:30:00Z");
    var r = RpoCompliance.evaluate(hourly, GRACE, CREATED, List.of(
        withBackup("mc1", "clusters/fresh", "2026-03-10T12:05:00Z"),
        withBackup("mc1", "clusters/older", "2026-03-10T11:25:00Z"),
        withBackup("mc2", "clusters/stale", "2026-03-10T09:05:00Z"),
        without("mc2", "clusters/none")), now);
    assertThat(r.total()).isEqualTo(4);
    assertThat(r.compliant()).isEqualTo(2);
    assertThat(r.interval()).isEqualTo(Duration.ofHours(1));
    assertThat(r.target()).isEqualTo(Duration.ofMinutes(70));
    assertThat(r.oldestNewestAge()).isEqualTo(Duration.ofMinutes(205));
    assertThat(r.entries()).extracting(e -> e.target().hostedCluster().name)
        .containsExactly("none", "stale", "older", "fresh");
    // "older" (11:25) runs out first: 11:25 + 1h10m
    assertThat(r.nextChangeAt()).isEqualTo(Instant.parse("2026-03-10T12:35:00Z"));
  }

  @Test
  void graceIsMaxPauseWindowElseTheAgentDefault() {
    BackupPolicySpec s = new BackupPolicySpec();
    assertThat(RpoCompliance.grace(s)).isEqualTo(Duration.ofMinutes(10));
    s.maxPauseWindow = "90s";
    assertThat(RpoCompliance.grace(s)).isEqualTo(Duration.ofSeconds(90));
  }
}
