package io.flotilla.cli;

import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The table `flotilla backup list` prints: one row per HostedClusterBackup, in the order given. */
final class BackupTable {
  private BackupTable() {}

  static Table of(List<HostedClusterBackup> backups, Instant now) {
    Table table = new Table("NAME", "CLUSTER", "HOSTED-CLUSTER", "PHASE", "STARTED", "DURATION", "STORED", "REVISION");
    for (HostedClusterBackup b : backups) {
      HostedClusterBackupStatus s = b.getStatus();
      Instant started = s == null ? null : Time.parse(s.startedAt);
      Duration took = BackupDescription.duration(s, now);
      table.row(b.getMetadata().getName(), b.getMetadata().getNamespace(),
          b.getSpec() == null || b.getSpec().hostedCluster == null ? null : b.getSpec().hostedCluster.toString(),
          s == null || s.phase == null ? "New" : s.phase.name(),
          started == null ? null : Ages.of(Duration.between(started, now)) + " ago",
          took == null ? null : Ages.of(took),
          s == null || s.snapshot == null || s.snapshot.storedBytes == null ? null : Sizes.format(s.snapshot.storedBytes),
          s == null || s.snapshot == null ? null : s.snapshot.etcdRevision);
    }
    return table;
  }
}
