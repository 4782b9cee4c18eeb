package io.flotilla.hub.dr.migration;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything {@link MigrationPlanner} decides from, as plain values: the migration as read from the hub, the records
 * it created in the cluster namespaces (as their agents last reported them), the management clusters and backup stores
 * that exist, and the restore slots on the destination.
 *
 * @param name                   the migration's name (its records are named after it and labelled with it)
 * @param generation             metadata.generation
 * @param created                metadata.creationTimestamp: the start of the recovery time
 * @param spec                   the spec
 * @param status                 the status as read; null if never written
 * @param clusters               ManagementCluster name to its spec.lost, for the clusters that exist
 * @param stores                 the names of the BackupStores that exist
 * @param records                the migration's records found on the hub
 * @param restoringOnDestination other migrations holding a restore slot on the destination
 *                               ({@link MigrationPlanner#holdsRestoreSlot})
 * @param queuedAhead            other migrations onto the same destination that wait for a slot and were created
 *                               before this one ({@link MigrationPlanner#waitsForSlot})
 * @param now                    the instant of this pass
 * @param managedCluster         on an OCM hub, the hosted cluster's ManagedCluster as the hub has it now; null when
 *                               Flotilla does not read OCM's clusters
 */
public record MigrationInput(String name, Long generation, Instant created, HostedClusterMigrationSpec spec,
                             HostedClusterMigrationStatus status, Map<String, Boolean> clusters, Set<String> stores,
                             Records records, int restoringOnDestination, int queuedAhead, Instant now,
                             ManagedClusterState managedCluster) {
  public MigrationInput {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(now, "now");
    clusters = clusters == null ? Map.of() : Map.copyOf(clusters);
    stores = stores == null ? Set.of() : Set.copyOf(stores);
    records = records == null ? Records.NONE : records;
  }

  /** Without OCM. */
  public MigrationInput(String name, Long generation, Instant created, HostedClusterMigrationSpec spec,
                        HostedClusterMigrationStatus status, Map<String, Boolean> clusters, Set<String> stores,
                        Records records, int restoringOnDestination, int queuedAhead, Instant now) {
    this(name, generation, created, spec, status, clusters, stores, records, restoringOnDestination, queuedAhead, now,
        null);
  }

  /**
   * The hosted cluster's ManagedCluster on an OCM hub (docs/ocm-facts.md §I2.6, §I4.3): named after the HostedCluster,
   * imported in Hosted mode by the hypershift-addon, which annotates it with its hosting cluster and deletes it when
   * the HostedCluster goes.
   *
   * @param name           the ManagedCluster looked for (the HostedCluster's name)
   * @param exists         there is one of that name, not being deleted
   * @param hostingCluster its import.open-cluster-management.io/hosting-cluster-name annotation; null without
   * @param available      its ManagedClusterConditionAvailable is True
   */
  public record ManagedClusterState(String name, boolean exists, String hostingCluster, boolean available) {
    public static ManagedClusterState absent(String name) { return new ManagedClusterState(name, false, null, false); }
  }

  /** spec.source.cluster; null without one. */
  public String source() { return spec.source == null ? null : spec.source.cluster; }

  /** spec.destination.cluster; null without one. */
  public String destination() { return spec.destination == null ? null : spec.destination.cluster; }

  /** spec.source.lost: a fail-over from a source declared lost, which skips the source's steps. */
  public boolean failover() { return spec.source != null && Boolean.TRUE.equals(spec.source.lost); }

  /** The names of the records this migration creates. */
  public MigrationRecords names() { return new MigrationRecords(name, source(), destination()); }

  /**
   * The migration's records, each null when absent. A record whose deterministic name is taken by an object this
   * migration did not create is not here but in {@code taken}: it is never adopted, never changed.
   *
   * @param taken the record names (e.g. {@code mc-1/m-hold}) held by objects of another migration or of nobody
   */
  public record Records(Hold hold, Backup backup, Restore restore, Teardown sourceTeardown, Teardown copyTeardown,
                        Set<String> taken) {
    public static final Records NONE = new Records(null, null, null, null, null, Set.of());

    public Records {
      taken = taken == null ? Set.of() : Set.copyOf(taken);
    }

    boolean any() {
      return hold != null || backup != null || restore != null || sourceTeardown != null || copyTeardown != null;
    }

    public Records withHold(Hold h) { return new Records(h, backup, restore, sourceTeardown, copyTeardown, taken); }

    public Records withBackup(Backup b) { return new Records(hold, b, restore, sourceTeardown, copyTeardown, taken); }

    public Records withRestore(Restore r) { return new Records(hold, backup, r, sourceTeardown, copyTeardown, taken); }

    public Records withSourceTeardown(Teardown t) { return new Records(hold, backup, restore, t, copyTeardown, taken); }

    public Records withCopyTeardown(Teardown t) { return new Records(hold, backup, restore, sourceTeardown, t, taken); }

    public Records withTaken(String... names) {
      return new Records(hold, backup, restore, sourceTeardown, copyTeardown, Set.of(names));
    }
  }

  /**
   * The HostedClusterPause holding the source.
   *
   * @param phase            status.phase; null before the agent reported
   * @param releaseRequested spec.release is true
   * @param released         the hold holds nothing any more: status.releasedAt is set, or phase Released (released
   *                         on request, or given up by the agent after a failure with every value put back)
   * @param releaseFailed    a requested release could not put every value back (the agent retries)
   * @param deleting         metadata.deletionTimestamp is set (the agent still holds its finalizer)
   * @param message          what the agent said last about holding, or about releasing once that was asked
   */
  public record Hold(HostedClusterPauseStatus.Phase phase, boolean releaseRequested, boolean released,
                     boolean releaseFailed, boolean deleting, String message) {}

  /** The source's HostedClusterBackup: phase, and the etcd revision and key count of its snapshot once Completed. */
  public record Backup(HostedClusterBackupStatus.Phase phase, Long etcdRevision, Long keys, String message) {}

  /**
   * The destination's HostedClusterRestore.
   *
   * @param sourceBackup         status.source.backup: the backup the agent found in the bucket
   * @param sourceRevision       status.source.etcdRevision: that backup's revision
   * @param sourceKeys           status.source.keys
   * @param verifiedRevision     status.verification.atRevision: the revision the restored etcd was compared at (its
   *                             live revision has moved on by then, docs/hypershift-facts.md §8)
   * @param verifiedKeys         status.verification.keys: the key count at that revision
   * @param matchesBackup        status.verification.matchesBackup
   */
  public record Restore(HostedClusterRestoreStatus.Phase phase, String sourceBackup, Long sourceRevision,
                        Long sourceKeys, Long verifiedRevision, Long verifiedKeys, Boolean matchesBackup,
                        String message) {}

  /** A HostedClusterTeardown (the source's after the point of no return, or the destination copy's on rollback). */
  public record Teardown(HostedClusterTeardownStatus.Phase phase, String message) {}
}
