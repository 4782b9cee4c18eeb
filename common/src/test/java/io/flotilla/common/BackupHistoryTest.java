package io.flotilla.common;

import io.flotilla.api.common.NamespacedName;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.common.BackupHistory.FailureTally;
import io.flotilla.common.BackupHistory.Subject;
import io.flotilla.common.BackupHistory.Summary;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackupHistoryTest {
  static final Subject HC1 = new Subject("mc1", "clusters", "hc1");

  static HostedClusterBackup record(String cluster, String hc, String name, Phase phase, String started,
                                    String completed) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withNamespace(cluster).withName(name).withUid("uid-" + name)
        .withCreationTimestamp(started).build());
    b.getSpec().hostedCluster = new NamespacedName("clusters", hc);
    b.getSpec().store = "s3";
    b.getStatus().phase = phase;
    b.getStatus().startedAt = started;
    b.getStatus().completedAt = completed;
    return b;
  }

  static HostedClusterBackup completed(String name, String started, String completed, long stored, String pause) {
    HostedClusterBackup b = record("mc1", "hc1", name, Phase.Completed, started, completed);
    b.getStatus().snapshot = new HostedClusterBackupStatus.Snapshot();
    b.getStatus().snapshot.storedBytes = stored;
    b.getStatus().pauseWindow = pause;
    return b;
  }

  @Test
  void theNewestSuccessByCompletionGivesTheFiguresAndFailuresAfterItAreConsecutive() {
    List<HostedClusterBackup> records = List.of(
        completed("b1", "2026-01-01T01:00:00Z", "2026-01-01T01:02:00Z", 100, "2.5s"),
        completed("b2", "2026-01-01T02:00:00Z", "2026-01-01T02:00:40Z", 300, "1.250s"),
        record("mc1", "hc1", "f1", Phase.Failed, "2026-01-01T01:30:00Z", "2026-01-01T01:31:00Z"),
        record("mc1", "hc1", "f2", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:01:00Z"),
        record("mc1", "hc1", "f3", Phase.Failed, "2026-01-01T04:00:00Z", null),
        record("mc1", "hc1", "running", Phase.InProgress, "2026-01-01T05:00:00Z", null));

    Summary s = BackupHistory.summarize(records).get(HC1);

    assertThat(s.lastSuccess()).isEqualTo(Instant.parse("2026-01-01T02:00:40Z"));
    assertThat(s.lastDuration()).isEqualTo(Duration.ofSeconds(40));
    assertThat(s.lastStoredBytes()).isEqualTo(300L);
    assertThat(s.lastPauseWindow()).isEqualTo(Duration.ofMillis(1250));
    // f1 failed before the newest success; f2 after it, f3 (no completion) started after it
    assertThat(s.consecutiveFailures()).isEqualTo(2);
    assertThat(s.failedRecords()).containsExactlyInAnyOrder("uid-f1", "uid-f2", "uid-f3");
    assertThat(s.records()).isEqualTo(6);
  }

  @Test
  void withoutASuccessEveryFailureCountsAndThereAreNoFigures() {
    Summary s = BackupHistory.summarize(List.of(
        record("mc1", "hc1", "f1", Phase.Failed, "2026-01-01T01:30:00Z", "2026-01-01T01:31:00Z"),
        record("mc1", "hc1", "new", Phase.New, null, null))).get(HC1);
    assertThat(s.lastSuccess()).isNull();
    assertThat(s.lastDuration()).isNull();
    assertThat(s.lastStoredBytes()).isNull();
    assertThat(s.consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void theNewestBackupWhoseLatestRestoreDrillPassedIsTheLastVerified() {
    HostedClusterBackup drilled = completed("b1", "2026-01-01T01:00:00Z", "2026-01-01T01:02:00Z", 1, null);
    verification(drilled, HostedClusterBackup.restoreDrillRequest(Instant.parse("2026-01-01T01:03:00Z")), true);
    HostedClusterBackup plainlyVerified = completed("b2", "2026-01-01T02:00:00Z", "2026-01-01T02:02:00Z", 1, null);
    verification(plainlyVerified, "2026-01-01T02:03:00Z", true); // SHA-256 only: not a drill
    HostedClusterBackup drillFailed = completed("b3", "2026-01-01T03:00:00Z", "2026-01-01T03:02:00Z", 1, null);
    verification(drillFailed, HostedClusterBackup.restoreDrillRequest(Instant.parse("2026-01-01T03:03:00Z")), false);
    HostedClusterBackup pending = completed("b4", "2026-01-01T04:00:00Z", "2026-01-01T04:02:00Z", 1, null);
    pending.getMetadata().setAnnotations(Map.of(HostedClusterBackup.VERIFY_ANNOTATION,
        HostedClusterBackup.restoreDrillRequest(Instant.parse("2026-01-01T04:03:00Z"))));

    Summary s = BackupHistory.summarize(List.of(drilled, plainlyVerified, drillFailed, pending)).get(HC1);

    assertThat(s.lastVerified()).isEqualTo(Instant.parse("2026-01-01T01:02:00Z"));
    assertThat(s.lastVerifiedBackup()).isEqualTo("b1");
    assertThat(s.lastSuccessBackup()).isEqualTo("b4");
    assertThat(BackupHistory.drillFailed(drillFailed)).isTrue();
    assertThat(BackupHistory.drillFailed(plainlyVerified)).isFalse();
    assertThat(BackupHistory.drillPassed(pending)).isFalse();
  }

  static void verification(HostedClusterBackup b, String request, boolean passed) {
    b.getStatus().verification = new HostedClusterBackupStatus.Verification();
    b.getStatus().verification.request = request;
    b.getStatus().verification.passed = passed;
  }

  @Test
  void pauseWindowFallsBackToThePauseTimestamps() {
    HostedClusterBackup b = completed("b1", "2026-01-01T01:00:00Z", "2026-01-01T01:02:00Z", 1, null);
    b.getStatus().pausedAt = "2026-01-01T01:00:10Z";
    b.getStatus().resumedAt = "2026-01-01T01:00:13Z";
    assertThat(BackupHistory.summarize(List.of(b)).get(HC1).lastPauseWindow()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void eachHostedClusterOnEachManagementClusterIsItsOwnSubjectAndRecordsWithoutATargetAreSkipped() {
    HostedClusterBackup orphan = record("mc1", "hc1", "x", Phase.Failed, null, null);
    orphan.getSpec().hostedCluster = null;
    Map<Subject, Summary> all = BackupHistory.summarize(List.of(
        record("mc2", "hc1", "a", Phase.Failed, null, null),
        record("mc1", "hc2", "b", Phase.Failed, null, null),
        record("mc1", "hc1", "c", Phase.Failed, null, null),
        orphan));
    assertThat(all.keySet()).containsExactly(HC1, new Subject("mc1", "clusters", "hc2"),
        new Subject("mc2", "clusters", "hc1"));
  }

  @Test
  void failureTallyNeverGoesDownWhileItsSubjectHasRecords() {
    FailureTally tally = new FailureTally();
    List<HostedClusterBackup> records = new ArrayList<>(List.of(
        record("mc1", "hc1", "f1", Phase.Failed, null, "2026-01-01T01:00:00Z"),
        completed("ok", "2026-01-01T02:00:00Z", "2026-01-01T02:01:00Z", 1, "1s")));
    assertThat(tally.observe(BackupHistory.summarize(records))).containsEntry(HC1, 1L);

    records.add(record("mc1", "hc1", "f2", Phase.Failed, null, "2026-01-01T03:00:00Z"));
    assertThat(tally.observe(BackupHistory.summarize(records))).containsEntry(HC1, 2L);
    // the same records again: nothing new
    assertThat(tally.observe(BackupHistory.summarize(records))).containsEntry(HC1, 2L);

    // retention deletes both failures: the counter keeps its value
    records.removeIf(b -> b.getMetadata().getName().startsWith("f"));
    assertThat(tally.observe(BackupHistory.summarize(records))).containsEntry(HC1, 2L);

    records.add(record("mc1", "hc1", "f3", Phase.Failed, null, "2026-01-01T04:00:00Z"));
    assertThat(tally.observe(BackupHistory.summarize(records))).containsEntry(HC1, 3L);

    // the hosted cluster's records are all gone: it is forgotten
    assertThat(tally.observe(BackupHistory.summarize(List.of()))).isEmpty();
  }
}
