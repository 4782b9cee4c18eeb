package io.flotilla.cli;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BackupProgressTest {
  private static final long MI = 1L << 20;

  @Test
  void describesPhaseStepBytesAndPercentage() {
    assertThat(BackupProgress.describe(null)).isEqualTo("New         Waiting");
    assertThat(BackupProgress.describe(status(Phase.InProgress, "Pausing", null, 4 * MI))).isEqualTo("InProgress  Pausing");
    assertThat(BackupProgress.describe(status(Phase.InProgress, "Snapshot", 1_782_579L, 4 * MI)))
        .isEqualTo("InProgress  Snapshot    1.7Mi / 4Mi   42%");
    assertThat(BackupProgress.describe(status(Phase.InProgress, "Snapshot", 3 * MI, null)))
        .isEqualTo("InProgress  Snapshot    3Mi");
  }

  @Test
  void aSnapshotLargerThanTheDatabaseSizeShowsAFullBarNotMore() {
    HostedClusterBackupStatus s = status(Phase.InProgress, "Snapshot", 4 * MI + 32, 4 * MI);
    assertThat(BackupProgress.fraction(s)).isEqualTo(1.0);
    assertThat(BackupProgress.describe(s)).endsWith("100%");
    assertThat(BackupProgress.bar(1.0)).isEqualTo("[####################]");
    assertThat(BackupProgress.bar(0.5)).isEqualTo("[##########..........]");
    assertThat(BackupProgress.bar(null)).isEqualTo("[....................]");
  }

  @Test
  void aCompletedBackupIsWholeEvenIfTheSnapshotCameOutSmallerThanTheEstimate() {
    assertThat(BackupProgress.describe(status(Phase.Completed, "Done", 4 * MI - 4096, 4 * MI))).endsWith("100%");
    assertThat(BackupProgress.describe(status(Phase.InProgress, "Resources", 4 * MI - 4096, 4 * MI))).endsWith(" 99%");
  }

  @Test
  void lineByLineWritesOnStepChangesAndEveryTenthNotOnEveryPoll() {
    List<String> lines = new ArrayList<>();
    BackupProgress progress = BackupProgress.lineByLine(lines::add);

    progress.observe(null);
    progress.observe(null);
    progress.observe(status(Phase.InProgress, "Preflight", null, null));
    progress.observe(status(Phase.InProgress, "Snapshot", 0L, 100 * MI));
    for (long done = 1; done <= 100; done++) {
      progress.observe(status(Phase.InProgress, "Snapshot", done * MI, 100 * MI));
    }
    progress.observe(status(Phase.InProgress, "Resources", 100 * MI, 100 * MI));
    progress.observe(status(Phase.Completed, "Done", 100 * MI, 100 * MI));
    progress.observe(status(Phase.Completed, "Done", 100 * MI, 100 * MI));
    progress.end();

    assertThat(lines).hasSize(1 + 1 + 1 + 10 + 1 + 1);
    assertThat(lines.get(0)).isEqualTo("New         Waiting");
    assertThat(lines.get(3)).isEqualTo("InProgress  Snapshot    10Mi / 100Mi   10%");
    assertThat(lines.get(12)).isEqualTo("InProgress  Snapshot    100Mi / 100Mi  100%");
    assertThat(lines.get(lines.size() - 1)).startsWith("Completed   Done");
  }

  @Test
  void onATerminalOneLineIsRedrawnAndEndedOnce() {
    StringWriter screen = new StringWriter();
    BackupProgress progress = BackupProgress.redrawing(new PrintWriter(screen));

    progress.observe(status(Phase.InProgress, "Snapshot", 50 * MI, 100 * MI));
    progress.observe(status(Phase.InProgress, "Snapshot", 50 * MI, 100 * MI));
    progress.observe(status(Phase.InProgress, "Resuming", null, null));
    progress.end();

    String first = "[##########..........]  InProgress  Snapshot    50Mi / 100Mi   50%";
    String second = "[....................]  InProgress  Resuming";
    assertThat(screen.toString()).isEqualTo("\r" + first + "\r" + second + " ".repeat(first.length() - second.length())
        + System.lineSeparator());
  }

  @Test
  void aFailedBackupShowsItsReasonWhereTheStepWas() {
    HostedClusterBackupStatus s = status(Phase.Failed, "Failed", null, null);
    io.flotilla.common.Conditions.set(s.conditions, "Completed", "False", "HostedClusterNotFound", "m", 1L,
        java.time.Instant.EPOCH);
    assertThat(BackupProgress.describe(s)).isEqualTo("Failed      HostedClusterNotFound");
  }

  static HostedClusterBackupStatus status(Phase phase, String step, Long done, Long total) {
    HostedClusterBackupStatus s = new HostedClusterBackupStatus();
    s.phase = phase;
    s.progress = new HostedClusterBackupStatus.Progress();
    s.progress.step = step;
    s.progress.bytesDone = done;
    s.progress.bytesTotal = total;
    return s;
  }
}
