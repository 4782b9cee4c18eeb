package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * assisted-service's ClusterDeployment finalizer (central, always running): deleting a ClusterDeployment returns its
 * Agents to the InfraEnv (unbinds them) unless {@code spec.preserveOnDelete} is true (docs/hypershift-facts.md §3.3).
 */
final class ClusterDeploymentController {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterDeploymentController.class);

  private final String managementCluster;
  private final KubernetesClient client;
  private final AgentController agents;

  ClusterDeploymentController(String managementCluster, KubernetesClient client, AgentController agents) {
    this.managementCluster = managementCluster;
    this.client = client;
    this.agents = agents;
  }

  /** "When a ClusterDeployment is deleted, the Agents created with late binding will be returned to the InfraEnv." */
  boolean reconcile(String ns) {
    boolean progressed = false;
    for (ClusterDeployment cd : Kube.list(client, ClusterDeployment.class, ns)) {
      if (!Kube.isDeleting(cd) || !Kube.hasFinalizer(cd, ClusterDeployment.AI_DEPROVISION_FINALIZER)) {
        continue;
      }
      if (Boolean.TRUE.equals(cd.getSpec() == null ? null : cd.getSpec().preserveOnDelete)) {
        LOG.info("{}: ClusterDeployment {}/{} has preserveOnDelete: its hosts stay as they are", managementCluster,
            ns, cd.getMetadata().getName());
      } else {
        for (Agent a : agents.agentsBoundTo(ns, cd.getMetadata().getName())) {
          agents.unbind(a, "ClusterDeployment " + ns + "/" + cd.getMetadata().getName() + " deleted");
        }
      }
      Kube.removeFinalizer(client, cd, ClusterDeployment.AI_DEPROVISION_FINALIZER);
      progressed = true;
    }
    return progressed;
  }
}
