package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.flotilla.api.common.Validation;

import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedAddOnSpec {
  @Required @Pattern(Validation.DNS1123_LABEL)
  public String addOn;

  @Pattern(Validation.SEMVER)
  @JsonPropertyDescription("Pins this cluster to a version; empty follows the fleet's target.")
  public String version;

  @JsonPropertyDescription("Per-cluster template variables; override the fleet's and the release's defaults.")
  public Map<String, String> variables;
}
