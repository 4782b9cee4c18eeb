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
public class HostedClusterBackup extends CustomResource<HostedClusterBackupSpec, HostedClusterBackupStatus>
    implements Namespaced {
  @Override
  protected HostedClusterBackupSpec initSpec() { return new HostedClusterBackupSpec(); }

  @Override
  protected HostedClusterBackupStatus initStatus() { return new HostedClusterBackupStatus(); }
}
