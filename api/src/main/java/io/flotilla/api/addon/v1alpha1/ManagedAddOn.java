package io.flotilla.api.addon.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** The add-on on one management cluster; lives in the cluster's namespace on the hub, named after the add-on. */
@Group(AddOnRelease.GROUP)
@Version(AddOnRelease.VERSION)
@ShortNames({"mao"})
// Columns appear in this order (io.flotilla.api.crd.PrinterColumnOrder; docs/architecture.md: DESIRED, CURRENT, PHASE, STARTED, COMPLETED).
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".status.desiredVersion")
@AdditionalPrinterColumn(name = "Current", jsonPath = ".status.currentVersion")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.operation.phase")
@AdditionalPrinterColumn(name = "Started", jsonPath = ".status.operation.startedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Completed", jsonPath = ".status.operation.completedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Operation", jsonPath = ".status.operation.type")
@AdditionalPrinterColumn(name = "Pinned", jsonPath = ".spec.version", priority = 1)
public class ManagedAddOn extends CustomResource<ManagedAddOnSpec, ManagedAddOnStatus> implements Namespaced {
  public static final String AVAILABLE = "Available";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String INVALID_VERSION = "InvalidVersion";

  @Override
  protected ManagedAddOnSpec initSpec() { return new ManagedAddOnSpec(); }

  @Override
  protected ManagedAddOnStatus initStatus() { return new ManagedAddOnStatus(); }
}
