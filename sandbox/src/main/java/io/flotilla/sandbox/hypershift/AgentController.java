package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.sandbox.workers.Host;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * assisted-service's Agent controller, the host side of the Agent platform (docs/hypershift-facts.md §3): hosts booted into
 * discovery get an Agent; an Agent bound to a ClusterDeployment installs its host into that cluster; an unbound one
 * reboots its host into discovery, which the {@link HostRegistry} counts as a deprovision. (Agent here is the
 * Agent-platform kind, not the Flotilla spoke agent.)
 */
final class AgentController {
  private static final Logger LOG = LoggerFactory.getLogger(AgentController.class);

  private final String managementCluster;
  private final KubernetesClient client;
  private final HostRegistry hosts;

  AgentController(String managementCluster, KubernetesClient client, HostRegistry hosts) {
    this.managementCluster = managementCluster;
    this.client = client;
    this.hosts = hosts;
  }

  /**
   * Racks {@code count} new hosts and boots them into discovery here: each gets an unbound, approved Agent in the
   * InfraEnv namespace (named by its UUID, as assisted-service names Agents), ready for an AgentMachine to take.
   */
  List<Host> addHosts(String agentNamespace, int count, String hostnamePrefix) {
    ensureNamespace(agentNamespace);
    List<Host> racked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Host host = hosts.rack(hostnamePrefix + "-" + Kube.randomSuffix());
      Agent a = new Agent();
      a.setMetadata(new ObjectMetaBuilder().withName(host.uuid()).withNamespace(agentNamespace).build());
      a.getSpec().hostname = host.hostname();
      a.getSpec().approved = true;
      client.resource(a).create();
      setAgentState(agentNamespace, host.uuid(), Agent.STATE_KNOWN_UNBOUND, host.serialNumber());
      hosts.observeUnbound(host.uuid(), host.serialNumber(), host.hostname(), managementCluster);
      racked.add(host);
    }
    return racked;
  }

  /** Binds an Agent to the ClusterDeployment {@code ns/cdName} for {@code agentMachine}; the host is installed. */
  Agent bind(Agent agent, String ns, String cdName, String agentMachine) {
    List<String> ops = new ArrayList<>();
    ops.add("{\"op\":\"add\",\"path\":\"/spec/clusterDeploymentName\",\"value\":{\"name\":" + Kube.json(cdName)
        + ",\"namespace\":" + Kube.json(ns) + "}}");
    ops.add(agent.getMetadata().getLabels() == null
        ? "{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{" + Kube.json(Agent.AGENT_MACHINE_REF_LABEL) + ":"
            + Kube.json(agentMachine) + "}}"
        : "{\"op\":\"add\",\"path\":\"/metadata/labels/" + Kube.pointer(Agent.AGENT_MACHINE_REF_LABEL) + "\",\"value\":"
            + Kube.json(agentMachine) + "}");
    Kube.jsonPatch(client, agent, "[" + String.join(",", ops) + "]");
    setAgentState(agent.getMetadata().getNamespace(), agent.getMetadata().getName(), Agent.STATE_ADDED_TO_EXISTING_CLUSTER, null);
    Agent current = Kube.get(client, Agent.class, agent.getMetadata().getNamespace(), agent.getMetadata().getName());
    return current == null ? agent : current;
  }

  /**
   * Unbinds an Agent: clears spec.clusterDeploymentName and the agentMachineRef label (docs/hypershift-facts.md §3.1), and the
   * host reboots into discovery. Its Node is removed from the hosted cluster unless the Agent carries
   * {@code skip-spoke-cleanup=true} (§3.3).
   */
  void unbind(Agent agent, String why) {
    Agent.ClusterDeploymentName cd = agent.getSpec().clusterDeploymentName;
    String cdKey = HostRegistry.clusterDeploymentKey(cd.namespace, cd.name);
    List<String> ops = new ArrayList<>();
    ops.add("{\"op\":\"remove\",\"path\":\"/spec/clusterDeploymentName\"}");
    if (Kube.label(agent, Agent.AGENT_MACHINE_REF_LABEL) != null) {
      ops.add("{\"op\":\"remove\",\"path\":\"/metadata/labels/" + Kube.pointer(Agent.AGENT_MACHINE_REF_LABEL) + "\"}");
    }
    Kube.jsonPatch(client, agent, "[" + String.join(",", ops) + "]");
    setAgentState(agent.getMetadata().getNamespace(), agent.getMetadata().getName(), Agent.STATE_DISCOVERING_UNBOUND, null);
    boolean skipSpokeCleanup = "true".equals(Kube.annotation(agent, Agent.SKIP_SPOKE_CLEANUP));
    if (hosts.deprovision(agent.getMetadata().getName(), cdKey, skipSpokeCleanup)) {
      LOG.warn("{}: {}: unbound Agent {}/{} (host {}) from {}; the host reboots into discovery{}", managementCluster,
          why, agent.getMetadata().getNamespace(), agent.getMetadata().getName(),
          agent.getSpec().hostname, cdKey, skipSpokeCleanup ? " (skip-spoke-cleanup: its Node stays)" : "");
    }
  }

  /** An Agent event: the registry learns which hosts this management cluster knows and how they are bound. */
  void observe(String ns, String name) {
    Agent a = Kube.get(client, Agent.class, ns, name);
    if (a == null || Kube.isDeleting(a)) {
      if (Kube.list(client, Agent.class, null).stream()
          .noneMatch(x -> name.equals(x.getMetadata().getName()) && !Kube.isDeleting(x))) {
        hosts.agentRemoved(name, managementCluster);
      }
      return;
    }
    String serial = a.getStatus() == null || a.getStatus().inventory == null || a.getStatus().inventory.systemVendor == null
        ? null : a.getStatus().inventory.systemVendor.serialNumber;
    String hostname = a.getSpec() == null ? null : a.getSpec().hostname;
    Agent.ClusterDeploymentName cd = a.getSpec() == null ? null : a.getSpec().clusterDeploymentName;
    if (cd != null && cd.name != null && cd.namespace != null) {
      hosts.observeBound(name, serial, hostname, HostRegistry.clusterDeploymentKey(cd.namespace, cd.name), managementCluster);
    } else {
      hosts.observeUnbound(name, serial, hostname, managementCluster);
    }
  }

  /** How many of these Machines have a host installed into the ClusterDeployment: the NodePool's ready replicas. */
  int boundWorkers(String ns, String cdName, List<Machine> machines) {
    Set<String> names = machines.stream().filter(m -> !Kube.isDeleting(m)).map(m -> m.getMetadata().getName())
        .collect(Collectors.toSet());
    return (int) Kube.list(client, Agent.class, null).stream()
        .filter(a -> isBoundTo(a, ns, cdName) && names.contains(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL)))
        .count();
  }

  List<Agent> agentsBoundTo(String ns, String cdName) {
    return Kube.list(client, Agent.class, null).stream().filter(a -> isBoundTo(a, ns, cdName)).toList();
  }

  private static boolean isBoundTo(Agent a, String ns, String cdName) {
    Agent.ClusterDeploymentName cd = a.getSpec() == null ? null : a.getSpec().clusterDeploymentName;
    return cd != null && ns.equals(cd.namespace) && cdName.equals(cd.name);
  }

  private void setAgentState(String ns, String name, String state, String serialNumber) {
    Kube.editStatus(client, Agent.class, ns, name, a -> {
      if (a.getStatus() == null) {
        a.setStatus(new Agent.Status());
      }
      Agent.Status s = a.getStatus();
      boolean changed = false;
      if (s.debugInfo == null || !state.equals(s.debugInfo.state)) {
        s.debugInfo = new Agent.DebugInfo();
        s.debugInfo.state = state;
        changed = true;
      }
      if (serialNumber != null && (s.inventory == null || s.inventory.systemVendor == null)) {
        s.inventory = new Agent.Inventory();
        s.inventory.systemVendor = new Agent.SystemVendor();
        s.inventory.systemVendor.manufacturer = "Flotilla sandbox";
        s.inventory.systemVendor.productName = "Simulated bare-metal host";
        s.inventory.systemVendor.serialNumber = serialNumber;
        changed = true;
      }
      return changed;
    });
  }

  private void ensureNamespace(String ns) {
    if (client.namespaces().withName(ns).get() == null) {
      client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
  }
}
