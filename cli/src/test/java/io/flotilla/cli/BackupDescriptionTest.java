package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackupDescriptionTest {
  private static final Instant NOW = Instant.parse("2026-11-21T11:00:00Z");

  @Test
  void summaryGivesStoredSizeRevisionAndThePauseWindow() {
    assertThat(BackupDescription.summary(completed("b1", "10:50:00", "10:50:01", "10:50:04", "10:50:06")))
        .isEqualTo("backup mc-1/b1 completed in 6s: 1.2Mi stored (4Mi raw), etcd revision 1234, 987 keys; "
            + "hosted cluster clusters/hc-1 paused 3s");
    // timestamps have whole seconds: a pause inside one second is not "0s"
    assertThat(BackupDescription.summary(completed("b1", "10:50:00", "10:50:01", "10:50:01", "10:50:02")))
        .endsWith("paused <1s");
  }

  @Test
  void failureGivesTheReasonAndMessage() {
    HostedClusterBackup b = backup("b2");
    b.getStatus().phase = Phase.Failed;
    Conditions.set(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.FALSE,
        "HostedClusterNotFound", "HostedCluster clusters/nope does not exist on mc-1", 1L, NOW);
    assertThat(BackupDescription.failure(b))
        .isEqualTo("backup mc-1/b2 failed: HostedClusterNotFound: HostedCluster clusters/nope does not exist on mc-1");
  }

  @Test
  void describeShowsSpecStatusConditionsVerificationAndEvents() {
    HostedClusterBackup b = completed("b3", "10:50:00", "10:50:01", "10:50:04", "10:50:06");
    b.getStatus().verification = new HostedClusterBackupStatus.Verification();
    b.getStatus().verification.passed = true;
    b.getStatus().verification.verifiedAt = "2026-11-21T10:55:00Z";
    b.getStatus().verification.message = "SHA-256 matches the manifest";
    Conditions.set(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.TRUE,
        "BackupCompleted", "Snapshot at etcd revision 1234", 1L, Instant.parse("2026-11-21T10:50:06Z"));

    String text = BackupDescription.of(b, List.of(new EventBuilder().withType("Normal").withReason("BackupStarted")
        .withMessage("Backing up hosted cluster clusters/hc-1").withLastTimestamp("2026-11-21T10:50:00Z")
        .withNewSource().withComponent("flotilla-agent/mc-1").endSource().build()), NOW);

    assertThat(text).contains(
        "Name:                 b3\n",
        "Hosted cluster:       clusters/hc-1\n",
        "Max pause window:     10m (default)\n",
        "Phase:                Completed\n",
        "Started:              2026-11-21T10:50:00Z (10m ago)\n",
        "Completed:            2026-11-21T10:50:06Z (9m54s ago), took 6s\n",
        "Paused:               2026-11-21T10:50:01Z, resumed 2026-11-21T10:50:04Z (3s)\n",
        "Location:             s3://bucket/flotilla/mc-1/clusters/hc-1/b3/\n",
        "Snapshot:             4Mi raw, 1.2Mi stored, etcd revision 1234, 987 keys\n",
        "Verification:         passed, 2026-11-21T10:55:00Z (5m ago)\n",
        "                      SHA-256 matches the manifest\n");
    assertThat(text).containsSubsequence("Conditions:\n", "  TYPE", "  Completed   True     BackupCompleted",
        "Events:\n", "  AGE", "  10m   Normal   BackupStarted   flotilla-agent/mc-1");
  }

  @Test
  void theListShowsAgeDurationStoredAndRevisionAndNoneForANewBackup() {
    String table = BackupTable.of(List.of(completed("b4", "10:50:00", "10:50:01", "10:50:04", "10:50:06"), backup("b5")),
        NOW).render();
    List<String> lines = table.lines().toList();
    assertThat(lines.get(1).split(" +")).containsExactly("b4", "mc-1", "clusters/hc-1", "Completed", "10m", "ago", "6s",
        "1.2Mi", "1234");
    assertThat(lines.get(2).split(" +")).containsExactly("b5", "mc-1", "clusters/hc-1", "New", "<none>", "<none>",
        "<none>", "<none>");
  }

  private static HostedClusterBackup backup(String name) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace("mc-1");
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    b.getSpec().store = "default";
    return b;
  }

  private static HostedClusterBackup completed(String name, String started, String paused, String resumed,
      String completed) {
    HostedClusterBackup b = backup(name);
    HostedClusterBackupStatus s = b.getStatus();
    s.phase = Phase.Completed;
    s.startedAt = "2026-11-21T" + started + "Z";
    s.pausedAt = "2026-11-21T" + paused + "Z";
    s.resumedAt = "2026-11-21T" + resumed + "Z";
    s.completedAt = "2026-11-21T" + completed + "Z";
    s.location = new HostedClusterBackupStatus.Location();
    s.location.bucket = "bucket";
    s.location.keyPrefix = "flotilla/mc-1/clusters/hc-1/" + name + "/";
    s.snapshot = new HostedClusterBackupStatus.Snapshot();
    s.snapshot.rawBytes = 4L << 20;
    s.snapshot.storedBytes = 1_258_291L;
    s.snapshot.etcdRevision = 1234L;
    s.snapshot.keys = 987L;
    s.snapshot.sha256 = "ab".repeat(32);
    return b;
  }
}
