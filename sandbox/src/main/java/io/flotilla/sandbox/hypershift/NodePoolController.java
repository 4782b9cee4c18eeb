package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.common.Conditions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The HyperShift operator's NodePool controller, with the scaling CAPI's MachineSet does for it (docs/hypershift-facts.md §3,
 * §6.4): {@code spec.replicas} workers, each a Machine whose AgentMachine takes a host ({@link AgentPlatform});
 * {@code pausedUntil} (§1.3); {@code status.replicas} as the workers that hold a host; deletion behind its finalizer.
 */
final class NodePoolController {
  private final KubernetesClient client;
  private final WorkQueue queue;
  private final ControlPlanes controlPlanes;
  private final AgentPlatform platform;

  NodePoolController(KubernetesClient client, WorkQueue queue, ControlPlanes controlPlanes, AgentPlatform platform) {
    this.client = client;
    this.queue = queue;
    this.controlPlanes = controlPlanes;
    this.platform = platform;
  }

  void enqueue(String namespace, String name) {
    queue.enqueue("np:" + ControlPlanes.key(namespace, name), () -> reconcile(namespace, name));
  }

  /** The NodePools of the HostedCluster {@code namespace/hostedCluster}. */
  List<NodePool> nodePoolsOf(String namespace, String hostedCluster) {
    return client.resources(NodePool.class).inNamespace(namespace).list().getItems().stream()
        .filter(np -> np.getSpec() != null && hostedCluster.equals(np.getSpec().clusterName)).toList();
  }

  private void reconcile(String namespace, String name) {
    NodePool np = client.resources(NodePool.class).inNamespace(namespace).withName(name).get();
    if (np == null) {
      return;
    }
    String clusterName = np.getSpec() == null ? null : np.getSpec().clusterName;
    if (Kube.isDeleting(np)) {
      delete(np, clusterName);
      return;
    }
    Kube.addFinalizer(client, np, HostedCluster.FINALIZER);
    Instant now = Instant.now();
    PausedUntil pause = PausedUntil.evaluate(np.getSpec() == null ? null : np.getSpec().pausedUntil, now);
    pause.until().ifPresent(deadline -> queue.schedule(() -> enqueue(namespace, name), deadline));
    Integer ready = null;
    if (clusterName != null) {
      HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName).get();
      if (hc != null) {
        String cpNs = hc.controlPlaneNamespace();
        if (!pause.paused()) {
          scaleWorkers(np, hc);
        }
        ready = platform.boundWorkers(cpNs, HostedClusterController.infraId(hc), platform.machinesOf(cpNs, name));
      }
    }
    Integer readyReplicas = ready;
    Kube.editStatus(client, NodePool.class, namespace, name, current -> {
      if (current.getStatus() == null) {
        current.setStatus(new NodePool.Status());
      }
      boolean changed = Conditions.set(current.getStatus().conditions, HostedCluster.RECONCILIATION_ACTIVE,
          pause.conditionStatus(), pause.reason(), pause.message(), current.getMetadata().getGeneration(), now);
      if (readyReplicas != null && !readyReplicas.equals(current.getStatus().replicas)) {
        current.getStatus().replicas = readyReplicas;
        changed = true;
      }
      return changed;
    });
  }

  /**
   * spec.replicas workers (§3, §6.4). Like HyperShift's NodePool controller, nothing happens before the control plane
   * is up; like CAPI's MachineSet controller, nothing happens while the CAPI Cluster is paused or the CAPI manager is
   * not running. Workers found in the control-plane namespace (restored Machines) count.
   */
  private void scaleWorkers(NodePool np, HostedCluster hc) {
    ControlPlane cp = controlPlanes.get(hc.getMetadata().getNamespace(), hc.getMetadata().getName());
    if (Kube.isDeleting(hc) || cp == null || !cp.ready
        || PausedUntil.evaluate(hc.getSpec() == null ? null : hc.getSpec().pausedUntil, Instant.now()).paused()) {
      return;
    }
    String cpNs = hc.controlPlaneNamespace();
    String infraId = HostedClusterController.infraId(hc);
    Cluster cluster = client.resources(Cluster.class).inNamespace(cpNs).withName(infraId).get();
    if (cluster == null || Kube.isDeleting(cluster) || Boolean.TRUE.equals(cluster.getSpec().paused)
        || !platform.running(cpNs, AgentPlatform.CAPI_MANAGER)) {
      return;
    }
    int replicas = np.getSpec().replicas == null ? 0 : np.getSpec().replicas;
    List<Machine> live = platform.machinesOf(cpNs, np.getMetadata().getName()).stream()
        .filter(m -> !Kube.isDeleting(m)).toList();
    for (int i = live.size(); i < replicas; i++) {
      platform.createWorker(new AgentPlatform.WorkerRequest(cpNs, infraId, np.getMetadata().getName()));
    }
    if (live.size() > replicas) {
      // Like CAPI's MachineSet, delete Machines without a node first (here: no bound host), then the newest.
      List<Machine> byDeletePriority = new ArrayList<>(live);
      Collections.reverse(byDeletePriority);
      byDeletePriority.sort(Comparator.comparing(platform::holdsBoundHost));
      byDeletePriority.subList(0, live.size() - replicas).forEach(m -> Kube.delete(client, m));
    }
  }

  /** The NodePool controller's delete: its Machines go (CAPI does the rest), then the finalizer. */
  private void delete(NodePool np, String clusterName) {
    if (!Kube.hasFinalizer(np, HostedCluster.FINALIZER) || clusterName == null) {
      if (clusterName == null) {
        Kube.removeFinalizer(client, np, HostedCluster.FINALIZER);
      }
      return;
    }
    String cpNs = HostedCluster.controlPlaneNamespace(np.getMetadata().getNamespace(), clusterName);
    List<Machine> machines = platform.machinesOf(cpNs, np.getMetadata().getName());
    if (!machines.isEmpty()) {
      machines.forEach(m -> Kube.delete(client, m));
      return; // Machine events bring us back
    }
    Kube.removeFinalizer(client, np, HostedCluster.FINALIZER);
  }
}
