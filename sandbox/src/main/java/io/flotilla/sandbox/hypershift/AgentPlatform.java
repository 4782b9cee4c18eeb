package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.sandbox.workers.Host;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The controllers that decide what happens to a hosted cluster's workers on the Agent platform (docs/hypershift-facts.md §3),
 * each level-triggered over one control-plane namespace:
 * <ul>
 *   <li>Cluster API's Machine and Cluster controllers. They run in the control-plane namespace as the
 *       {@value #CAPI_MANAGER} Deployment: while it is missing or scaled to 0 they do nothing (docs/hypershift-facts.md §1.5 step
 *       2, §3.4 restore step 3 "only one Cluster API can access a cluster at a time"). They skip a paused Cluster
 *       ({@code spec.paused}) and a Machine annotated {@code cluster.x-k8s.io/paused}.</li>
 *   <li>cluster-api-provider-agent's AgentMachine and AgentCluster controllers, the {@value #CAPI_PROVIDER}
 *       Deployment. A deleted AgentMachine unbinds its Agent unless it carries {@code cluster.x-k8s.io/paused} (any
 *       value, PR #140); a paused AgentCluster orphans its ClusterDeployment, an unpaused one (re-)adopts it by the
 *       {@code agentClusterRef} label (§3.1). They check only the annotation on the object itself, never
 *       {@code Cluster.spec.paused} (OCPBUGS-114014).</li>
 *   <li>assisted-service's ClusterDeployment finalizer (central, always running): deleting a ClusterDeployment returns
 *       its Agents to the InfraEnv (unbinds them) unless {@code spec.preserveOnDelete} is true (§3.3).</li>
 *   <li>Kubernetes' garbage collector for the ownerReferences among these objects (AgentMachine → Machine,
 *       AgentCluster → Cluster, ClusterDeployment → AgentCluster) and its namespace controller: the mock API server has
 *       neither, so a deleted namespace's objects are deleted here.</li>
 * </ul>
 * Unbinding an Agent reboots its host into discovery: the {@link HostRegistry} counts it as a deprovision.
 */
