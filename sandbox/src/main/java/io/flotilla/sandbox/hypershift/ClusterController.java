package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;

import java.util.List;

/**
 * Cluster API's Cluster controller. Like the Machine controller it runs as the {@value AgentPlatform#CAPI_MANAGER}
 * Deployment of the control-plane namespace, and it skips a paused Cluster ({@code spec.paused}).
 */
final class ClusterController {
  private final KubernetesClient client;

  ClusterController(KubernetesClient client) {
    this.client = client;
  }

  /** CAPI deletes a Cluster's Machines, then its infrastructure cluster (the AgentCluster), then lets go. */
  boolean reconcile(String ns) {
    boolean progressed = false;
    for (Cluster c : Kube.list(client, Cluster.class, ns)) {
      if (!Kube.isDeleting(c) || !Kube.hasFinalizer(c, Cluster.FINALIZER) || isPaused(c)) {
        continue;
      }
      List<Machine> descendants = Kube.list(client, Machine.class, ns).stream()
          .filter(m -> c.getMetadata().getName().equals(MachineController.clusterNameOf(m))).toList();
      if (!descendants.isEmpty()) {
        for (Machine m : descendants) {
          if (!Kube.isDeleting(m)) {
            Kube.delete(client, m);
            progressed = true;
          }
        }
        continue;
      }
      AgentCluster ac = c.getSpec() == null || c.getSpec().infrastructureRef == null ? null
          : Kube.get(client, AgentCluster.class, ns, c.getSpec().infrastructureRef.getName());
      if (ac != null) {
        if (!Kube.isDeleting(ac)) {
          Kube.delete(client, ac);
          progressed = true;
        }
        continue;
      }
      Kube.removeFinalizer(client, c, Cluster.FINALIZER);
      progressed = true;
    }
    return progressed;
  }

  static boolean isPaused(Cluster c) {
    return Boolean.TRUE.equals(c.getSpec() == null ? null : c.getSpec().paused);
  }
}
