package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Kubernetes' garbage collector for the ownerReferences among the Agent platform's objects (AgentMachine → Machine,
 * AgentCluster → Cluster, ClusterDeployment → AgentCluster): the mock API server has none.
 */
final class GarbageCollector {
  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

  private final String managementCluster;
  private final KubernetesClient client;

  GarbageCollector(String managementCluster, KubernetesClient client) {
    this.managementCluster = managementCluster;
    this.client = client;
  }

  /** Dependents whose every owner (of the kinds modelled here) is gone are deleted, as the GC does. */
  boolean collect(String ns) {
    Set<String> owners = new HashSet<>();
    List<AgentMachine> agentMachines = Kube.list(client, AgentMachine.class, ns);
    List<AgentCluster> agentClusters = Kube.list(client, AgentCluster.class, ns);
    List<ClusterDeployment> cds = Kube.list(client, ClusterDeployment.class, ns);
    Kube.list(client, Machine.class, ns).forEach(o -> owners.add(o.getMetadata().getUid()));
    Kube.list(client, Cluster.class, ns).forEach(o -> owners.add(o.getMetadata().getUid()));
    agentClusters.forEach(o -> owners.add(o.getMetadata().getUid()));
    boolean progressed = false;
    List<HasMetadata> dependents = new ArrayList<>(agentMachines);
    dependents.addAll(agentClusters);
    dependents.addAll(cds);
    Set<String> ownerKinds = Set.of("Machine", "Cluster", "AgentCluster");
    for (HasMetadata d : dependents) {
      List<OwnerReference> refs = d.getMetadata().getOwnerReferences() == null ? List.of()
          : d.getMetadata().getOwnerReferences().stream().filter(r -> ownerKinds.contains(r.getKind())).toList();
      if (!refs.isEmpty() && !Kube.isDeleting(d) && refs.stream().noneMatch(r -> owners.contains(r.getUid()))) {
        LOG.info("{}: garbage-collecting {} {}/{}: its owner is gone", managementCluster, d.getKind(), ns,
            d.getMetadata().getName());
        Kube.delete(client, d);
        progressed = true;
      }
    }
    return progressed;
  }
}
