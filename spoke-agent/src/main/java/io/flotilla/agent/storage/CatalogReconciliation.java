package io.flotilla.agent.storage;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The bucket is the source of truth for backups: what the hub's catalogue of HostedClusterBackup records should gain
 * from what one store holds. The agent (its own cluster folder, at start) and {@code flotilla backup sync} (every
 * cluster folder) both decide here, and only write what this returns.
 *
 * <ul>
 *   <li>A committed backup with no record becomes a record (in the namespace of the cluster whose folder holds it),
 *       Completed, with its figures from the manifest; a record that exists is left as it is.</li>
 *   <li>A Completed record whose folder has no manifest any more is reported, never deleted: someone may have moved
 *       or deleted objects by hand, and the record is the only trace left.</li>
 *   <li>A backup whose manifest names a writer other than the folder's owner ({@link ClusterIdentity}) is a collision:
 *       reported, never imported. For an agent, a folder owned by another cluster is a collision as a whole.</li>
 * </ul>
 * A created record carries {@link #IMPORTED_ANNOTATION}, so no agent mistakes it for a backup to run in the moment
 * before its status is written; one left without status (the importer stopped in that moment) gets it next time.
 */
public final class CatalogReconciliation {
  /** On records created from the bucket: the backup's location; such a record is never run as a new backup. */
  public static final String IMPORTED_ANNOTATION = "dr.flotilla.io/imported-from";
  /** Reason of the Completed condition of an imported record. */
  public static final String IMPORTED_REASON = "ImportedFromBucket";

  private CatalogReconciliation() {}

  /**
   * @param store            the BackupStore's name (records name it in spec.store)
   * @param bucket           its bucket
   * @param storePrefix      its prefix
   * @param cluster          the one cluster folder scanned, or null for every cluster folder of the store
   * @param folders          what {@link BackupCatalog#scan} found
   * @param records          the records on the hub in the namespaces the scan covers
   * @param importable       clusters whose namespace may receive records
   * @param expectedOwnerUid an agent's own cluster UID (it syncs only its own folder); null for the CLI
   */
  public record Input(String store, String bucket, String storePrefix, String cluster,
      List<BackupCatalog.ClusterFolder> folders,
      List<HostedClusterBackup> records, Predicate<String> importable, String expectedOwnerUid) {}

  /** What to write and what to tell. {@code present} counts committed backups that already have their record. */
  public record Plan(List<HostedClusterBackup> toCreate, List<HostedClusterBackup> toComplete, List<Missing> missing,
      List<Collision> collisions, List<Skipped> skipped, int present) {}

  /** A Completed record whose backup is gone from the bucket. */
  public record Missing(String namespace, String name, String location) {}

  /** A backup written by a cluster other than its folder's owner. */
  public record Collision(String cluster, String backup, String location, String writerUid, String ownerUid,
      String message) {}

  /** A committed backup that could not be imported, and why. */
  public record Skipped(String cluster, String backup, String location, Why why, String message) {}

  public enum Why { ClusterNotRegistered, NameTaken, Unreadable }

  public static Plan plan(Input in, Instant now) {
    Map<String, HostedClusterBackup> records = new HashMap<>();
    for (HostedClusterBackup r : in.records()) {
      records.put(key(r.getMetadata().getNamespace(), r.getMetadata().getName()), r);
    }
    List<HostedClusterBackup> toCreate = new ArrayList<>();
    List<HostedClusterBackup> toComplete = new ArrayList<>();
    List<Collision> collisions = new ArrayList<>();
    List<Skipped> skipped = new ArrayList<>();
    Set<String> inBucket = new HashSet<>();
    Set<String> planned = new HashSet<>();
    int present = 0;
    for (BackupCatalog.ClusterFolder folder : in.folders()) {
      for (BackupCatalog.Unreadable u : folder.unreadable()) {
        inBucket.add(u.layout().folder());
        skipped.add(new Skipped(folder.cluster(), u.layout().backup(), location(in.bucket(), u.layout().folder()),
            Why.Unreadable, "cannot read its manifest: " + u.error()));
      }
      String folderLocation = location(in.bucket(), BackupLayout.clusterFolder(in.storePrefix(), folder.cluster()));
      for (BackupCatalog.Found found : folder.backups()) {
        BackupLayout layout = found.layout();
        BackupManifest m = found.manifest();
        String location = location(in.bucket(), layout.folder());
        inBucket.add(layout.folder());
        Collision collision = collision(folder, found, folderLocation, location, in.expectedOwnerUid());
        if (collision != null) {
          collisions.add(collision);
          continue;
        }
        if (!in.importable().test(folder.cluster())) {
          skipped.add(new Skipped(folder.cluster(), layout.backup(), location, Why.ClusterNotRegistered,
              "no management cluster " + folder.cluster() + " on the hub"));
          continue;
        }
        String key = key(layout.cluster(), layout.backup());
        HostedClusterBackup existing = records.get(key);
        if (existing == null) {
          if (planned.add(key)) {
            HostedClusterBackup record = record(in.store(), in.bucket(), layout, m);
            record.setStatus(status(in.bucket(), layout, m, null, now));
            toCreate.add(record);
          } else {
            skipped.add(new Skipped(folder.cluster(), layout.backup(), location, Why.NameTaken,
                "another backup of " + layout.cluster() + " in the bucket has the same name"));
          }
        } else if (isImported(existing) && phase(existing) == null
            && Objects.equals(existing.getMetadata().getAnnotations().get(IMPORTED_ANNOTATION), location)) {
          HostedClusterBackup completed = new HostedClusterBackup(); // the input stays as it was
          completed.setMetadata(existing.getMetadata());
          completed.setSpec(existing.getSpec());
          completed.setStatus(status(in.bucket(), layout, m, existing.getMetadata().getGeneration(), now));
          toComplete.add(completed);
        } else if (isRecordOf(existing, in, layout)) {
          present++;
        } else {
          skipped.add(new Skipped(folder.cluster(), layout.backup(), location, Why.NameTaken,
              "record " + key + " already exists for another backup (" + describe(existing) + ")"));
        }
      }
    }
    List<Missing> missing = new ArrayList<>();
    for (HostedClusterBackup r : in.records()) {
      HostedClusterBackupStatus.Location loc = r.getStatus() == null ? null : r.getStatus().location;
      if (phase(r) == Phase.Completed && r.getSpec() != null && in.store().equals(r.getSpec().store) && loc != null
          && loc.keyPrefix != null
          && (loc.bucket == null || loc.bucket.equals(in.bucket())) && inScope(loc.keyPrefix, in)
          && !inBucket.contains(loc.keyPrefix)) {
        missing.add(new Missing(r.getMetadata().getNamespace(), r.getMetadata().getName(),
            location(in.bucket(), loc.keyPrefix)));
      }
    }
    return new Plan(List.copyOf(toCreate), List.copyOf(toComplete), List.copyOf(missing), List.copyOf(collisions),
        List.copyOf(skipped), present);
  }

  /** Whether the record was created from the bucket (and so must never be run as a new backup). */
  public static boolean isImported(HostedClusterBackup b) {
    return b.getMetadata() != null && b.getMetadata().getAnnotations() != null
        && b.getMetadata().getAnnotations().containsKey(IMPORTED_ANNOTATION);
  }

  /**
   * The record of a committed backup, without status (set by the API server's status subresource only): in the
   * namespace of the cluster whose folder holds it, holding the agent's finalizer as a record the agent made does, so
   * deleting it deletes the backup; without the finalizer a deleted record would come back at the next sync.
   */
  public static HostedClusterBackup record(String store, String bucket, BackupLayout layout, BackupManifest m) {
    HostedClusterBackup b = new HostedClusterBackup();
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withNamespace(layout.cluster()).withName(layout.backup())
        .addToAnnotations(IMPORTED_ANNOTATION, location(bucket, layout.folder()))
        .addToFinalizers(HostedClusterBackup.OBJECTS_FINALIZER);
    if (m.policy() != null) {
      meta.addToLabels(EffectiveBackupSchedule.POLICY_LABEL, m.policy());
    }
    b.setMetadata(meta.build());
    HostedClusterBackupSpec spec = new HostedClusterBackupSpec();
    spec.hostedCluster = new NamespacedName(layout.hostedClusterNamespace(), layout.hostedClusterName());
    spec.store = store;
    spec.policy = m.policy();
    b.setSpec(spec);
    return b;
  }

  /** A committed backup's record's status: what the agent wrote when it completed, as far as the manifest says. */
  public static HostedClusterBackupStatus status(String bucket, BackupLayout layout, BackupManifest m, Long generation,
      Instant now) {
    HostedClusterBackupStatus s = new HostedClusterBackupStatus();
    s.observedGeneration = generation;
    s.phase = Phase.Completed;
    s.startedAt = Time.format(m.startedAtInstant());
    s.completedAt = Time.format(m.completedAtInstant());
    s.location = new HostedClusterBackupStatus.Location();
    s.location.bucket = bucket;
    s.location.keyPrefix = layout.folder();
    s.keyId = BackupEncryption.CIPHER_TINK.equals(m.cipher()) ? m.keyId() : null;
    if (m.snapshot() != null) {
      s.snapshot = new HostedClusterBackupStatus.Snapshot();
      s.snapshot.rawBytes = m.snapshot().rawBytes();
      s.snapshot.storedBytes = m.snapshot().storedBytes();
      s.snapshot.sha256 = m.snapshot().sha256();
      s.snapshot.etcdRevision = m.snapshot().etcdRevision();
      s.snapshot.keys = m.snapshot().keys();
      s.progress = new HostedClusterBackupStatus.Progress();
      s.progress.step = "Done";
      s.progress.bytesDone = m.snapshot().rawBytes();
    }
    Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.TRUE, IMPORTED_REASON,
        "Imported from " + location(bucket, layout.folder()) + ": completed " + m.completedAt()
            + (m.snapshot() == null ? "" : ", etcd revision " + m.snapshot().etcdRevision()), generation, now);
    return s;
  }

  public static String location(String bucket, String key) {
    return "s3://" + bucket + "/" + key;
  }

  private static Collision collision(BackupCatalog.ClusterFolder folder, BackupCatalog.Found found,
      String folderLocation, String location, String expectedOwnerUid) {
    String writer = found.manifest().clusterUID();
    String backup = found.layout().backup();
    if (folder.identity().isPresent()) {
      ClusterIdentity owner = folder.identity().get();
      if (expectedOwnerUid != null && !owner.sameCluster(expectedOwnerUid)) {
        return new Collision(folder.cluster(), backup, location, expectedOwnerUid, owner.clusterUID(),
            owner.collisionMessage(folderLocation, expectedOwnerUid));
      }
      if (writer != null && !owner.sameCluster(writer)) {
        return new Collision(folder.cluster(), backup, location, writer, owner.clusterUID(), "backup " + location
            + " was written by cluster UID " + writer + ", but " + folderLocation + " belongs to " + owner.cluster()
            + " (cluster UID " + owner.clusterUID() + "): two clusters wrote under the name " + owner.cluster()
            + "; not imported. Find the cluster with UID " + writer + " and give it its own name");
      }
    } else if (expectedOwnerUid != null && writer != null && !writer.equals(expectedOwnerUid)) {
      return new Collision(folder.cluster(), backup, location, writer, expectedOwnerUid, "backup " + location
          + " was written by cluster UID " + writer + ", not by this cluster (UID " + expectedOwnerUid
          + "); not imported");
    }
    return null;
  }

  /** The record stands for this backup: same store and folder, or no folder reported yet (still running). */
  private static boolean isRecordOf(HostedClusterBackup r, Input in, BackupLayout layout) {
    if (!in.store().equals(r.getSpec() == null ? null : r.getSpec().store)) {
      return false;
    }
    HostedClusterBackupStatus.Location loc = r.getStatus() == null ? null : r.getStatus().location;
    if (loc == null || loc.keyPrefix == null) {
      return phase(r) != Phase.Failed;
    }
    return loc.keyPrefix.equals(layout.folder()) && (loc.bucket == null || loc.bucket.equals(in.bucket()));
  }

  private static boolean inScope(String keyPrefix, Input in) {
    // only what the scan covered: a record of another cluster's folder is not this sync's to judge
    return keyPrefix.startsWith(in.cluster() == null ? BackupLayout.normalisePrefix(in.storePrefix())
        : BackupLayout.clusterFolder(in.storePrefix(), in.cluster()));
  }

  private static String describe(HostedClusterBackup r) {
    HostedClusterBackupStatus.Location loc = r.getStatus() == null ? null : r.getStatus().location;
    return "store " + (r.getSpec() == null ? null : r.getSpec().store) + ", "
        + (phase(r) == null ? Phase.New : phase(r))
        + (loc == null || loc.keyPrefix == null ? "" : ", at " + location(loc.bucket, loc.keyPrefix));
  }

  private static Phase phase(HostedClusterBackup r) {
    return r.getStatus() == null ? null : r.getStatus().phase;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
