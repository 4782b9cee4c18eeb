package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * cluster-api-provider-agent's AgentMachine controller (docs/hypershift-facts.md §3.1), part of the
 * {@value AgentPlatform#CAPI_PROVIDER} Deployment, so {@link AgentPlatform} runs it only while that is up. It gives a
 * worker its host and, when the worker goes, unbinds it unless the AgentMachine carries {@code cluster.x-k8s.io/paused}
 * (any value, PR #140). It checks only the annotation on the AgentMachine itself, never {@code Cluster.spec.paused}
 * (OCPBUGS-114014).
 */
final class AgentMachineController {
  private static final Logger LOG = LoggerFactory.getLogger(AgentMachineController.class);

  private final String managementCluster;
  private final KubernetesClient client;
  private final HostRegistry hosts;
  private final AgentController agents;
  /** Control-plane namespace → the InfraEnv namespace its hosted cluster takes Agents from. */
  private final Function<String, Optional<String>> agentNamespaceOf;
  /** AgentMachines already reported as waiting for a host, so the log says it once. */
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();

  AgentMachineController(String managementCluster, KubernetesClient client, HostRegistry hosts, AgentController agents,
                         Function<String, Optional<String>> agentNamespaceOf) {
    this.managementCluster = managementCluster;
    this.client = client;
    this.hosts = hosts;
    this.agents = agents;
    this.agentNamespaceOf = agentNamespaceOf;
  }

  /**
   * handleDeletionHook (docs/hypershift-facts.md §3.1): unbind the Agent unless the AgentMachine is paused ("Skipping unbinding
   * agent since agent machine is paused"), then drop the finalizer. A live, unpaused AgentMachine without an agentRef
   * first looks for the Agent labelled {@code agentMachineRef=<its name>} (one restored from a backup, whose status was
   * stripped: re-adoption, the host is not touched), then binds a free (unbound) Agent of the InfraEnv namespace; with
   * none free it waits, as the provider does. A bound Agent is never taken from its cluster.
   */
  boolean reconcile(String ns) {
    boolean progressed = false;
    for (AgentMachine am : Kube.list(client, AgentMachine.class, ns)) {
      boolean paused = Kube.hasAnnotation(am, Cluster.PAUSED_ANNOTATION);
      if (Kube.isDeleting(am)) {
        if (!Kube.hasFinalizer(am, AgentMachine.DEPROVISION_FINALIZER)) {
          continue;
        }
        if (paused) {
          LOG.info("{}: skipping unbinding agent since agent machine {}/{} is paused", managementCluster, ns,
              am.getMetadata().getName());
        } else {
          // An Agent another AgentMachine has since taken over (re-adoption) is not this one's to unbind.
          agentOf(am).filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null)
              .filter(a -> {
                String holder = Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL);
                return holder == null || holder.equals(am.getMetadata().getName());
              })
              .ifPresent(a -> agents.unbind(a, "AgentMachine " + ns + "/" + am.getMetadata().getName() + " deleted"));
        }
        Kube.removeFinalizer(client, am, AgentMachine.DEPROVISION_FINALIZER);
        progressed = true;
      } else if (!paused && (am.getStatus() == null || am.getStatus().agentRef == null)) {
        progressed |= findAgent(am);
      }
    }
    return progressed;
  }

  /** The AgentMachine's Agent: the one labelled for it (re-adoption), else a free one it binds. True if it found one. */
  boolean findAgent(AgentMachine am) {
    String ns = am.getMetadata().getNamespace();
    Optional<Agent> labelled = agentOf(am);
    if (labelled.isPresent()) {
      setAgentRef(ns, am.getMetadata().getName(), labelled.get());
      return true;
    }
    Optional<String> agentNamespace = agentNamespaceOf.apply(ns);
    Optional<Cluster> cluster = Kube.list(client, Cluster.class, ns).stream().filter(c -> !Kube.isDeleting(c))
        .findFirst();
    if (agentNamespace.isEmpty() || cluster.isEmpty()) {
      return false;
    }
    Optional<Agent> free = Kube.list(client, Agent.class, agentNamespace.get()).stream()
        .filter(a -> !Kube.isDeleting(a) && (a.getSpec() == null || a.getSpec().clusterDeploymentName == null))
        .filter(a -> a.getSpec() == null || !Boolean.FALSE.equals(a.getSpec().approved))
        .min(Comparator.comparing(a -> a.getMetadata().getName()));
    String key = ns + "/" + am.getMetadata().getName();
    if (free.isEmpty()) {
      if (waiting.add(key)) {
        LOG.info("{}: AgentMachine {} waits for a free Agent in {}", managementCluster, key, agentNamespace.get());
      }
      return false;
    }
    waiting.remove(key);
    // The AgentCluster, and so its ClusterDeployment, is named after the infraID: the CAPI Cluster's name.
    String cdName = cluster.get().getMetadata().getName();
    Agent bound = agents.bind(free.get(), ns, cdName, am.getMetadata().getName());
    hosts.observeBound(bound.getMetadata().getName(), null, bound.getSpec().hostname,
        HostRegistry.clusterDeploymentKey(ns, cdName), managementCluster);
    setAgentRef(ns, am.getMetadata().getName(), bound);
    LOG.info("{}: worker {}/{} on host {} ({})", managementCluster, ns, am.getMetadata().getName(),
        bound.getSpec().hostname, bound.getMetadata().getName());
    return true;
  }

  /** Whether the Machine's AgentMachine has an Agent that is bound: the worker holds a host (CAPI: has a node). */
  boolean holdsBoundHost(Machine m) {
    String ns = m.getMetadata().getNamespace();
    AgentMachine am = m.getSpec() == null || m.getSpec().infrastructureRef == null ? null
        : Kube.get(client, AgentMachine.class, ns, m.getSpec().infrastructureRef.getName());
    return am != null && agentOf(am).filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null
        && am.getMetadata().getName().equals(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL))).isPresent();
  }

  /** The Agent in the AgentMachine's status.agentRef, else the one labelled for it and bound into its namespace. */
  private Optional<Agent> agentOf(AgentMachine am) {
    if (am.getStatus() != null && am.getStatus().agentRef != null && am.getStatus().agentRef.name != null) {
      Agent a = Kube.get(client, Agent.class, am.getStatus().agentRef.namespace, am.getStatus().agentRef.name);
      if (a != null) {
        return Optional.of(a);
      }
    }
    String ns = am.getMetadata().getNamespace();
    return Kube.list(client, Agent.class, null).stream()
        .filter(a -> am.getMetadata().getName().equals(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL)))
        .filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null
            && ns.equals(a.getSpec().clusterDeploymentName.namespace))
        .findFirst();
  }

  private void setAgentRef(String ns, String agentMachine, Agent agent) {
    Kube.editStatus(client, AgentMachine.class, ns, agentMachine, am -> {
      AgentMachine.AgentRef ref = am.getStatus() == null ? null : am.getStatus().agentRef;
      if (ref != null && agent.getMetadata().getName().equals(ref.name)
          && agent.getMetadata().getNamespace().equals(ref.namespace)) {
        return false;
      }
      if (am.getStatus() == null) {
        am.setStatus(new AgentMachine.Status());
      }
      am.getStatus().agentRef = new AgentMachine.AgentRef();
      am.getStatus().agentRef.name = agent.getMetadata().getName();
      am.getStatus().agentRef.namespace = agent.getMetadata().getNamespace();
      return true;
    });
  }
}
