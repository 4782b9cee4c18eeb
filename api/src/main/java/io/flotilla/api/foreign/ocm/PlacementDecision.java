package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.ArrayList;
import java.util.List;

/**
 * One page (at most 100 clusters) of a Placement's decision (cluster.open-cluster-management.io/v1beta1, namespaced,
 * status only). Read every page of a Placement by its label, never one page by name (docs/ocm-facts.md §I2.5).
 */
@Group(PlacementDecision.GROUP)
@Version(PlacementDecision.VERSION)
@Plural("placementdecisions")
public class PlacementDecision extends CustomResource<Void, PlacementDecision.Status> implements Namespaced {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1beta1";

  /** Labels on every page (docs/ocm-facts.md §I2.5, §1.3). */
  public static final String PLACEMENT_LABEL = "cluster.open-cluster-management.io/placement";
  public static final String DECISION_GROUP_INDEX_LABEL = "cluster.open-cluster-management.io/decision-group-index";
  public static final String DECISION_GROUP_NAME_LABEL = "cluster.open-cluster-management.io/decision-group-name";

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    /** Required whenever status is present, even when empty (docs/ocm-facts.md §I5.2). */
    public List<Decision> decisions = new ArrayList<>();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Decision extends Unmodelled {
    public String clusterName;
    /** Required by the schema, empty allowed: a decision Flotilla builds sends "" rather than nothing. */
    public String reason = "";
  }
}
