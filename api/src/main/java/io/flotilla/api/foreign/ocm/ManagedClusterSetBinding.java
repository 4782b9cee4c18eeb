package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;

/**
 * OCM's ManagedClusterSetBinding (cluster.open-cluster-management.io/v1beta2, namespaced): makes a set visible to the
 * Placements of its namespace. It must be named after the set (docs/ocm-facts.md §I2.4).
 */
@Group(ManagedClusterSetBinding.GROUP)
@Version(ManagedClusterSetBinding.VERSION)
@Plural("managedclustersetbindings")
@ShortNames({"mclsetbinding", "mclsetbindings"})
public class ManagedClusterSetBinding extends CustomResource<ManagedClusterSetBinding.Spec, ManagedClusterSetBinding.Status>
    implements Namespaced {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1beta2";
  public static final String BOUND = "Bound";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Equal to the binding's name, and never changed (docs/ocm-facts.md §I2.4). */
    public String clusterSet;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions;
  }
}
