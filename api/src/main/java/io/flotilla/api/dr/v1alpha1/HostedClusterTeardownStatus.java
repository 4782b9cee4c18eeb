package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterTeardownStatus {
  public Long observedGeneration;
  public Phase phase;
  @JsonPropertyDescription("Preserving, Verifying, StoppingClusterAPI, Deleting, Done.")
  public String step;
  public String startedAt;
  public String completedAt;
  public Preservation preservation;
  @JsonPropertyDescription("Agents bound to this hosted cluster's ClusterDeployment before and after the teardown.")
  public Workers workers;
  public List<Condition> conditions = new ArrayList<>();

  /** Halted: the worker preservation could not be applied or verified; nothing was deleted. */
  public enum Phase { New, InProgress, Completed, Halted, Failed }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Preservation {
    public Boolean verified;
    public Integer agentMachines;
    public Integer agentClusters;
    public Integer clusterDeployments;
    public Integer agents;
    @JsonPropertyDescription("Each preservation that could not be applied or read back, as kind namespace/name: what is missing.")
    public List<String> missing = new ArrayList<>();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Workers {
    public Integer boundBefore;
    public Integer boundAfter;
  }
}
