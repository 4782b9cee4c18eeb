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

  /** Condition types and failure reasons, the contract the CLI and tests read. */
  public static final String CONDITION_COMPLETED = "Completed";
  public static final String CONDITION_PAUSED = "HostedClusterPaused";
  public static final String CONDITION_VERIFIED = "Verified";
  @Override
  protected HostedClusterBackupSpec initSpec() { return new HostedClusterBackupSpec(); }

  @Override
  protected HostedClusterBackupStatus initStatus() { return new HostedClusterBackupStatus(); }
}
