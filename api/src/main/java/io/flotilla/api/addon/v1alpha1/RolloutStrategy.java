package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.common.Validation;

import java.util.ArrayList;
import java.util.List;

/** How a version change moves across the fleet (OCM's RolloutStrategy, with a failure budget). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'ProgressivePerGroup' || size(self.groups) > 0",
    message = "ProgressivePerGroup needs at least one group")
public class RolloutStrategy {
  @Default("All")
  public Type type = Type.All;

  @JsonPropertyDescription("How many clusters may be in progress at once: a count (>= 1) or a percentage of the placement.")
  public IntOrString maxConcurrency;

  @JsonPropertyDescription("How many clusters may fail before the failure strategy applies: a count or a percentage.")
  public IntOrString maxFailures;

  @Pattern(Validation.DURATION)
  @JsonPropertyDescription("How long a cluster must stay healthy after succeeding before it counts towards the next wave.")
  public String minSuccessTime;

  @Pattern(Validation.DURATION)
  @JsonPropertyDescription("How long one cluster's operation may take before it counts as failed.")
  public String progressDeadline;

  public List<Group> groups = new ArrayList<>();

  public enum Type { All, Progressive, ProgressivePerGroup }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Group {
    @Required @Pattern(Validation.DNS1123_LABEL)
    public String name;
    @Required
    public LabelSelector clusterSelector;
    @JsonPropertyDescription("Mandatory groups go first and tolerate no failure.")
    public Boolean mandatory;
  }
}
