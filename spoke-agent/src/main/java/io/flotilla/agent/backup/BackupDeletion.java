package io.flotilla.agent.backup;

import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

/**
 * What deleting a HostedClusterBackup record may do to its objects in the bucket. A plain decision, no client.
 *
 * <p>Rules (the bucket is the source of truth, so a record going must not take a good backup with it by accident):
 * <ul>
 *   <li>Only {@code flotilla backup delete} and retention delete objects: they delete the record on its own. A record
 *       that goes because its cluster namespace is being deleted (the ManagementCluster was removed, or someone deleted
 *       the namespace) leaves its objects where they are; {@code flotilla backup sync} or the agent's catalogue sync
 *       brings the record back from the manifest.</li>
 *   <li>Objects are deleted only from the record's own folder, the one its cluster, hosted cluster and name make
 *       ({@link BackupLayout#folder()}). A {@code status.location.keyPrefix} that names anything else (another
 *       cluster's or backup's folder, a parent folder, an empty prefix, which is the whole bucket) is refused: nothing
 *       is deleted and the record stays, saying why.</li>
 * </ul>
 */
public final class BackupDeletion {
  private BackupDeletion() {}

  public enum Outcome {
    /** Delete the objects of {@link Decision#folder()}, then let the record go. */
    DELETE_OBJECTS,
    /** Let the record go; its objects stay in the bucket. */
    KEEP_OBJECTS,
    /** Delete nothing and keep the record: its location is not its own folder. */
    REFUSE
  }

  /** @param folder the folder whose objects go (DELETE_OBJECTS), or the one they stay in (KEEP_OBJECTS); null if none */
  public record Decision(Outcome outcome, String folder, String message) {}

  public static final String REASON_LOCATION_NOT_OWN_FOLDER = "LocationNotOwnFolder";

  /**
   * @param storePrefix        the BackupStore's prefix, or null when the store could not be read (then only
   *                           KEEP_OBJECTS is possible)
   * @param cluster            this management cluster (the record's namespace on the hub)
   * @param namespaceDeleting  the record's cluster namespace is being deleted
   */
  public static Decision decide(HostedClusterBackup record, String cluster, String storePrefix,
      boolean namespaceDeleting) {
    String location = record.getStatus() == null || record.getStatus().location == null ? null
        : record.getStatus().location.keyPrefix;
    if (namespaceDeleting) {
      return new Decision(Outcome.KEEP_OBJECTS, location, "the cluster namespace " + cluster + " is being deleted: "
          + "the backup's objects stay in the bucket" + (location == null ? "" : " under " + location)
          + "; 'flotilla backup sync' brings its record back");
    }
    var hc = record.getSpec() == null ? null : record.getSpec().hostedCluster;
    String own;
    try {
      own = hc == null || hc.namespace == null || hc.name == null ? null
          : new BackupLayout(storePrefix, cluster, hc.namespace, hc.name, record.getMetadata().getName()).folder();
    } catch (IllegalArgumentException e) {
      own = null;
    }
    if (own == null) {
      return location == null
          ? new Decision(Outcome.KEEP_OBJECTS, null, "the backup names no hosted cluster and wrote nothing")
          : refuse(location, "a record without a valid spec.hostedCluster has no folder of its own");
    }
    if (location != null && !location.equals(own)) {
      return refuse(location, "this backup's own folder is " + own);
    }
    return new Decision(Outcome.DELETE_OBJECTS, own, "deleting the objects under " + own);
  }

  private static Decision refuse(String location, String why) {
    return new Decision(Outcome.REFUSE, null, "status.location.keyPrefix '" + location + "' is not this backup's own "
        + "folder (" + why + "); nothing was deleted. Correct the location or remove the finalizer "
        + HostedClusterBackup.OBJECTS_FINALIZER + " by hand to let the record go without touching the bucket");
  }
}
