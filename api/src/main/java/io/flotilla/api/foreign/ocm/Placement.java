package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;

/**
 * OCM's Placement (cluster.open-cluster-management.io/v1beta1, namespaced): chooses clusters from the sets bound into its
 * namespace; its choice is published in PlacementDecisions (docs/ocm-facts.md §I2.5).
 */
@Group(Placement.GROUP)
@Version(Placement.VERSION)
@Plural("placements")
@AdditionalPrinterColumn(name = "Succeeded", jsonPath = ".status.conditions[?(@.type==\"PlacementSatisfied\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"PlacementSatisfied\")].reason")
@AdditionalPrinterColumn(name = "SelectedClusters", jsonPath = ".status.numberOfSelectedClusters",
    type = AdditionalPrinterColumn.Type.INTEGER)
public class Placement extends CustomResource<Placement.Spec, Placement.Status> implements Namespaced {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1beta1";

  /** Condition types (docs/ocm-facts.md §I2.5). */
  public static final String SATISFIED = "PlacementSatisfied";
  public static final String MISCONFIGURED = "PlacementMisconfigured";
  /** The reason when no set is bound into the Placement's namespace (docs/ocm-facts.md §I2.4). */
  public static final String REASON_NO_BINDINGS = "NoManagedClusterSetBindings";

  public static final String OPERATOR_EQUAL = "Equal";
  public static final String OPERATOR_EXISTS = "Exists";

  // The API server requires spec on a Placement (docs/ocm-facts.md §I5.2).
  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Sets to choose from; empty means every set bound into the namespace. */
    public List<String> clusterSets;
    /** Unset means every cluster that matches. */
    public Integer numberOfClusters;
    public List<Predicate> predicates;
    public List<Toleration> tolerations;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Predicate extends Unmodelled {
    public ClusterSelector requiredClusterSelector;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClusterSelector extends Unmodelled {
    public LabelSelector labelSelector;
    public ClaimSelector claimSelector;
  }

  /** Selects by the claims in ManagedCluster status; unlike a label selector it has no matchLabels (docs/ocm-facts.md §I5.2). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClaimSelector extends Unmodelled {
    public List<LabelSelectorRequirement> matchExpressions;
  }

  /** Tolerates a ManagedCluster taint: a DR placement tolerates unreachable and unavailable (docs/ocm-facts.md §I3.4 item 2). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Toleration extends Unmodelled {
    public String key;
    /** Equal (the default) or Exists. */
    public String operator;
    public String value;
    /** NoSelect, PreferNoSelect or NoSelectIfNew; unset tolerates every effect. */
    public String effect;
    /** Counted from the taint's timeAdded; unset tolerates it for ever. */
    public Long tolerationSeconds;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public Integer numberOfSelectedClusters;
    /** Without a decision strategy, one group: index 0, name "", every page (docs/ocm-facts.md §I2.5). */
    public List<DecisionGroup> decisionGroups;
    public List<Condition> conditions;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DecisionGroup extends Unmodelled {
    public Integer decisionGroupIndex;
    public String decisionGroupName;
    /** The names of the group's PlacementDecisions. */
    public List<String> decisions;
    public Integer clusterCount;
  }
}
