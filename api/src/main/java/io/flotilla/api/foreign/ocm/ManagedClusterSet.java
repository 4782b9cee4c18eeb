package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;

/**
 * OCM's ManagedClusterSet (cluster.open-cluster-management.io/v1beta2, cluster-scoped): a set of clusters a Placement
 * may choose from once the set is bound into the Placement's namespace (docs/ocm-facts.md §I2.4).
 */
@Group(ManagedClusterSet.GROUP)
@Version(ManagedClusterSet.VERSION)
@Plural("managedclustersets")
@ShortNames({"mclset", "mclsets"})
@AdditionalPrinterColumn(name = "Empty", jsonPath = ".status.conditions[?(@.type==\"ClusterSetEmpty\")].status")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ManagedClusterSet extends CustomResource<ManagedClusterSet.Spec, ManagedClusterSet.Status> {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1beta2";

  /** Membership by the label ManagedCluster.CLUSTER_SET_LABEL (the default) or by a label selector. */
  public static final String SELECTOR_EXCLUSIVE_LABEL = "ExclusiveClusterSetLabel";
  public static final String SELECTOR_LABEL_SELECTOR = "LabelSelector";
  public static final String CLUSTER_SET_EMPTY = "ClusterSetEmpty";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public ClusterSelector clusterSelector;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClusterSelector extends Unmodelled {
    /** Required whenever clusterSelector is set. */
    public String selectorType;
    /** Only with selectorType LabelSelector. */
    public LabelSelector labelSelector;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions;
  }
}
