package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** Moves (or fails over) a hosted cluster from a source to a destination management cluster. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcm"})
@AdditionalPrinterColumn(name = "HostedCluster", jsonPath = ".spec.hostedCluster.name")
@AdditionalPrinterColumn(name = "Source", jsonPath = ".spec.source.cluster")
@AdditionalPrinterColumn(name = "Destination", jsonPath = ".spec.destination.cluster")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "PointOfNoReturn", jsonPath = ".status.pointOfNoReturnTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterMigration extends CustomResource<HostedClusterMigrationSpec, HostedClusterMigrationStatus> {
  @Override
  protected HostedClusterMigrationSpec initSpec() { return new HostedClusterMigrationSpec(); }

  @Override
  protected HostedClusterMigrationStatus initStatus() { return new HostedClusterMigrationStatus(); }
}
