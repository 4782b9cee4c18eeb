package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.common.Validation;

import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FleetAddOnSpec {
  @Required @Pattern(Validation.SEMVER)
  @JsonPropertyDescription("The fleet's target version; an AddOnRelease <name>-<version> must exist.")
  public String version;

  public Placement placement = new Placement();

  public RolloutStrategy rolloutStrategy = new RolloutStrategy();

  @Default("Pause")
  @JsonPropertyDescription("What happens when the rollout's failure budget is spent.")
  public FailureStrategy failureStrategy = FailureStrategy.Pause;

  @JsonPropertyDescription("Stops the rollout where it is: no cluster starts a new operation.")
  public Boolean paused;

  @JsonPropertyDescription("Variables applied on every cluster unless its ManagedAddOn overrides them.")
  public Map<String, String> variables;

  public boolean isPaused() { return Boolean.TRUE.equals(paused); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.clusterSelector) || !has(self.placementRef)",
      message = "set clusterSelector or placementRef, not both")
  public static class Placement {
    @JsonPropertyDescription("Which ManagementClusters get the add-on, by their labels; empty (and no placementRef)"
        + " selects every cluster.")
    public LabelSelector clusterSelector;

    @JsonPropertyDescription("Instead of clusterSelector: the ManagementClusters an OCM Placement's decisions name"
        + " (needs the hub-manager in OCM mode).")
    public PlacementRef placementRef;
  }

  public enum FailureStrategy { Pause, Rollback }
}
