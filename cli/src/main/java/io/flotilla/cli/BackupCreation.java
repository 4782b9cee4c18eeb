package io.flotilla.cli;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.time.Duration;
import java.util.Objects;

/**
 * `backup create` and its {@code --wait}: the one code path the command and `sandbox demo` share. Creating checks the
 * request against the hub first; following watches the record until the agent has finished it, feeding the progress
 * display, and says in one line how it ended.
 */
final class BackupCreation {
  private final HubBackups hub;

  BackupCreation(HubBackups hub) {
    this.hub = Objects.requireNonNull(hub);
  }

  /** How a followed backup ended: {@code completed} or not, and the line to print either way. */
  record Outcome(boolean completed, String line, HostedClusterBackup backup) {}

  HostedClusterBackup create(BackupRequest request) {
    return hub.create(request);
  }

  /** Follows {@code created} until it is Completed or Failed, or {@code timeout} passes. */
  Outcome follow(HostedClusterBackup created, Duration timeout, BackupProgress progress) {
    String cluster = created.getMetadata().getNamespace();
    String name = created.getMetadata().getName();
    HubQueries.Waited<HostedClusterBackup> waited;
    try {
      waited = hub.await(cluster, name, timeout, b -> b == null || ended(b),
          b -> progress.observe(b == null ? null : b.getStatus()));
    } finally {
      progress.end();
    }
    HostedClusterBackup last = waited.last();
    if (last == null) {
      return new Outcome(false, "backup " + cluster + "/" + name + " was deleted before it finished", null);
    }
    if (waited.reached()) {
      return last.getStatus().phase == Phase.Completed
          ? new Outcome(true, BackupDescription.summary(last), last)
          : new Outcome(false, BackupDescription.failure(last), last);
    }
    return new Outcome(false, timedOut(last, timeout), last);
  }

  private static boolean ended(HostedClusterBackup b) {
    Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
    return phase == Phase.Completed || phase == Phase.Failed;
  }

  /** Not finished in time: where it got to, that it goes on, and where to look when its agent never started it. */
  private String timedOut(HostedClusterBackup b, Duration timeout) {
    String cluster = b.getMetadata().getNamespace();
    HostedClusterBackupStatus s = b.getStatus();
    String where = "backup " + BackupDescription.id(b) + " did not finish within " + Ages.of(timeout);
    if (s == null || s.phase == null || s.phase == Phase.New) {
      return where + ": " + cluster + "'s agent has not started it (" + cluster + " is " + hub.availability(cluster)
          + "); it runs when the agent is back: flotilla status, flotilla backup describe " + cluster + " "
          + b.getMetadata().getName();
    }
    return where + " (" + BackupProgress.describe(s).replaceAll(" {2,}", ", ") + "); it goes on on " + cluster
        + ": flotilla backup describe " + cluster + " " + b.getMetadata().getName();
  }
}
