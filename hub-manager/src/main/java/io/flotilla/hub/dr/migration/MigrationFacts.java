package io.flotilla.hub.dr.migration;

import static io.flotilla.hub.dr.migration.MigrationPlanner.BACK_UP_SOURCE;
import static io.flotilla.hub.dr.migration.MigrationPlanner.PAUSE_SOURCE;
import static io.flotilla.hub.dr.migration.MigrationPlanner.RESTORE_ON_DESTINATION;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.hub.dr.migration.MigrationInput.Backup;
import io.flotilla.hub.dr.migration.MigrationInput.Hold;
import io.flotilla.hub.dr.migration.MigrationInput.Restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the records a migration created in the cluster namespaces say about the steps of its way forward (pause,
 * backup, restore, and the verification of the restore against the backup), as their agents last reported them. The
 * status as last written tells a record that was deleted from one that was never created: a step that names a record
 * was created. {@link MigrationPlanner} plans from these facts; nothing here decides what to do next.
 */
final class MigrationFacts {
  /** How far one step of the way forward got, as its record says. */
  enum State { NOT_STARTED, RUNNING, DONE, FAILED, SKIPPED }

  /** @param record namespace/name of the step's record if this migration created it (it may be gone since) */
  record Fact(State state, String message, String record) {
    static Fact of(State s, String m) { return new Fact(s, m, null); }

    Fact on(String r) { return new Fact(state, message, r); }
  }

  private final MigrationInput in;
  private final MigrationInput.Records records;
  private final boolean failover;
  private final String source;
  private final String destination;
  private final NamespacedName hostedCluster;
  private final MigrationRecords names;

  MigrationFacts(MigrationInput in) {
    this.in = in;
    this.records = in.records();
    this.failover = in.failover();
    this.source = in.source();
    this.destination = in.destination();
    this.hostedCluster = in.spec().hostedCluster;
    this.names = in.names();
  }

  Fact pause() {
    if (failover) {
      return Fact.of(State.SKIPPED, sourceLostSkip());
    }
    if (records.taken().contains(names.hold())) {
      return Fact.of(State.FAILED, taken("HostedClusterPause", names.hold()));
    }
    Hold h = records.hold();
    if (h == null) {
      return wasCreated(PAUSE_SOURCE)
          ? Fact.of(State.FAILED, "the HostedClusterPause " + names.hold() + " was deleted before the migration "
              + "was done with it; its agent released the source, so the source is no longer held").on(names.hold())
          : Fact.of(State.NOT_STARTED, null);
    }
    return holdState(h).on(names.hold());
  }

  private Fact holdState(Hold h) {
    if (h.releaseRequested()) {
      // released by a rollback, or by hand (which rolls the migration back): the pause step ended as it had
      Optional<Step> prev = oldStep(PAUSE_SOURCE)
          .filter(s -> s.phase == StepPhase.Succeeded || s.phase == StepPhase.Failed);
      if (prev.isPresent()) {
        return Fact.of(prev.get().phase == StepPhase.Failed ? State.FAILED : State.DONE, prev.get().message);
      }
      if (h.phase() != HostedClusterPauseStatus.Phase.Failed) {
        return Fact.of(State.DONE, "the hold was released (spec.release)");
      }
    }
    if (h.phase() == HostedClusterPauseStatus.Phase.Failed) {
      return Fact.of(State.FAILED, "holding the source failed: " + text(h.message()));
    }
    if (h.released()) {
      return Fact.of(State.FAILED, "the hold ended before the migration was done with it, so the source is no "
          + "longer held: " + text(h.message()));
    }
    if (h.phase() == HostedClusterPauseStatus.Phase.Paused) {
      return Fact.of(State.DONE, "source held on " + source + ": paused, API servers quiesced, workers' Cluster "
          + "API objects paused");
    }
    return Fact.of(State.RUNNING, "holding " + hostedCluster + " on " + source + agentSays(h.message()));
  }

  /** @param store the BackupStore the migration backs up to */
  Fact backup(String store) {
    if (failover) {
      return Fact.of(State.SKIPPED, sourceLostSkip());
    }
    if (records.taken().contains(names.backup())) {
      return Fact.of(State.FAILED, taken("HostedClusterBackup", names.backup()));
    }
    Backup b = records.backup();
    if (b == null) {
      return wasCreated(BACK_UP_SOURCE)
          ? Fact.of(State.FAILED, "the HostedClusterBackup " + names.backup() + " was deleted before the "
              + "migration was done with it").on(names.backup())
          : Fact.of(State.NOT_STARTED, null);
    }
    return backupState(b, store).on(names.backup());
  }

