package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.common.Time;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builders for OCM objects the OCM simulator's tests share. */
final class OcmFixtures {
  private OcmFixtures() {}

  /** A ManagedCluster in the default set, with more labels as key, value pairs. */
  static ManagedCluster cluster(String name, String... labels) {
    ManagedCluster mc = new ManagedCluster();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    Map<String, String> l = new HashMap<>();
    l.put(ManagedCluster.CLUSTER_SET_LABEL, Ocm.DEFAULT_SET);
    for (int i = 0; i + 1 < labels.length; i += 2) {
      l.put(labels[i], labels[i + 1]);
    }
    meta.setLabels(l);
    mc.setMetadata(meta);
    mc.getSpec().hubAcceptsClient = true;
    return mc;
  }

  static ManagedCluster withClaim(ManagedCluster mc, String name, String value) {
    if (mc.getStatus() == null) {
      mc.setStatus(new ManagedCluster.Status());
    }
    if (mc.getStatus().clusterClaims == null) {
      mc.getStatus().clusterClaims = new ArrayList<>();
    }
    ManagedCluster.ClusterClaimValue v = new ManagedCluster.ClusterClaimValue();
    v.name = name;
    v.value = value;
    mc.getStatus().clusterClaims.add(v);
    return mc;
  }

  static ManagedCluster withTaint(ManagedCluster mc, String key, String effect, Instant added) {
    if (mc.getSpec().taints == null) {
      mc.getSpec().taints = new ArrayList<>();
    }
    ManagedCluster.Taint t = new ManagedCluster.Taint();
    t.key = key;
    t.effect = effect;
    t.timeAdded = Time.format(added);
    mc.getSpec().taints.add(t);
    return mc;
  }

  static ManagedCluster deleting(ManagedCluster mc) {
    mc.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    return mc;
  }

  static ManagedClusterSet exclusiveSet(String name) {
    ManagedClusterSet set = new ManagedClusterSet();
    set.setMetadata(meta(name, null));
    set.getSpec().clusterSelector = new ManagedClusterSet.ClusterSelector();
    set.getSpec().clusterSelector.selectorType = ManagedClusterSet.SELECTOR_EXCLUSIVE_LABEL;
    return set;
  }

  static ManagedClusterSet labelSelectorSet(String name, LabelSelector selector) {
    ManagedClusterSet set = new ManagedClusterSet();
    set.setMetadata(meta(name, null));
    set.getSpec().clusterSelector = new ManagedClusterSet.ClusterSelector();
    set.getSpec().clusterSelector.selectorType = ManagedClusterSet.SELECTOR_LABEL_SELECTOR;
    set.getSpec().clusterSelector.labelSelector = selector;
    return set;
  }

  static LabelSelector matchLabels(String key, String value) {
    LabelSelector s = new LabelSelector();
    s.setMatchLabels(Map.of(key, value));
    return s;
  }

  static LabelSelectorRequirement requirement(String key, String operator, String... values) {
    LabelSelectorRequirement r = new LabelSelectorRequirement();
    r.setKey(key);
    r.setOperator(operator);
    r.setValues(values.length == 0 ? null : List.of(values));
    return r;
  }

  static ManagedClusterSetBinding binding(String namespace, String set) {
    ManagedClusterSetBinding b = new ManagedClusterSetBinding();
    b.setMetadata(meta(set, namespace));
    b.getSpec().clusterSet = set;
    return b;
  }

  static Placement placement(String namespace, String name) {
    Placement p = new Placement();
    p.setMetadata(meta(name, namespace));
    return p;
  }

  static Placement.Toleration toleration(String key, String operator, Long seconds) {
    Placement.Toleration t = new Placement.Toleration();
    t.key = key;
    t.operator = operator;
    t.tolerationSeconds = seconds;
    return t;
  }

  static Placement.Predicate labelPredicate(LabelSelector selector) {
    Placement.Predicate p = new Placement.Predicate();
    p.requiredClusterSelector = new Placement.ClusterSelector();
    p.requiredClusterSelector.labelSelector = selector;
    return p;
  }

  static Placement.Predicate claimPredicate(LabelSelectorRequirement... requirements) {
    Placement.Predicate p = new Placement.Predicate();
    p.requiredClusterSelector = new Placement.ClusterSelector();
    p.requiredClusterSelector.claimSelector = new Placement.ClaimSelector();
    p.requiredClusterSelector.claimSelector.matchExpressions = List.of(requirements);
    return p;
  }

  static ObjectMeta meta(String name, String namespace) {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setNamespace(namespace);
    return meta;
  }
}
