package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** Restore of a backup onto the management cluster whose namespace this object is in. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcr"})
@AdditionalPrinterColumn(name = "Backup", jsonPath = ".spec.backup.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Matches", jsonPath = ".status.verification.matchesBackup", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Started", jsonPath = ".status.startedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Completed", jsonPath = ".status.completedAt", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterRestore extends CustomResource<HostedClusterRestoreSpec, HostedClusterRestoreStatus>
    implements Namespaced {
  public static final String CONDITION_COMPLETED = "Completed";
  /** On a HostedCluster a restore created: the restore record, namespace/name on the hub. */
  public static final String RESTORED_BY_ANNOTATION = "dr.flotilla.io/restored-by";
  @Override
  protected HostedClusterRestoreSpec initSpec() { return new HostedClusterRestoreSpec(); }

  @Override
  protected HostedClusterRestoreStatus initStatus() { return new HostedClusterRestoreStatus(); }
}
