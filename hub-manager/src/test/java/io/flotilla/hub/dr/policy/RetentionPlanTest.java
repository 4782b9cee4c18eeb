package io.flotilla.hub.dr.policy;

import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Completed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Failed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.InProgress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.hub.dr.policy.RetentionPlan.Backup;
import io.flotilla.hub.dr.policy.RetentionPlan.Rules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionPlanTest {
  static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

  /** A backup named after its age in hours, completed (or failed) that long ago. */
  static Backup b(Phase phase, int hoursAgo) {
    Instant at = NOW.minus(Duration.ofHours(hoursAgo));
    String name = phase.name().toLowerCase() + "-" + hoursAgo + "h";
    return new Backup(name, phase, phase == InProgress ? null : at.plusSeconds(300), at);
  }

  static List<String> deleted(Rules rules, Backup... backups) {
    return RetentionPlan.plan(rules, List.of(backups), NOW).deletions().stream().map(d -> d.backup().name()).toList();
  }

  static Stream<Arguments> table() {
    Duration day = Duration.ofHours(24);
    return Stream.of(
        Arguments.of("no retention: nothing goes", Rules.NONE,
            List.of(b(Completed, 1), b(Completed, 100), b(Failed, 200)), List.of()),
        Arguments.of("keepLast 2 of 4", new Rules(2, null),
            List.of(b(Completed, 1), b(Completed, 2), b(Completed, 3), b(Completed, 4)),
            List.of("completed-3h", "completed-4h")),
        Arguments.of("keepLast larger than the count", new Rules(10, null),
            List.of(b(Completed, 1), b(Completed, 2)), List.of()),
        Arguments.of("maxAge deletes older Completed", new Rules(null, day),
            List.of(b(Completed, 1), b(Completed, 23), b(Completed, 25), b(Completed, 48)),
            List.of("completed-25h", "completed-48h")),
        Arguments.of("maxAge never deletes the newest Completed", new Rules(null, day),
            List.of(b(Completed, 30), b(Completed, 50), b(Completed, 70)),
            List.of("completed-50h", "completed-70h")),
        Arguments.of("the newest Completed survives keepLast 1 and maxAge together", new Rules(1, day),
            List.of(b(Completed, 100), b(Completed, 200)), List.of("completed-200h")),
        Arguments.of("both limits: either one deletes", new Rules(3, day),
            List.of(b(Completed, 1), b(Completed, 2), b(Completed, 30), b(Completed, 3), b(Completed, 4)),
            List.of("completed-4h", "completed-30h")),
        Arguments.of("InProgress and New are never touched", new Rules(1, day),
            List.of(b(InProgress, 100), new Backup("new", null, null, NOW.minus(Duration.ofDays(9))),
                b(Completed, 1), b(Completed, 2)),
            List.of("completed-2h")),
        Arguments.of("Failed before the newest Completed goes, Failed after it stays", new Rules(5, null),
            List.of(b(Failed, 1), b(Completed, 2), b(Failed, 3), b(Completed, 4)), List.of("failed-3h")),
        Arguments.of("Failed with no Completed at all stays within maxAge", new Rules(1, day),
            List.of(b(Failed, 1), b(Failed, 2), b(Failed, 30)), List.of("failed-30h")),
        Arguments.of("nothing Completed: keepLast deletes nothing", new Rules(1, null),
            List.of(b(Failed, 1), b(InProgress, 2)), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void deletesExactlyWhatTheRulesSay(String title, Rules rules, List<Backup> backups, List<String> expected) {
    assertThat(deleted(rules, backups.toArray(Backup[]::new))).containsExactlyInAnyOrderElementsOf(expected);
    // whatever the rules, the newest Completed backup is kept
    RetentionPlan.newestCompleted(backups).ifPresent(n ->
        assertThat(deleted(rules, backups.toArray(Backup[]::new))).doesNotContain(n.name()));
  }

  @Test
  void everyDecisionHasAReasonAndThePlanIsNewestFirst() {
    var plan = RetentionPlan.plan(new Rules(2, Duration.ofHours(24)), List.of(b(Completed, 30), b(Completed, 1),
        b(Completed, 2), b(Completed, 3), b(Failed, 40), b(InProgress, 0)), NOW);
    assertThat(plan.decisions()).extracting(d -> d.backup().name() + ": " + d.action() + ": " + d.reason())
        .containsExactly(
            "inprogress-0h: KEEP: InProgress: the agent is still working on it",
            "completed-1h: KEEP: newest Completed backup of the hosted cluster not known bad: never deleted",
            "completed-2h: KEEP: within keepLast 2 and maxAge 24h",
            "completed-3h: DELETE: beyond keepLast 2: it is Completed backup number 3, newest first",
            "completed-30h: DELETE: beyond keepLast 2: it is Completed backup number 4, newest first",
            "failed-40h: DELETE: Failed before the newest Completed backup completed-1h completed");
    var aged = RetentionPlan.plan(new Rules(null, Duration.ofHours(24)), List.of(b(Completed, 1), b(Completed, 30)), NOW);
    assertThat(aged.deletions()).singleElement().extracting(RetentionPlan.Decision::reason)
        .isEqualTo("older than maxAge 24h: taken at 2026-03-09T06:00:00Z"); // the hub's creation time
  }

  @Test
  void tiesOnCompletionTimeSettleByCreationThenName() {
    Instant t = NOW.minus(Duration.ofHours(1));
    Backup early = new Backup("x-early", Completed, t, t.minusSeconds(60));
    Backup late = new Backup("a-late", Completed, t, t.minusSeconds(30));
    Backup sameB = new Backup("b", Completed, t, t.minusSeconds(30));
    assertThat(RetentionPlan.newestCompleted(List.of(early, late, sameB))).contains(sameB);
    assertThat(deleted(new Rules(1, null), early, late, sameB)).containsExactlyInAnyOrder("x-early", "a-late");
  }

  @Test
  void aBackupWithAnUnknownTimeIsNeverAgedOut() {
    Backup unknown = new Backup("unknown", Completed, null, null);
    assertThat(deleted(new Rules(null, Duration.ofHours(1)), b(Completed, 1), b(Completed, 5), unknown))
        .containsExactly("completed-5h");
  }

  @Test
  void rulesComeFromTheSpecAndRefuseWhatValidationRefuses() {
    BackupPolicySpec.Retention r = new BackupPolicySpec.Retention();
    r.keepLast = 7;
    r.maxAge = "168h";
    assertThat(Rules.of(r)).isEqualTo(new Rules(7, Duration.ofDays(7)));
    assertThat(Rules.of(null)).isEqualTo(Rules.NONE);
    assertThatThrownBy(() -> new Rules(0, null)).hasMessageContaining("keepLast must be at least 1");
    assertThatThrownBy(() -> new Rules(null, Duration.ofHours(-1))).hasMessageContaining("maxAge must be positive");
  }

  @Test
  void manyBackupsKeepExactlyKeepLastCompleted() {
    List<Backup> backups = new ArrayList<>();
    for (int h = 1; h <= 200; h++) {
      backups.add(b(h % 7 == 0 ? Failed : Completed, h));
    }
    var plan = RetentionPlan.plan(new Rules(24, null), backups, NOW);
    assertThat(plan.kept().stream().filter(d -> d.backup().phase() == Completed)).hasSize(24);
    // every Failed backup here is older than the newest Completed one (1h)
    assertThat(plan.kept().stream().filter(d -> d.backup().phase() == Failed)).isEmpty();
  }

  /** A scheduled backup for the cron slot {@code hoursAgo}, with a verification outcome and a spoke clock skewed by {@code skew}. */
  static Backup scheduled(String name, int hoursAgo, Boolean verified, Duration skew) {
    Instant slot = NOW.minus(Duration.ofHours(hoursAgo));
    // created on the hub when forwarded; completed by the spoke's clock
    return new Backup(name, Completed, slot.plusSeconds(300).plus(skew), slot.plusSeconds(310), slot, verified);
  }

  @Test
  void theBackupAlwaysKeptIsNeverOneKnownBadAndTheNewestVerifiedOneStays() {
    Rules keepOne = new Rules(1, null);
    // newest failed its verification: the one kept whatever the limits say is the next one, not it
    assertThat(deleted(keepOne, scheduled("bad", 1, false, Duration.ZERO), scheduled("good", 2, null, Duration.ZERO),
        scheduled("older", 3, null, Duration.ZERO)))
        .containsExactly("older");
    // two newer unverified backups do not push out the newest one whose verification passed
    assertThat(deleted(keepOne, scheduled("new", 1, null, Duration.ZERO), scheduled("newer-than-verified", 2, null,
        Duration.ZERO), scheduled("verified", 3, true, Duration.ZERO), scheduled("old", 4, true, Duration.ZERO)))
        .containsExactly("newer-than-verified", "old");
    // every Completed backup failed verification: none is protected, the limits alone decide
    assertThat(deleted(keepOne, scheduled("b1", 1, false, Duration.ZERO), scheduled("b2", 2, false, Duration.ZERO)))
        .containsExactly("b2");
    var reasons = RetentionPlan.plan(keepOne, List.of(scheduled("bad", 1, false, Duration.ZERO),
        scheduled("good", 2, true, Duration.ZERO)), NOW).kept();
    assertThat(reasons).extracting(d -> d.backup().name() + ": " + d.reason()).containsExactly(
        "bad: within keepLast 1", "good: newest Completed backup of the hosted cluster not known bad: never deleted");
  }

  @Test
  void orderAndAgeComeFromTheHubsClockNotTheSpokes() {
    // the spoke's clock ran 5 hours behind for the newest backup: by its completedAt it looks the oldest
    Backup newest = scheduled("slot-1h", 1, null, Duration.ofHours(-5));
    Backup middle = scheduled("slot-2h", 2, null, Duration.ZERO);
    Backup oldest = scheduled("slot-3h", 3, null, Duration.ZERO);
    assertThat(deleted(new Rules(2, null), oldest, newest, middle)).containsExactly("slot-3h");
    // a spoke clock 2 days ahead does not make a fresh backup old enough for maxAge, nor one behind save an old one
    Backup fresh = scheduled("fresh", 1, null, Duration.ofDays(2));
    Backup old = scheduled("old", 72, null, Duration.ofDays(-3).negated());
    assertThat(deleted(new Rules(null, Duration.ofHours(48)), fresh, old)).containsExactly("old");
    // an on-demand backup stands at its record's creation on the hub
    Backup onDemand = new Backup("on-demand", Completed, NOW.minus(Duration.ofHours(10)), NOW.minus(Duration.ofMinutes(30)));
    assertThat(RetentionPlan.plan(new Rules(1, null), List.of(middle, onDemand), NOW).decisions().get(0).backup().name())
        .isEqualTo("on-demand");
  }
}
