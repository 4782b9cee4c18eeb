package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.sandbox.workers.Host;
import io.flotilla.sandbox.workers.HostRegistry;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Agent platform of one management cluster (docs/hypershift-facts.md §3): the controllers that decide what happens to a
 * hosted cluster's workers, each level-triggered over one control-plane namespace, behind the few calls the HyperShift
 * side makes. Each controller is a class of its own:
 * <ul>
 *   <li>Cluster API's {@link MachineController} and {@link ClusterController}, the {@value #CAPI_MANAGER} Deployment
 *       of the control-plane namespace: while it is missing or scaled to 0 they do nothing (docs/hypershift-facts.md §1.5 step 2,
 *       §3.4 restore step 3 "only one Cluster API can access a cluster at a time");</li>
 *   <li>cluster-api-provider-agent's {@link AgentMachineController} and {@link AgentClusterController}, the
 *       {@value #CAPI_PROVIDER} Deployment, likewise;</li>
 *   <li>assisted-service's {@link ClusterDeploymentController} (its finalizer, central, always running) and
 *       {@link AgentController} (the hosts and their Agents).</li>
 * </ul>
 * The HyperShift operator's own part of the platform, the AgentCluster it creates, is here
 * ({@link #ensureAgentCluster}).
 */
final class AgentPlatform {
  /** The Cluster API manager Deployment in the control-plane namespace. */
  static final String CAPI_MANAGER = "cluster-api";
  /** The Agent CAPI provider Deployment in the control-plane namespace. */
  static final String CAPI_PROVIDER = "capi-provider";

  private final KubernetesClient client;
  private final MachineController machines;
  private final ClusterController clusters;
  private final AgentMachineController agentMachines;
  private final AgentClusterController agentClusters;
  private final ClusterDeploymentController clusterDeployments;
  private final AgentController agents;

  AgentPlatform(String managementCluster, KubernetesClient client, HostRegistry hosts,
                Function<String, Optional<String>> agentNamespaceOf) {
    this.client = client;
    this.agents = new AgentController(managementCluster, client, hosts);
    this.machines = new MachineController(client);
    this.clusters = new ClusterController(client);
    this.agentMachines = new AgentMachineController(managementCluster, client, hosts, agents, agentNamespaceOf);
    this.agentClusters = new AgentClusterController(managementCluster, client);
    this.clusterDeployments = new ClusterDeploymentController(managementCluster, client, agents);
  }

  /** One pass of the platform's controllers over a namespace; true when it changed anything. */
  boolean reconcile(String ns) {
    boolean progressed = false;
    if (running(ns, CAPI_MANAGER)) {
      progressed |= machines.reconcile(ns);
      progressed |= clusters.reconcile(ns);
    }
    if (running(ns, CAPI_PROVIDER)) {
      progressed |= agentMachines.reconcile(ns);
      progressed |= agentClusters.reconcile(ns);
    }
    progressed |= clusterDeployments.reconcile(ns);
    return progressed;
  }

  /** A worker of a NodePool as CAPI creates it: a Machine and its AgentMachine, which then takes an Agent. */
  record WorkerRequest(String controlPlaneNamespace, String infraId, String nodePool) {}

  /** Creates one worker: Machine → AgentMachine (owned by the Machine), then lets the AgentMachine find a host. */
  void createWorker(WorkerRequest w) {
    AgentMachine am = machines.createWorker(w);
    if (running(w.controlPlaneNamespace(), CAPI_PROVIDER)) {
      agentMachines.findAgent(am);
    }
  }

  /** The live Machines of a NodePool, oldest first. */
  List<Machine> machinesOf(String ns, String nodePool) {
    return machines.machinesOf(ns, nodePool);
  }

  /** Whether the Machine's AgentMachine has an Agent that is bound: the worker holds a host (CAPI: has a node). */
  boolean holdsBoundHost(Machine m) {
    return agentMachines.holdsBoundHost(m);
  }

  /** How many of these Machines have a host installed into the ClusterDeployment: the NodePool's ready replicas. */
  int boundWorkers(String ns, String cdName, List<Machine> machines) {
    return agents.boundWorkers(ns, cdName, machines);
  }

  /** Racks {@code count} new hosts and boots them into discovery here (see {@link AgentController#addHosts}). */
  List<Host> addHosts(String agentNamespace, int count, String hostnamePrefix) {
    return agents.addHosts(agentNamespace, count, hostnamePrefix);
  }

  /** An Agent event: the registry learns which hosts this management cluster knows and how they are bound. */
  void observeAgent(String ns, String name) {
    agents.observe(ns, name);
  }

  /** The HyperShift operator creates the infrastructure cluster of the Agent platform: an AgentCluster owned by the CAPI Cluster. */
  void ensureAgentCluster(Cluster cluster, String hostedClusterName) {
    String ns = cluster.getMetadata().getNamespace();
    String name = cluster.getMetadata().getName();
    if (Kube.get(client, AgentCluster.class, ns, name) != null) {
      return;
    }
    AgentCluster ac = new AgentCluster();
    ac.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToFinalizers(AgentCluster.DEPROVISION_FINALIZER).withOwnerReferences(Kube.ownerReference(cluster))
        .addToAnnotations("hypershift.openshift.io/hosted-cluster", hostedClusterName).build());
    ac.getSpec().clusterDeploymentRef = new AgentCluster.ClusterDeploymentRef();
    ac.getSpec().clusterDeploymentRef.name = name;
    ac.getSpec().clusterDeploymentRef.namespace = ns;
    client.resource(ac).create();
  }

  /** Whether a controller Deployment of the control-plane namespace exists and is not scaled to 0. */
  boolean running(String ns, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(ns).withName(deployment).get();
    if (d == null || Kube.isDeleting(d)) {
      return false;
    }
    Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
    return replicas == null || replicas > 0;
  }
}
