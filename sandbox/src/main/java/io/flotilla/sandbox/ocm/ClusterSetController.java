package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * OCM's hub cluster-set controllers (docs/ocm-facts.md §I2.4, §I6.2): the default and global sets kept in place (their
 * selector put back when changed, unless annotated {@code cluster.open-cluster-management.io/autoupdate: "false"}),
 * every set's {@code ClusterSetEmpty} condition, and every binding's {@code Bound} condition. Thin: the decisions are
 * in {@link ClusterSets}.
 */
final class ClusterSetController {
  private final KubernetesClient hub;
  private final Clock clock;

  ClusterSetController(KubernetesClient hub, Clock clock) {
    this.hub = hub;
    this.clock = clock;
  }

  /** The default and global sets exist with their selectors. */
  void ensureDefaultSets() {
    for (ManagedClusterSet wanted : List.of(ClusterSets.defaultSet(), ClusterSets.globalSet())) {
      ManagedClusterSet current = hub.resources(ManagedClusterSet.class).withName(wanted.getMetadata().getName()).get();
      try {
        if (current == null) {
          hub.resource(wanted).create();
        } else if (current.getMetadata().getDeletionTimestamp() == null) {
          ClusterSets.selectorToRestore(current, wanted).ifPresent(selector ->
              Writes.patch(hub, current, List.of(Writes.set("/spec/clusterSelector", selector))));
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
  }

  /** ClusterSetEmpty of one set. */
  void syncSet(String name) {
    ManagedClusterSet set = hub.resources(ManagedClusterSet.class).withName(name).get();
    if (set == null || set.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    int members = ClusterSets.members(set, hub.resources(ManagedCluster.class).list().getItems()).size();
    DesiredCondition empty = ClusterSets.emptyCondition(members);
    Writes.updateStatus(hub, () -> hub.resources(ManagedClusterSet.class).withName(name).get(),
        status -> withCondition(status == null ? new ManagedClusterSet.Status() : status, empty));
  }

  /** Bound of one binding: whether the set it names exists. */
  void syncBinding(String namespace, String name) {
    ManagedClusterSetBinding binding = hub.resources(ManagedClusterSetBinding.class).inNamespace(namespace)
        .withName(name).get();
    if (binding == null) {
      return;
    }
    String setName = binding.getSpec() == null ? null : binding.getSpec().clusterSet;
    boolean exists = setName != null && hub.resources(ManagedClusterSet.class).withName(setName).get() != null;
    DesiredCondition bound = ClusterSets.boundCondition(exists);
    Writes.updateStatus(hub, () -> hub.resources(ManagedClusterSetBinding.class).inNamespace(namespace)
        .withName(name).get(), status -> {
      ManagedClusterSetBinding.Status s = status == null ? new ManagedClusterSetBinding.Status() : status;
      List<Condition> conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
      Conditions.set(conditions, bound, null, clock.instant());
      s.conditions = conditions;
      return s;
    });
  }

  private ManagedClusterSet.Status withCondition(ManagedClusterSet.Status s, DesiredCondition c) {
    List<Condition> conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
    Conditions.set(conditions, c, null, clock.instant());
    s.conditions = conditions;
    return s;
  }
}