  private Fact backupState(Backup b, String store) {
    if (b.phase() == HostedClusterBackupStatus.Phase.Completed) {
      return Fact.of(State.DONE, "backed up to store " + store + ": etcd revision " + b.etcdRevision() + ", "
          + b.keys() + " keys");
    }
    if (b.phase() == HostedClusterBackupStatus.Phase.Failed) {
      return Fact.of(State.FAILED, "the backup " + names.backup() + " failed: " + text(b.message()));
    }
    return Fact.of(State.RUNNING, "backing up the held source to store " + store + agentSays(b.message()));
  }

  Fact restore() {
    if (records.taken().contains(names.restore())) {
      return Fact.of(State.FAILED, taken("HostedClusterRestore", names.restore()));
    }
    Restore r = records.restore();
    if (r == null) {
      return wasCreated(RESTORE_ON_DESTINATION)
          ? Fact.of(State.FAILED, "the HostedClusterRestore " + names.restore() + " was deleted before the "
              + "migration was done with it").on(names.restore())
          : Fact.of(State.NOT_STARTED, null);
    }
    return restoreState(r).on(names.restore());
  }

  private Fact restoreState(Restore r) {
    if (r.phase() == HostedClusterRestoreStatus.Phase.Completed) {
      return Fact.of(State.DONE, "restored on " + destination + " from backup " + restoredFrom(r));
    }
    if (r.phase() == HostedClusterRestoreStatus.Phase.Failed) {
      return Fact.of(State.FAILED, "the restore " + names.restore() + " failed: " + text(r.message()));
    }
    return Fact.of(State.RUNNING, "restoring " + hostedCluster + " on " + destination + " from "
        + (failover ? "its newest Completed backup" : "backup " + names.backup()) + agentSays(r.message()));
  }

  /** The restored etcd against the backup: the restore's own verdict, and revision and key count equal. */
  Fact verify(Fact restore) {
    if (restore.state() != State.DONE) {
      return Fact.of(State.NOT_STARTED, null);
    }
    Restore r = records.restore();
    Backup b = records.backup();
    // a migration compares with its own backup record; a fail-over with the backup the agent found in the bucket
    Long revision = !failover && b != null ? b.etcdRevision() : r.sourceRevision();
    Long keys = !failover && b != null ? b.keys() : r.sourceKeys();
    List<String> problems = new ArrayList<>();
    if (!Boolean.TRUE.equals(r.matchesBackup())) {
      problems.add("the restore reports that the restored etcd does not match the backup (matchesBackup "
          + r.matchesBackup() + ")");
    }
    if (r.verifiedRevision() == null || !r.verifiedRevision().equals(revision)) {
      problems.add("the restore was checked at etcd revision " + r.verifiedRevision() + ", the backup has " + revision);
    }
    if (r.verifiedKeys() == null || !r.verifiedKeys().equals(keys)) {
      problems.add(r.verifiedKeys() + " keys restored, the backup has " + keys);
    }
    if (!problems.isEmpty()) {
      return Fact.of(State.FAILED, "verification failed: " + String.join("; ", problems));
    }
    return Fact.of(State.DONE, "etcd revision " + revision + " and " + keys + " keys match backup "
        + restoredFrom(r));
  }

  /** True if the status as last written names a record for {@code step}: this migration created it. */
  boolean wasCreated(String step) {
    return oldStep(step).map(s -> s.record != null).orElse(false);
  }

  String sourceLostSkip() {
    return "the source cluster " + source + " is lost: the destination restores the newest Completed backup";
  }

  private Optional<Step> oldStep(String step) {
    return MigrationStatusAggregator.step(in.status(), step);
  }

  private String restoredFrom(Restore r) {
    String backup = r.sourceBackup() != null ? r.sourceBackup() : names.backupName();
    return failover ? backup : source + "/" + backup;
  }

  /** A record's name held by an object of another migration or of nobody. */
  static String taken(String kind, String record) {
    return "a " + kind + " " + record + " exists that this migration did not create; it is left alone";
  }

  /** What the agent said last, in parentheses after a message; nothing if it said nothing. */
  static String agentSays(String message) {
    return message == null || message.isBlank() ? "" : " (" + message + ")";
  }

  /** What the agent said last as the reason of a failure. */
  static String text(String message) {
    return message == null || message.isBlank() ? "the agent gave no reason" : message;
  }
}
