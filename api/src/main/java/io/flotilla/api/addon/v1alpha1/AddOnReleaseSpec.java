package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.flotilla.api.common.Validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AddOnReleaseSpec {
  @Required @Pattern(Validation.DNS1123_LABEL)
  public String addOn;

  @Required @Pattern(Validation.SEMVER)
  @JsonPropertyDescription("Semantic version of this release, without a leading v.")
  public String version;

  @JsonPropertyDescription("Kubernetes objects to apply on the management cluster; strings may use {{variable}} placeholders.")
  @PreserveUnknownFields
  public List<Map<String, Object>> manifests = new ArrayList<>();

  @JsonPropertyDescription("Template variables with their defaults; clusterName and version are always defined.")
  public List<Variable> variables = new ArrayList<>();

  @Pattern(Validation.DURATION)
  @JsonPropertyDescription("How long the release may take to become healthy on a cluster before the operation fails.")
  public String progressDeadline;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Variable {
    @Required @Pattern("^[a-zA-Z][a-zA-Z0-9_]*$")
    public String name;
    @JsonPropertyDescription("Value used when neither the ManagedAddOn nor the fleet sets one.")
    public String defaultValue;
  }
}
