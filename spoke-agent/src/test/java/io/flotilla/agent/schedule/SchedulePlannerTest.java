package io.flotilla.agent.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulePlannerTest {
  static final NamespacedName HC_A = new NamespacedName("clusters", "hc-a");
  static final NamespacedName HC_B = new NamespacedName("clusters", "hc-b");

  final SchedulePlanner planner = new SchedulePlanner();

  static EffectiveBackupSchedule.Entry entry(String policy, String cron, String zone, NamespacedName... hcs) {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = policy;
    e.schedule = cron;
    e.timeZone = zone;
    e.store = "store";
    e.maxPauseWindow = "2m";
    e.hostedClusters = List.of(hcs);
    return e;
  }

  static EffectiveBackupSchedule schedule(EffectiveBackupSchedule.Entry... entries) {
    EffectiveBackupSchedule s = new EffectiveBackupSchedule();
    s.cluster = "mc1";
    s.entries = List.of(entries);
    return s;
  }

  static Instant t(String s) {
    return Instant.parse(s);
  }

  @Test
  void aNewPolicyCountsFromNowAndRunsAtItsNextTime() {
    var s = schedule(entry("hourly", "0 * * * *", null, HC_A));
    var first = planner.plan(s, Map.of(), Set.of(), t("2024-03-01T10:20:00Z"));
    assertThat(first.runs()).isEmpty();
    assertThat(first.lastRuns()).containsEntry("hourly/clusters/hc-a", t("2024-03-01T10:20:00Z"));

    assertThat(planner.plan(s, first.lastRuns(), Set.of(), t("2024-03-01T10:59:59Z")).runs()).isEmpty();
    var due = planner.plan(s, first.lastRuns(), Set.of(), t("2024-03-01T11:00:00Z")).runs();
    assertThat(due).singleElement().satisfies(r -> {
      assertThat(r.scheduledTime()).isEqualTo(t("2024-03-01T11:00:00Z"));
      assertThat(r.hostedCluster()).isEqualTo(HC_A);
      assertThat(r.recordName()).isEqualTo("hc-a-hourly-20240301110000");
      assertThat(r.key()).isEqualTo("hourly/clusters/hc-a");
    });
  }

  @Test
  void afterFiveMissedIntervalsExactlyOneRunForTheMostRecentTime() {
    var s = schedule(entry("every-10s", "*/10 * * * * *", null, HC_A, HC_B));
    Map<String, Instant> last = Map.of("every-10s/clusters/hc-a", t("2024-03-01T10:00:00Z"),
        "every-10s/clusters/hc-b", t("2024-03-01T10:00:00Z"));
    // down from 10:00:00 to 10:00:55: 10, 20, 30, 40 and 50 were missed
    var plan = planner.plan(s, last, Set.of(), t("2024-03-01T10:00:55Z"));
    assertThat(plan.runs()).hasSize(2).allSatisfy(r ->
        assertThat(r.scheduledTime()).isEqualTo(t("2024-03-01T10:00:50Z")));

    // once recorded, nothing more until the next time
    Map<String, Instant> after = new HashMap<>(plan.lastRuns());
    plan.runs().forEach(r -> after.put(r.key(), r.scheduledTime()));
    assertThat(planner.plan(s, after, Set.of(), t("2024-03-01T10:00:59Z")).runs()).isEmpty();
    assertThat(planner.plan(s, after, Set.of(), t("2024-03-01T10:01:00Z")).runs()).hasSize(2);
  }

  @Test
  void readsTheScheduleInItsTimeZone() {
    // 02:00 in Paris is 00:00 UTC in summer (CEST) and 01:00 UTC in winter (CET)
    var paris = schedule(entry("nightly", "0 2 * * *", "Europe/Paris", HC_A));
    Map<String, Instant> summer = Map.of("nightly/clusters/hc-a", t("2024-07-01T12:00:00Z"));
    assertThat(planner.plan(paris, summer, Set.of(), t("2024-07-01T23:59:59Z")).runs()).isEmpty();
    assertThat(planner.plan(paris, summer, Set.of(), t("2024-07-02T00:00:00Z")).runs()).singleElement()
        .satisfies(r -> assertThat(r.scheduledTime()).isEqualTo(t("2024-07-02T00:00:00Z")));

    Map<String, Instant> winter = Map.of("nightly/clusters/hc-a", t("2024-01-10T12:00:00Z"));
    assertThat(planner.plan(paris, winter, Set.of(), t("2024-01-11T00:30:00Z")).runs()).isEmpty();
    assertThat(planner.plan(paris, winter, Set.of(), t("2024-01-11T01:00:00Z")).runs()).singleElement()
        .satisfies(r -> assertThat(r.scheduledTime()).isEqualTo(t("2024-01-11T01:00:00Z")));

    // the same expression in UTC is due two hours later in summer
    var utc = schedule(entry("nightly", "0 2 * * *", null, HC_A));
    assertThat(planner.plan(utc, summer, Set.of(), t("2024-07-02T00:00:00Z")).runs()).isEmpty();
  }

  @Test
  void neverTwoBackupsOfOneHostedClusterAtOnce() {
    // two policies select the same hosted cluster (the hub should not allow it; the agent still never overlaps)
    var s = schedule(entry("a", "*/10 * * * * *", null, HC_A), entry("b", "*/10 * * * * *", null, HC_A));
    Map<String, Instant> last = Map.of("a/clusters/hc-a", t("2024-03-01T10:00:00Z"),
        "b/clusters/hc-a", t("2024-03-01T10:00:00Z"));
    var plan = planner.plan(s, last, Set.of(), t("2024-03-01T10:00:10Z"));
    assertThat(plan.runs()).singleElement().satisfies(r -> assertThat(r.policy()).isEqualTo("a"));

    // while it runs, nothing else for it, however many times pass
    assertThat(planner.plan(s, last, Set.of(HC_A), t("2024-03-01T10:00:45Z")).runs()).isEmpty();
    // when it is free again: one run, for the most recent time
    Map<String, Instant> afterA = new HashMap<>(last);
    afterA.put("a/clusters/hc-a", t("2024-03-01T10:00:10Z"));
    assertThat(planner.plan(s, afterA, Set.of(), t("2024-03-01T10:00:45Z")).runs()).singleElement()
        .satisfies(r -> assertThat(r.scheduledTime()).isEqualTo(t("2024-03-01T10:00:40Z")));
  }

  @Test
  void aBusyHostedClusterDoesNotHoldBackTheOthers() {
    var s = schedule(entry("p", "*/10 * * * * *", null, HC_A, HC_B));
    Map<String, Instant> last = Map.of("p/clusters/hc-a", t("2024-03-01T10:00:00Z"),
        "p/clusters/hc-b", t("2024-03-01T10:00:00Z"));
    assertThat(planner.plan(s, last, Set.of(HC_A), t("2024-03-01T10:00:10Z")).runs()).singleElement()
        .satisfies(r -> assertThat(r.hostedCluster()).isEqualTo(HC_B));
  }

  @Test
  void anInvalidEntryIsReportedAndTheOthersRun() {
    var s = schedule(entry("broken", "61 * * * *", null, HC_A), entry("zone", "* * * * *", "Mars/Olympus", HC_A),
        entry("ok", "* * * * *", null, HC_B));
    var plan = planner.plan(s, Map.of("ok/clusters/hc-b", t("2024-03-01T10:00:00Z")), Set.of(),
        t("2024-03-01T10:01:00Z"));
    assertThat(plan.runs()).singleElement().satisfies(r -> assertThat(r.hostedCluster()).isEqualTo(HC_B));
    assertThat(plan.problems()).hasSize(2);
    assertThat(plan.problems().get(0)).startsWith("policy broken: schedule \"61 * * * *\" is not a valid cron");
    assertThat(plan.problems().get(1)).contains("Mars/Olympus").contains("IANA");
  }

  @Test
  void forgetsWhatLeftTheSchedule() {
    var s = schedule(entry("p", "* * * * *", null, HC_A));
    var plan = planner.plan(s, Map.of("p/clusters/hc-a", t("2024-03-01T10:00:00Z"),
        "p/clusters/gone", t("2024-03-01T10:00:00Z")), Set.of(), t("2024-03-01T10:00:30Z"));
    assertThat(plan.lastRuns()).containsOnlyKeys("p/clusters/hc-a");
  }

  @Test
  void recordNamesAreQualifiedWhenTwoHostedClustersShareAName() {
    NamespacedName other = new NamespacedName("team-b", "hc-a");
    var s = schedule(entry("p", "* * * * *", null, HC_A, other, HC_B));
    Instant last = t("2024-03-01T10:00:00Z");
    var plan = planner.plan(s, Map.of("p/clusters/hc-a", last, "p/team-b/hc-a", last, "p/clusters/hc-b", last),
        Set.of(), t("2024-03-01T10:01:00Z"));
    assertThat(plan.runs()).extracting(ScheduledRun::recordName).containsExactly(
        "clusters-hc-a-p-20240301100100", "team-b-hc-a-p-20240301100100", "hc-b-p-20240301100100");
  }

  @Test
  void aVeryLongNameIsShortenedAndStaysUnique() {
    String policy = "p".repeat(180);
    String one = ScheduledRun.recordName(policy, new NamespacedName("clusters", "hc-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        t("2024-03-01T10:01:00Z"), false);
    String two = ScheduledRun.recordName(policy, new NamespacedName("clusters", "hc-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        t("2024-03-01T10:02:00Z"), false);
    assertThat(one).hasSize(ScheduledRun.MAX_NAME).isNotEqualTo(two).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }
}
