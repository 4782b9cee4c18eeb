package io.flotilla.api.addon.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** One immutable version of one add-on, named {@code <addOn>-<version>}. */
@Group(AddOnRelease.GROUP)
@Version(AddOnRelease.VERSION)
@ShortNames({"aor"})
@AdditionalPrinterColumn(name = "AddOn", jsonPath = ".spec.addOn")
@AdditionalPrinterColumn(name = "Version", jsonPath = ".spec.version")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class AddOnRelease extends CustomResource<AddOnReleaseSpec, Void> {
  public static final String GROUP = "addon.flotilla.io";
  public static final String VERSION = "v1alpha1";

  public static String nameFor(String addOn, String version) { return addOn + "-" + version; }

  @Override
  @Required
  @ValidationRule(value = "self == oldSelf", message = "AddOnRelease spec is immutable; publish a new version instead")
  public AddOnReleaseSpec getSpec() { return super.getSpec(); }

  @Override
  protected AddOnReleaseSpec initSpec() { return new AddOnReleaseSpec(); }
}
