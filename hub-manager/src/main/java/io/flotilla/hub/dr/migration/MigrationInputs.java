package io.flotilla.hub.dr.migration;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Turns the records an agent reports on into {@link MigrationPlanner}'s values. */
final class MigrationInputs {
  private MigrationInputs() {}

  /** The agent's reason on Released=False when a release could not put every value back (it retries). */

  static MigrationInput.Hold hold(HostedClusterPause p) {
    HostedClusterPauseStatus s = p.getStatus() == null ? new HostedClusterPauseStatus() : p.getStatus();
    boolean release = p.getSpec() != null && p.getSpec().released();
    boolean released = s.releasedAt != null || s.phase == HostedClusterPauseStatus.Phase.Released;
    boolean releaseFailed = release && !released
        && Conditions.find(s.conditions, HostedClusterPause.CONDITION_RELEASED)
            .filter(c -> Conditions.FALSE.equals(c.getStatus()) && io.flotilla.api.dr.v1alpha1.HostedClusterPause.REASON_RELEASE_FAILED.equals(c.getReason()))
            .isPresent();
    String message = message(s.conditions, release || released ? HostedClusterPause.CONDITION_RELEASED
        : HostedClusterPause.CONDITION_PAUSED);
    return new MigrationInput.Hold(s.phase, release, released, releaseFailed,
        p.getMetadata().getDeletionTimestamp() != null, message);
  }

  static MigrationInput.Backup backup(HostedClusterBackup b) {
    HostedClusterBackupStatus s = b.getStatus() == null ? new HostedClusterBackupStatus() : b.getStatus();
    return new MigrationInput.Backup(s.phase, s.snapshot == null ? null : s.snapshot.etcdRevision,
        s.snapshot == null ? null : s.snapshot.keys, message(s.conditions, HostedClusterBackup.CONDITION_COMPLETED));
  }

  static MigrationInput.Restore restore(HostedClusterRestore r) {
    HostedClusterRestoreStatus s = r.getStatus() == null ? new HostedClusterRestoreStatus() : r.getStatus();
    HostedClusterRestoreStatus.Source src = s.source;
    HostedClusterRestoreStatus.Verification v = s.verification;
    return new MigrationInput.Restore(s.phase, src == null ? null : src.backup, src == null ? null : src.etcdRevision,
        // the revision the restore was checked at, not its live one: the restored kube-apiserver writes from the start
        // (docs/hypershift-facts.md §8.7)
        src == null ? null : src.keys, v == null ? null : v.atRevision, v == null ? null : v.keys,
        v == null ? null : v.matchesBackup, message(s.conditions, HostedClusterRestore.CONDITION_COMPLETED));
  }

  static MigrationInput.Teardown teardown(HostedClusterTeardown t) {
    HostedClusterTeardownStatus s = t.getStatus() == null ? new HostedClusterTeardownStatus() : t.getStatus();
    String message = s.phase == HostedClusterTeardownStatus.Phase.Halted
        ? message(s.conditions, HostedClusterTeardown.CONDITION_PRESERVATION_VERIFIED)
        : message(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED);
    if (s.phase == HostedClusterTeardownStatus.Phase.Halted && s.preservation != null
        && s.preservation.missing != null && !s.preservation.missing.isEmpty()
        && (message == null || message.isBlank())) {
      message = "missing: " + String.join("; ", s.preservation.missing);
    }
    return new MigrationInput.Teardown(s.phase, message);
  }

  static Instant created(HostedClusterMigration m) {
    return Time.parse(m.getMetadata().getCreationTimestamp());
  }

  /** The message of condition {@code type}, else of the newest condition; null without conditions. */
  static String message(List<Condition> conditions, String type) {
    Optional<Condition> c = Conditions.find(conditions, type);
    if (c.isEmpty() && conditions != null) {
      c = conditions.stream().filter(Objects::nonNull)
          .max(Comparator.comparing(x -> Objects.requireNonNullElse(x.getLastTransitionTime(), "")));
    }
    return c.map(Condition::getMessage).orElse(null);
  }
}
