package io.flotilla.hub.cluster.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;

import java.util.Map;
import java.util.Optional;

/** What Flotilla reads from an OCM ManagedCluster, in one place (docs/ocm-facts.md §I2.1, §I2.3, §I2.6). */
public final class ManagedClusters {
  private ManagedClusters() {}

  /** The add-on ACM installs on management clusters; OCM's hub labels each cluster with its state. */
  public static final String HYPERSHIFT_ADDON = "hypershift-addon";

  /**
   * A HyperShift hosting cluster: the hypershift-addon's agent claims {@code hostingcluster.hypershift.openshift.io=true}
   * there, and OCM's hub labels a cluster that runs the add-on {@code feature.open-cluster-management.io/addon-
   * hypershift-addon} (available, unhealthy or unreachable; docs/ocm-facts.md §I2.6, §I2.3). Both stay while the
   * cluster is unreachable: claims are the last the klusterlet reported, and the label then says unreachable.
   */
  public static boolean hosting(ManagedCluster mc) {
    if (mc.claim(ClusterClaim.HOSTING_CLUSTER).map("true"::equalsIgnoreCase).orElse(false)) {
      return true;
    }
    Map<String, String> labels = mc.getMetadata().getLabels();
    return labels != null && labels.containsKey(ManagedCluster.addOnFeatureLabel(HYPERSHIFT_ADDON));
  }

  /** The hub accepted the cluster (spec.hubAcceptsClient): only then does OCM create its cluster namespace (§I2.2). */
  public static boolean accepted(ManagedCluster mc) {
    return mc.getSpec() != null && Boolean.TRUE.equals(mc.getSpec().hubAcceptsClient);
  }

  public static boolean deleting(ManagedCluster mc) {
    return mc.getMetadata().getDeletionTimestamp() != null;
  }

  /**
   * OCM's own taints for a cluster whose Available is Unknown or missing (unreachable) or False (unavailable), which
   * drop it from every placement that does not tolerate them (docs/ocm-facts.md §I2.1).
   */
  public static boolean tainted(ManagedCluster mc) {
    return mc.getSpec() != null && mc.getSpec().taints != null && mc.getSpec().taints.stream()
        .anyMatch(t -> t != null && (ManagedCluster.TAINT_UNREACHABLE.equals(t.key)
            || ManagedCluster.TAINT_UNAVAILABLE.equals(t.key)));
  }

  /** ManagedClusterConditionAvailable as OCM wrote it, if it did. */
  public static Optional<Condition> available(ManagedCluster mc) {
    return mc.condition(ManagedCluster.AVAILABLE);
  }

  /** ManagedClusterJoined is True: the klusterlet has joined the hub. */
  public static boolean joined(ManagedCluster mc) {
    return mc.condition(ManagedCluster.JOINED).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
