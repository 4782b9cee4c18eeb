package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;
import io.flotilla.hub.addon.placement.LabelSelectors;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Cluster-set membership and the conditions OCM's hub keeps on sets and bindings (docs/ocm-facts.md §I2.4, §I6.2).
 *
 * <p>Membership (OCM's sdk-go BuildClusterSelector): with selectorType ExclusiveClusterSetLabel (or none) a cluster is
 * a member when its label {@code cluster.open-cluster-management.io/clusterset} names the set; with LabelSelector when
 * the selector selects its labels, where an empty selector selects every cluster and a missing one none (as
 * metav1.LabelSelectorAsSelector(nil) selects nothing).
 */
final class ClusterSets {
  /** ManagedClusterSet ClusterSetEmpty reasons. */
  static final String REASON_CLUSTERS_SELECTED = "ClustersSelected";
  static final String REASON_NO_CLUSTER_MATCHED = "NoClusterMatched";
  /** ManagedClusterSetBinding Bound reasons. */
  static final String REASON_BOUND = "ClusterSetBound";
  static final String REASON_SET_NOT_FOUND = "ClusterSetNotFound";
  /** An annotation {@code false} here stops the hub from resetting the default or global set's selector. */
  static final String AUTO_UPDATE_ANNOTATION = "cluster.open-cluster-management.io/autoupdate";

  private ClusterSets() {}

  /** The set's members among {@code clusters}; none when its selector cannot be evaluated. */
  static List<ManagedCluster> members(ManagedClusterSet set, Collection<ManagedCluster> clusters) {
    if (problem(set).isPresent()) {
      return List.of();
    }
    return clusters.stream().filter(c -> selects(set, c)).toList();
  }

  static boolean selects(ManagedClusterSet set, ManagedCluster cluster) {
    Map<String, String> labels = cluster.getMetadata().getLabels() == null ? Map.of() : cluster.getMetadata().getLabels();
    ManagedClusterSet.ClusterSelector selector = set.getSpec() == null ? null : set.getSpec().clusterSelector;
    String type = selector == null || selector.selectorType == null ? "" : selector.selectorType;
    if (type.isEmpty() || ManagedClusterSet.SELECTOR_EXCLUSIVE_LABEL.equals(type)) {
      return Objects.equals(labels.get(ManagedCluster.CLUSTER_SET_LABEL), set.getMetadata().getName());
    }
    if (ManagedClusterSet.SELECTOR_LABEL_SELECTOR.equals(type)) {
      return selector.labelSelector != null && LabelSelectors.matches(selector.labelSelector, labels);
    }
    return false;
  }

  /** Why the set's members cannot be found (an unknown selector type, a bad label selector), or empty. */
  static Optional<String> problem(ManagedClusterSet set) {
    ManagedClusterSet.ClusterSelector selector = set.getSpec() == null ? null : set.getSpec().clusterSelector;
    String type = selector == null || selector.selectorType == null ? "" : selector.selectorType;
    if (type.isEmpty() || ManagedClusterSet.SELECTOR_EXCLUSIVE_LABEL.equals(type)) {
      return Optional.empty();
    }
    if (ManagedClusterSet.SELECTOR_LABEL_SELECTOR.equals(type)) {
      return LabelSelectors.problem(selector.labelSelector);
    }
    return Optional.of("selectorType is not right: " + type);
  }

  /** ClusterSetEmpty: True with no member, False with the count. */
  static DesiredCondition emptyCondition(int members) {
    return members == 0
        ? new DesiredCondition(ManagedClusterSet.CLUSTER_SET_EMPTY, Conditions.TRUE, REASON_NO_CLUSTER_MATCHED,
            "No ManagedCluster selected")
        : new DesiredCondition(ManagedClusterSet.CLUSTER_SET_EMPTY, Conditions.FALSE, REASON_CLUSTERS_SELECTED,
            members + " ManagedClusters selected");
  }

  /** A binding's Bound condition: whether the set its spec names exists. OCM writes no message here. */
  static DesiredCondition boundCondition(boolean setExists) {
    return setExists
        ? new DesiredCondition(io.flotilla.api.foreign.ocm.ManagedClusterSetBinding.BOUND, Conditions.TRUE,
            REASON_BOUND, "")
        : new DesiredCondition(io.flotilla.api.foreign.ocm.ManagedClusterSetBinding.BOUND, Conditions.FALSE,
            REASON_SET_NOT_FOUND, "");
  }

  /** The {@code default} set the hub keeps: exclusive, by the cluster-set label. */
  static ManagedClusterSet defaultSet() {
    return set(Ocm.DEFAULT_SET, ManagedClusterSet.SELECTOR_EXCLUSIVE_LABEL, null);
  }

  /** The {@code global} set the hub keeps: an empty label selector, every cluster. */
  static ManagedClusterSet globalSet() {
    return set(Ocm.GLOBAL_SET, ManagedClusterSet.SELECTOR_LABEL_SELECTOR, new LabelSelector());
  }

  /**
   * The selector the hub puts back on the default or global set when someone changed it, or empty when it is right
   * or the set says {@code autoupdate: "false"}.
   */
  static Optional<ManagedClusterSet.ClusterSelector> selectorToRestore(ManagedClusterSet current,
                                                                       ManagedClusterSet wanted) {
    Map<String, String> a = current.getMetadata().getAnnotations();
    if (a != null && "false".equals(a.get(AUTO_UPDATE_ANNOTATION))) {
      return Optional.empty();
    }
    ManagedClusterSet.ClusterSelector is = current.getSpec() == null ? null : current.getSpec().clusterSelector;
    ManagedClusterSet.ClusterSelector want = wanted.getSpec().clusterSelector;
    boolean same = is != null && Objects.equals(is.selectorType, want.selectorType)
        && Objects.equals(normal(is.labelSelector), normal(want.labelSelector));
    return same ? Optional.empty() : Optional.of(want);
  }

  /** An empty selector as Go compares it: no labels and no expressions, whether null or empty lists. */
  private static LabelSelector normal(LabelSelector s) {
    if (s == null) {
      return null;
    }
    LabelSelector n = new LabelSelector();
    n.setMatchLabels(s.getMatchLabels() == null || s.getMatchLabels().isEmpty() ? null : s.getMatchLabels());
    n.setMatchExpressions(s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty() ? null
        : s.getMatchExpressions());
    return n;
  }

  private static ManagedClusterSet set(String name, String type, LabelSelector selector) {
    ManagedClusterSet set = new ManagedClusterSet();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    set.setMetadata(meta);
    set.getSpec().clusterSelector = new ManagedClusterSet.ClusterSelector();
    set.getSpec().clusterSelector.selectorType = type;
    set.getSpec().clusterSelector.labelSelector = selector;
    return set;
  }
}
