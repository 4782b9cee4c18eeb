package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/**
 * OCM's ClusterClaim (cluster.open-cluster-management.io/v1alpha1, cluster-scoped), a fact a managed cluster states
 * about itself, on that cluster; the klusterlet copies it into its ManagedCluster's status (docs/ocm-facts.md §I2.3).
 */
@Group(ClusterClaim.GROUP)
@Version(ClusterClaim.VERSION)
@Plural("clusterclaims")
public class ClusterClaim extends CustomResource<ClusterClaim.Spec, Void> {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1alpha1";

  /** Claims the hypershift-addon's agent keeps on a management cluster (docs/ocm-facts.md §I2.6). */
  public static final String HOSTING_CLUSTER = "hostingcluster.hypershift.openshift.io";
  public static final String FULL_HOSTED_CLUSTER_COUNT = "full.hostedclustercount.hypershift.openshift.io";
  public static final String ZERO_HOSTED_CLUSTER_COUNT = "zero.hostedclustercount.hypershift.openshift.io";
  /** ...and inside each hosted cluster it imports (docs/ocm-facts.md §I2.6). */
  public static final String HOSTED_CLUSTER = "hostedcluster.hypershift.openshift.io";
  /** ACM's claim of the Infrastructure's control-plane topology; External is a hosted cluster (docs/ocm-facts.md §I2.3). */
  public static final String CONTROL_PLANE_TOPOLOGY = "controlplanetopology.openshift.io";
  /** A claim with this label stays on the spoke (docs/ocm-facts.md §I2.3). */
  public static final String SPOKE_ONLY_LABEL = "open-cluster-management.io/spoke-only";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** 1 to 1024 characters. */
    public String value;
  }
}