final class AgentPlatform {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPlatform.class);
  /** The Cluster API manager Deployment in the control-plane namespace. */
  static final String CAPI_MANAGER = "cluster-api";
  /** The Agent CAPI provider Deployment in the control-plane namespace. */
  static final String CAPI_PROVIDER = "capi-provider";
  private static final String AGENT_MACHINE_API_VERSION = AgentMachine.GROUP + "/" + AgentMachine.VERSION;
  /** How many controller passes a deleted namespace gets before its controllers' pods are gone. */
  private static final int NAMESPACE_GRACE_PASSES = 10;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private final String managementCluster;
  private final KubernetesClient client;
  private final HostRegistry hosts;
  /** Control-plane namespace → the InfraEnv namespace its hosted cluster takes Agents from. */
  private final Function<String, Optional<String>> agentNamespaceOf;
  /** AgentMachines already reported as waiting for a host, so the log says it once. */
  private final Set<String> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

  AgentPlatform(String managementCluster, KubernetesClient client, HostRegistry hosts,
                Function<String, Optional<String>> agentNamespaceOf) {
    this.managementCluster = managementCluster;
    this.client = client;
    this.hosts = hosts;
    this.agentNamespaceOf = agentNamespaceOf;
  }

  /** One pass of every controller over a namespace; true when it changed anything. */
  boolean reconcile(String ns) {
    boolean progressed = hostedControlPlaneFinalizer(ns);
    progressed |= garbageCollect(ns);
    if (running(ns, CAPI_MANAGER)) {
      progressed |= machineController(ns);
      progressed |= clusterController(ns);
    }
    if (running(ns, CAPI_PROVIDER)) {
      progressed |= agentMachineController(ns);
      progressed |= agentClusterController(ns);
    }
    progressed |= clusterDeploymentFinalizer(ns);
    return progressed;
  }

  /** The control-plane operator lets a deleted HostedControlPlane go (nothing to clean up in the sandbox). */
  private boolean hostedControlPlaneFinalizer(String ns) {
    boolean progressed = false;
    for (var hcp : list(io.flotilla.api.foreign.hypershift.HostedControlPlane.class, ns)) {
      if (Kube.isDeleting(hcp) && Kube.hasFinalizer(hcp, HostedCluster.FINALIZER)) {
        Kube.removeFinalizer(client, hcp, HostedCluster.FINALIZER);
        progressed = true;
      }
    }
    return progressed;
  }

  // ---------------------------------------------------------------- Cluster API

  /** CAPI deletes a Machine's infrastructure machine (the AgentMachine) and waits for it before letting go. */
  private boolean machineController(String ns) {
    boolean progressed = false;
    for (Machine m : list(Machine.class, ns)) {
      if (!Kube.isDeleting(m) || !Kube.hasFinalizer(m, Machine.FINALIZER) || Kube.hasAnnotation(m, Cluster.PAUSED_ANNOTATION)) {
        continue;
      }
      Cluster cluster = get(Cluster.class, ns, clusterNameOf(m));
      if (cluster == null || isPaused(cluster)) {
        continue; // no Cluster: CAPI errors and retries; paused: not reconciled at all
      }
      AgentMachine am = m.getSpec() == null || m.getSpec().infrastructureRef == null ? null
          : get(AgentMachine.class, ns, m.getSpec().infrastructureRef.getName());
      if (am != null) {
        if (!Kube.isDeleting(am)) {
          Kube.delete(client, am);
          progressed = true;
        }
        continue;
      }
      Kube.removeFinalizer(client, m, Machine.FINALIZER);
      progressed = true;
    }
    return progressed;
  }

  /** CAPI deletes a Cluster's Machines, then its infrastructure cluster (the AgentCluster), then lets go. */
  private boolean clusterController(String ns) {
    boolean progressed = false;
    for (Cluster c : list(Cluster.class, ns)) {
      if (!Kube.isDeleting(c) || !Kube.hasFinalizer(c, Cluster.FINALIZER) || isPaused(c)) {
        continue;
      }
      List<Machine> descendants = list(Machine.class, ns).stream()
          .filter(m -> c.getMetadata().getName().equals(clusterNameOf(m))).toList();
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
          : get(AgentCluster.class, ns, c.getSpec().infrastructureRef.getName());
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

  // ---------------------------------------------------------------- cluster-api-provider-agent

  /**
   * handleDeletionHook (docs/hypershift-facts.md §3.1): unbind the Agent unless the AgentMachine is paused ("Skipping unbinding
   * agent since agent machine is paused"), then drop the finalizer. A live, unpaused AgentMachine without an agentRef
   * first looks for the Agent labelled {@code agentMachineRef=<its name>} (one restored from a backup, whose status was
   * stripped: re-adoption, the host is not touched), then binds a free (unbound) Agent of the InfraEnv namespace; with
   * none free it waits, as the provider does. A bound Agent is never taken from its cluster.
   */
  private boolean agentMachineController(String ns) {
    boolean progressed = false;
    for (AgentMachine am : list(AgentMachine.class, ns)) {
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
              .ifPresent(a -> unbind(a, "AgentMachine " + ns + "/" + am.getMetadata().getName() + " deleted"));
        }
        Kube.removeFinalizer(client, am, AgentMachine.DEPROVISION_FINALIZER);
        progressed = true;
      } else if (!paused && (am.getStatus() == null || am.getStatus().agentRef == null)) {
        progressed |= findAgent(am);
      }
    }
    return progressed;
  }

  /** A paused AgentCluster orphans its ClusterDeployment; an unpaused one creates or re-adopts it (§3.1). */
  private boolean agentClusterController(String ns) {
    boolean progressed = false;
    for (AgentCluster ac : list(AgentCluster.class, ns)) {
      boolean paused = Kube.hasAnnotation(ac, Cluster.PAUSED_ANNOTATION);
      Optional<ClusterDeployment> cd = clusterDeploymentOf(ac);
      String uid = ac.getMetadata().getUid();
      if (paused) {
        if (cd.isPresent() && Kube.ownedBy(cd.get(), uid)) {
          LOG.info("{}: AgentCluster {}/{} is paused: orphaning ClusterDeployment {}", managementCluster, ns,
              ac.getMetadata().getName(), cd.get().getMetadata().getName());
          Kube.removeOwnerReference(client, cd.get(), uid);
          progressed = true;
        }
        if (Kube.isDeleting(ac) && Kube.hasFinalizer(ac, AgentCluster.DEPROVISION_FINALIZER)) {
          Kube.removeFinalizer(client, ac, AgentCluster.DEPROVISION_FINALIZER);
          progressed = true;
        }
        continue;
      }
      if (Kube.isDeleting(ac)) {
        if (Kube.hasFinalizer(ac, AgentCluster.DEPROVISION_FINALIZER)) {
          cd.filter(d -> !Kube.isDeleting(d)).ifPresent(d -> Kube.delete(client, d));
          Kube.removeFinalizer(client, ac, AgentCluster.DEPROVISION_FINALIZER);
          progressed = true;
        }
        continue;
      }
      if (cd.isEmpty()) {
        createClusterDeployment(ac);
        progressed = true;
      } else if (!Kube.ownedBy(cd.get(), uid) && !Kube.isDeleting(cd.get())) {
        LOG.info("{}: AgentCluster {}/{} re-adopts ClusterDeployment {}", managementCluster, ns,
            ac.getMetadata().getName(), cd.get().getMetadata().getName());
        Kube.addOwnerReference(client, cd.get(), ac);
        progressed = true;
      }
    }
    return progressed;
  }

  /** findOrCreateClusterDeployment: by the agentClusterRef label first, then by the name the AgentCluster gives. */
  private Optional<ClusterDeployment> clusterDeploymentOf(AgentCluster ac) {
    String ns = ac.getMetadata().getNamespace();
    List<ClusterDeployment> all = list(ClusterDeployment.class, ns);
    Optional<ClusterDeployment> byLabel = all.stream()
        .filter(cd -> ac.getMetadata().getName().equals(Kube.label(cd, AgentCluster.CLUSTER_DEPLOYMENT_REF_LABEL)))
        .findFirst();
    if (byLabel.isPresent()) {
      return byLabel;
    }
    String name = ac.getSpec() == null || ac.getSpec().clusterDeploymentRef == null ? null
        : ac.getSpec().clusterDeploymentRef.name;
    return all.stream().filter(cd -> cd.getMetadata().getName().equals(name)).findFirst();
  }

  private void createClusterDeployment(AgentCluster ac) {
    String ns = ac.getMetadata().getNamespace();
    String name = ac.getSpec() != null && ac.getSpec().clusterDeploymentRef != null
        && ac.getSpec().clusterDeploymentRef.name != null ? ac.getSpec().clusterDeploymentRef.name : ac.getMetadata().getName();
    ClusterDeployment cd = new ClusterDeployment();
    cd.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToLabels(AgentCluster.CLUSTER_DEPLOYMENT_REF_LABEL, ac.getMetadata().getName())
        .addToFinalizers(ClusterDeployment.AI_DEPROVISION_FINALIZER)
        .withOwnerReferences(Kube.ownerReference(ac)).build());
    cd.getSpec().clusterName = name;
    cd.getSpec().baseDomain = "sandbox.flotilla.local";
    create(cd);
  }

  // ---------------------------------------------------------------- assisted-service

  /** "When a ClusterDeployment is deleted, the Agents created with late binding will be returned to the InfraEnv." */
  private boolean clusterDeploymentFinalizer(String ns) {
    boolean progressed = false;
    for (ClusterDeployment cd : list(ClusterDeployment.class, ns)) {
      if (!Kube.isDeleting(cd) || !Kube.hasFinalizer(cd, ClusterDeployment.AI_DEPROVISION_FINALIZER)) {
        continue;
      }
      if (Boolean.TRUE.equals(cd.getSpec() == null ? null : cd.getSpec().preserveOnDelete)) {
        LOG.info("{}: ClusterDeployment {}/{} has preserveOnDelete: its hosts stay as they are", managementCluster,
            ns, cd.getMetadata().getName());
      } else {
        for (Agent a : agentsBoundTo(ns, cd.getMetadata().getName())) {
          unbind(a, "ClusterDeployment " + ns + "/" + cd.getMetadata().getName() + " deleted");
        }
      }
      Kube.removeFinalizer(client, cd, ClusterDeployment.AI_DEPROVISION_FINALIZER);
      progressed = true;
    }
    return progressed;
  }

  /**
   * Unbinds an Agent: clears spec.clusterDeploymentName and the agentMachineRef label (docs/hypershift-facts.md §3.1), and the
   * host reboots into discovery. Its Node is removed from the hosted cluster unless the Agent carries
   * {@code skip-spoke-cleanup=true} (§3.3).
   */
  private void unbind(Agent agent, String why) {
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

  // ---------------------------------------------------------------- garbage collection

  /** Dependents whose every owner (of the kinds modelled here) is gone are deleted, as the GC does. */
  private boolean garbageCollect(String ns) {
    Set<String> owners = new HashSet<>();
    List<AgentMachine> agentMachines = list(AgentMachine.class, ns);
    List<AgentCluster> agentClusters = list(AgentCluster.class, ns);
    List<ClusterDeployment> cds = list(ClusterDeployment.class, ns);
    list(Machine.class, ns).forEach(o -> owners.add(o.getMetadata().getUid()));
    list(Cluster.class, ns).forEach(o -> owners.add(o.getMetadata().getUid()));
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

  /**
   * The namespace controller: every object of a deleted namespace is deleted. The controllers that live in it keep
   * running for a grace period (their pods terminate last), so finalizers they own are still processed: a deleted
   * control-plane namespace whose AgentMachines are not paused unbinds their Agents. Agents in a deleted InfraEnv
   * namespace are only forgotten by this management cluster: deleting an Agent object does not touch the host.
   */
  void namespaceDeleted(String ns) {
    List<Class<? extends HasMetadata>> kinds = List.of(io.flotilla.api.foreign.hypershift.HostedControlPlane.class,
        Cluster.class, Machine.class, AgentMachine.class, AgentCluster.class, ClusterDeployment.class, Agent.class);
    boolean any = false;
    for (Class<? extends HasMetadata> kind : kinds) {
      for (HasMetadata o : list(kind, ns)) {
        Kube.delete(client, o);
        any = true;
      }
    }
    if (!any && client.apps().deployments().inNamespace(ns).withName(CAPI_MANAGER).get() == null) {
      return; // not a namespace of ours
    }
    Kube.quietly(() -> client.secrets().inNamespace(ns).delete());
    Kube.quietly(() -> client.configMaps().inNamespace(ns).delete());
    Kube.quietly(() -> client.services().inNamespace(ns).delete());
    for (int pass = 0; pass < NAMESPACE_GRACE_PASSES && reconcile(ns); pass++) {
      // keep going while the controllers still make progress
    }
    Kube.quietly(() -> client.apps().deployments().inNamespace(ns).delete());
    LOG.info("{}: namespace {} deleted with its objects", managementCluster, ns);
  }

  // ---------------------------------------------------------------- workers

  /** A worker of a NodePool as CAPI creates it: a Machine and its AgentMachine, which then takes an Agent. */
  record WorkerRequest(String controlPlaneNamespace, String infraId, String nodePool) {}

  /** Creates one worker: Machine → AgentMachine (owned by the Machine), then lets the AgentMachine find a host. */
  void createWorker(WorkerRequest w) {
    String ns = w.controlPlaneNamespace();
    String name = w.nodePool() + "-" + suffix();
    Machine machine = new Machine();
    machine.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToLabels(Machine.CLUSTER_NAME_LABEL, w.infraId()).addToLabels(Machine.NODE_POOL_LABEL, w.nodePool())
        .addToFinalizers(Machine.FINALIZER).build());
    machine.getSpec().clusterName = w.infraId();
    machine.getSpec().infrastructureRef = new ObjectReferenceBuilder().withApiVersion(AGENT_MACHINE_API_VERSION)
        .withKind("AgentMachine").withName(name).withNamespace(ns).build();
    machine = create(machine);
    AgentMachine am = new AgentMachine();
    am.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToFinalizers(AgentMachine.DEPROVISION_FINALIZER).withOwnerReferences(Kube.ownerReference(machine)).build());
    am = create(am);
    if (running(ns, CAPI_PROVIDER)) {
      findAgent(am);
    }
  }

  /** The AgentMachine's Agent: the one labelled for it (re-adoption), else a free one it binds. True if it found one. */
  private boolean findAgent(AgentMachine am) {
    String ns = am.getMetadata().getNamespace();
    Optional<Agent> labelled = agentOf(am);
    if (labelled.isPresent()) {
      setAgentRef(ns, am.getMetadata().getName(), labelled.get());
      return true;
    }
    Optional<String> agentNamespace = agentNamespaceOf.apply(ns);
    Optional<Cluster> cluster = list(Cluster.class, ns).stream().filter(c -> !Kube.isDeleting(c)).findFirst();
    if (agentNamespace.isEmpty() || cluster.isEmpty()) {
      return false;
    }
    Optional<Agent> free = list(Agent.class, agentNamespace.get()).stream()
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
    Agent bound = bind(free.get(), ns, cdName, am.getMetadata().getName());
    hosts.observeBound(bound.getMetadata().getName(), null, bound.getSpec().hostname,
        HostRegistry.clusterDeploymentKey(ns, cdName), managementCluster);
    setAgentRef(ns, am.getMetadata().getName(), bound);
    LOG.info("{}: worker {}/{} on host {} ({})", managementCluster, ns, am.getMetadata().getName(),
        bound.getSpec().hostname, bound.getMetadata().getName());
    return true;
  }

  /**
   * Racks {@code count} new hosts and boots them into discovery here: each gets an unbound, approved Agent in the
   * InfraEnv namespace (named by its UUID, as assisted-service names Agents), ready for an AgentMachine to take.
   */
  List<Host> addHosts(String agentNamespace, int count, String hostnamePrefix) {
    ensureNamespace(agentNamespace);
    List<Host> racked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Host host = hosts.rack(hostnamePrefix + "-" + suffix());
      Agent a = new Agent();
      a.setMetadata(new ObjectMetaBuilder().withName(host.uuid()).withNamespace(agentNamespace).build());
      a.getSpec().hostname = host.hostname();
      a.getSpec().approved = true;
      create(a);
      setAgentState(agentNamespace, host.uuid(), Agent.STATE_KNOWN_UNBOUND, host.serialNumber());
      hosts.observeUnbound(host.uuid(), host.serialNumber(), host.hostname(), managementCluster);
      racked.add(host);
    }
    return racked;
  }

  private Agent bind(Agent agent, String ns, String cdName, String agentMachine) {
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
    Agent current = get(Agent.class, agent.getMetadata().getNamespace(), agent.getMetadata().getName());
    return current == null ? agent : current;
  }

  /** The live Machines of a NodePool, oldest first. */
  List<Machine> machinesOf(String ns, String nodePool) {
    return list(Machine.class, ns).stream()
        .filter(m -> nodePool.equals(Kube.label(m, Machine.NODE_POOL_LABEL)))
        .sorted(Comparator.comparing((Machine m) -> Objects.toString(m.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(m -> m.getMetadata().getName()))
        .toList();
  }

  /** Whether the Machine's AgentMachine has an Agent that is bound: the worker holds a host (CAPI: has a node). */
  boolean holdsBoundHost(Machine m) {
    String ns = m.getMetadata().getNamespace();
    AgentMachine am = m.getSpec() == null || m.getSpec().infrastructureRef == null ? null
        : get(AgentMachine.class, ns, m.getSpec().infrastructureRef.getName());
    return am != null && agentOf(am).filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null
        && am.getMetadata().getName().equals(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL))).isPresent();
  }

  /** How many of these Machines have a host installed into the ClusterDeployment: the NodePool's ready replicas. */
  int boundWorkers(String ns, String cdName, List<Machine> machines) {
    Set<String> names = machines.stream().filter(m -> !Kube.isDeleting(m)).map(m -> m.getMetadata().getName())
        .collect(Collectors.toSet());
    return (int) list(Agent.class, null).stream()
        .filter(a -> isBoundTo(a, ns, cdName) && names.contains(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL)))
        .count();
  }

  /** The HyperShift operator creates the infrastructure cluster of the Agent platform: an AgentCluster owned by the CAPI Cluster. */
  void ensureAgentCluster(Cluster cluster, String hostedClusterName) {
    String ns = cluster.getMetadata().getNamespace();
    String name = cluster.getMetadata().getName();
    if (get(AgentCluster.class, ns, name) != null) {
      return;
    }
    AgentCluster ac = new AgentCluster();
    ac.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToFinalizers(AgentCluster.DEPROVISION_FINALIZER).withOwnerReferences(Kube.ownerReference(cluster))
        .addToAnnotations("hypershift.openshift.io/hosted-cluster", hostedClusterName).build());
    ac.getSpec().clusterDeploymentRef = new AgentCluster.ClusterDeploymentRef();
    ac.getSpec().clusterDeploymentRef.name = name;
    ac.getSpec().clusterDeploymentRef.namespace = ns;
    create(ac);
  }

  /** An Agent event: the registry learns which hosts this management cluster knows and how they are bound. */
  void observeAgent(String ns, String name) {
    Agent a = get(Agent.class, ns, name);
    if (a == null || Kube.isDeleting(a)) {
      if (list(Agent.class, null).stream().noneMatch(x -> name.equals(x.getMetadata().getName()) && !Kube.isDeleting(x))) {
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

  // ---------------------------------------------------------------- helpers

  /** Whether a controller Deployment of the control-plane namespace exists and is not scaled to 0. */
  boolean running(String ns, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(ns).withName(deployment).get();
    if (d == null || Kube.isDeleting(d)) {
      return false;
    }
    Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
    return replicas == null || replicas > 0;
  }

  private Optional<Agent> agentOf(AgentMachine am) {
    if (am.getStatus() != null && am.getStatus().agentRef != null && am.getStatus().agentRef.name != null) {
      Agent a = get(Agent.class, am.getStatus().agentRef.namespace, am.getStatus().agentRef.name);
      if (a != null) {
        return Optional.of(a);
      }
    }
    String ns = am.getMetadata().getNamespace();
    return list(Agent.class, null).stream()
        .filter(a -> am.getMetadata().getName().equals(Kube.label(a, Agent.AGENT_MACHINE_REF_LABEL)))
        .filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null
            && ns.equals(a.getSpec().clusterDeploymentName.namespace))
        .findFirst();
  }

  private List<Agent> agentsBoundTo(String ns, String cdName) {
    return list(Agent.class, null).stream().filter(a -> isBoundTo(a, ns, cdName)).toList();
  }

  private static boolean isBoundTo(Agent a, String ns, String cdName) {
    Agent.ClusterDeploymentName cd = a.getSpec() == null ? null : a.getSpec().clusterDeploymentName;
    return cd != null && ns.equals(cd.namespace) && cdName.equals(cd.name);
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

  private static String clusterNameOf(Machine m) {
    String name = m.getSpec() == null ? null : m.getSpec().clusterName;
    return name != null ? name : Kube.label(m, Machine.CLUSTER_NAME_LABEL);
  }

  private static boolean isPaused(Cluster c) {
    return Boolean.TRUE.equals(c.getSpec() == null ? null : c.getSpec().paused);
  }

  private void ensureNamespace(String ns) {
    if (client.namespaces().withName(ns).get() == null) {
      client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
  }

  private <T extends HasMetadata> T create(T o) {
    return client.resource(o).create();
  }

  private <T extends HasMetadata> T get(Class<T> type, String ns, String name) {
    if (ns == null || name == null) {
      return null;
    }
    try {
      return client.resources(type).inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Objects of a kind in a namespace (every namespace when {@code ns} is null); none when the kind is not installed. */
  private <T extends HasMetadata> List<T> list(Class<T> type, String ns) {
    try {
      return ns == null ? client.resources(type).inAnyNamespace().list().getItems()
          : client.resources(type).inNamespace(ns).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of();
      }
      throw e;
    }
  }

  private static String suffix() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
    }
    return s.toString();
  }
}
