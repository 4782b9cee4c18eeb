package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** One backup of one hosted cluster, in the source management cluster's namespace on the hub. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcb"})
@AdditionalPrinterColumn(name = "HostedCluster", jsonPath = ".spec.hostedCluster.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Started", jsonPath = ".status.startedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Completed", jsonPath = ".status.completedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Stored", jsonPath = ".status.snapshot.storedBytes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".status.snapshot.etcdRevision", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Key", jsonPath = ".status.keyId", priority = 1)
public class HostedClusterBackup extends CustomResource<HostedClusterBackupSpec, HostedClusterBackupStatus>
    implements Namespaced {
  /** Held by the executing agent until the backup's objects are gone from the bucket: deleting the record deletes the backup. */
  public static final String OBJECTS_FINALIZER = "dr.flotilla.io/backup-objects";
  /** Set (to any new value, e.g. a timestamp) to ask the agent to verify the stored backup; see status.verification. */
  public static final String VERIFY_ANNOTATION = "dr.flotilla.io/verify-requested";
  /**
   * Set (to any new value) to ask the agent to re-wrap the backup's data key under the store's active key and seal its
   * manifest again; see status.rewrap. The stored objects are not rewritten.
   */
  public static final String REWRAP_ANNOTATION = "dr.flotilla.io/rewrap-requested";
  /**
   * A {@link #VERIFY_ANNOTATION} value starting with this asks for a restore drill as well: the snapshot restored into
   * a scratch etcd, which is started on loopback and compared with the manifest (status.verification.drill). One
   * annotation, so a request is one write and a later plain verification cannot inherit a drill flag.
   */
  public static final String RESTORE_DRILL_PREFIX = "restore:";

  /** The request value for a restore drill asked at {@code at}: unique per request, and its time readable. */
  public static String restoreDrillRequest(java.time.Instant at) {
    return RESTORE_DRILL_PREFIX + at;
  }

  /** Whether a {@link #VERIFY_ANNOTATION} value asks for a restore drill. */
  public static boolean asksForRestoreDrill(String request) {
    return request != null && request.startsWith(RESTORE_DRILL_PREFIX);
  }

  /** When a restore-drill request was made, from its value; null for another value or one without a time. */
  public static java.time.Instant restoreDrillRequestedAt(String request) {
    if (!asksForRestoreDrill(request)) {
      return null;
    }
    try {
      return java.time.Instant.parse(request.substring(RESTORE_DRILL_PREFIX.length()));
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  /** Condition types and failure reasons, the contract the CLI and tests read. */
  public static final String CONDITION_COMPLETED = "Completed";
  public static final String CONDITION_PAUSED = "HostedClusterPaused";
  public static final String CONDITION_VERIFIED = "Verified";
  @Override
  protected HostedClusterBackupSpec initSpec() { return new HostedClusterBackupSpec(); }

  @Override
  protected HostedClusterBackupStatus initStatus() { return new HostedClusterBackupStatus(); }
}
