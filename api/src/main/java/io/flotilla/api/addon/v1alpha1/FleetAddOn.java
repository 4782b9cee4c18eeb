package io.flotilla.api.addon.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** An add-on across the fleet: where it goes, which version, and how a new version rolls out. */
@Group(AddOnRelease.GROUP)
@Version(AddOnRelease.VERSION)
@ShortNames({"fao"})
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.version")
@AdditionalPrinterColumn(name = "Strategy", jsonPath = ".spec.rolloutStrategy.type")
@AdditionalPrinterColumn(name = "Total", jsonPath = ".status.total", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.succeeded", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Failed", jsonPath = ".status.failed", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".spec.paused", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class FleetAddOn extends CustomResource<FleetAddOnSpec, FleetAddOnStatus> {
  @Override
  protected FleetAddOnSpec initSpec() { return new FleetAddOnSpec(); }

  @Override
  protected FleetAddOnStatus initStatus() { return new FleetAddOnStatus(); }
}
