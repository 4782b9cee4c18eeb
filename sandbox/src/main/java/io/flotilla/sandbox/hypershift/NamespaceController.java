package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Predicate;

/** Kubernetes' namespace controller, which the mock API server does not have: a deleted namespace's objects go. */
final class NamespaceController {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceController.class);
  /** How many controller passes a deleted namespace gets before its controllers' pods are gone. */
  private static final int NAMESPACE_GRACE_PASSES = 10;

  private final String managementCluster;
  private final KubernetesClient client;
  /** One pass of the controllers that live in a control-plane namespace; true when it changed anything. */
  private final Predicate<String> controllersPass;

  NamespaceController(String managementCluster, KubernetesClient client, Predicate<String> controllersPass) {
    this.managementCluster = managementCluster;
    this.client = client;
    this.controllersPass = controllersPass;
  }

  /**
   * Every object of a deleted namespace is deleted. The controllers that live in it keep running for a grace period
   * (their pods terminate last), so finalizers they own are still processed: a deleted control-plane namespace whose
   * AgentMachines are not paused unbinds their Agents. Agents in a deleted InfraEnv namespace are only forgotten by
   * this management cluster: deleting an Agent object does not touch the host.
   */
  void deleted(String ns) {
    List<Class<? extends HasMetadata>> kinds = List.of(HostedControlPlane.class,
        Cluster.class, Machine.class, AgentMachine.class, AgentCluster.class, ClusterDeployment.class, Agent.class);
    boolean any = false;
    for (Class<? extends HasMetadata> kind : kinds) {
      for (HasMetadata o : Kube.list(client, kind, ns)) {
        Kube.delete(client, o);
        any = true;
      }
    }
    if (!any && client.apps().deployments().inNamespace(ns).withName(AgentPlatform.CAPI_MANAGER).get() == null) {
      return; // not a namespace of ours
    }
    Kube.quietly(() -> client.secrets().inNamespace(ns).delete());
    Kube.quietly(() -> client.configMaps().inNamespace(ns).delete());
    Kube.quietly(() -> client.services().inNamespace(ns).delete());
    for (int pass = 0; pass < NAMESPACE_GRACE_PASSES && controllersPass.test(ns); pass++) {
      // keep going while the controllers still make progress
    }
    Kube.quietly(() -> client.apps().deployments().inNamespace(ns).delete());
    LOG.info("{}: namespace {} deleted with its objects", managementCluster, ns);
  }
}
