package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** Which hosted clusters are backed up, how often, where, and for how long backups are kept. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"bpol"})
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule")
@AdditionalPrinterColumn(name = "Store", jsonPath = ".spec.store")
@AdditionalPrinterColumn(name = "Compliant", jsonPath = ".status.compliant", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Total", jsonPath = ".status.total", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Suspended", jsonPath = ".spec.suspend", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BackupPolicy extends CustomResource<BackupPolicySpec, BackupPolicyStatus> {
  @Override
  protected BackupPolicySpec initSpec() { return new BackupPolicySpec(); }

  @Override
  protected BackupPolicyStatus initStatus() { return new BackupPolicyStatus(); }
}
