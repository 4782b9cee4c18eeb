package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.sandbox.workers.Host;
import io.flotilla.sandbox.workers.HostRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.flotilla.sandbox.hypershift.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * NodePool workers on the Agent platform and what deletion does to their hosts (docs/hypershift-facts.md §1.3, §1.5, §3), with
 * two management clusters sharing one fleet-wide host registry.
 */
class WorkersAndDeletionTest {
  private static final Duration UP = Duration.ofSeconds(60);
  private static final String PAUSED = Cluster.PAUSED_ANNOTATION;

  @TempDir static Path workDir;
  static final HostRegistry hosts = new HostRegistry();
  static MockApiServer apiA;
  static MockApiServer apiB;
  static KubernetesClient a;
  static KubernetesClient b;
  static HyperShiftSimulator simA;
  static HyperShiftSimulator simB;

  @BeforeAll
  static void start() {
    Fixtures.assumeEtcd();
    apiA = MockApiServer.start("mc-a");
    apiB = MockApiServer.start("mc-b");
    a = apiA.adminClient();
    b = apiB.adminClient();
    simA = new HyperShiftSimulator("mc-a", a, workDir.resolve("mc-a"), 64 * 1024, hosts, null);
    simB = new HyperShiftSimulator("mc-b", b, workDir.resolve("mc-b"), 64 * 1024, hosts, null);
    simA.start();
    simB.start();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {simA, simB, apiA, apiB}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  void nodePoolReplicasAreMachinesAgentMachinesAndBoundAgents() {
    String cd = upWithWorkers(a, "w1", 2);
    String cpNs = NS + "-w1";
    List<Machine> machines = a.resources(Machine.class).inNamespace(cpNs).list().getItems();
    assertThat(machines).hasSize(2).allSatisfy(m -> {
      assertThat(m.getMetadata().getFinalizers()).contains(Machine.FINALIZER);
      assertThat(m.getMetadata().getLabels()).containsEntry(Machine.NODE_POOL_LABEL, "w1-workers")
          .containsEntry(Machine.CLUSTER_NAME_LABEL, "w1-infra");
      AgentMachine am = a.resources(AgentMachine.class).inNamespace(cpNs).withName(m.getMetadata().getName()).get();
      assertThat(am.getMetadata().getOwnerReferences()).anySatisfy(r -> assertThat(r.getUid()).isEqualTo(m.getMetadata().getUid()));
      assertThat(am.getStatus().agentRef.namespace).isEqualTo(agentNamespace("w1"));
      Agent agent = a.resources(Agent.class).inNamespace(am.getStatus().agentRef.namespace).withName(am.getStatus().agentRef.name).get();
      assertThat(agent.getSpec().clusterDeploymentName.namespace).isEqualTo(cpNs);
      assertThat(agent.getSpec().clusterDeploymentName.name).isEqualTo("w1-infra");
      assertThat(agent.getMetadata().getLabels()).containsEntry(Agent.AGENT_MACHINE_REF_LABEL, am.getMetadata().getName());
      assertThat(agent.getStatus().inventory.systemVendor.serialNumber)
          .isEqualTo(hosts.find(agent.getMetadata().getName()).orElseThrow().serialNumber());
    });
    AgentCluster ac = a.resources(AgentCluster.class).inNamespace(cpNs).withName("w1-infra").get();
    ClusterDeployment clusterDeployment = a.resources(ClusterDeployment.class).inNamespace(cpNs).withName("w1-infra").get();
    assertThat(clusterDeployment.getMetadata().getOwnerReferences()).anySatisfy(r -> assertThat(r.getUid()).isEqualTo(ac.getMetadata().getUid()));
    assertThat(Fixtures.get(a, "w1").getMetadata().getFinalizers()).contains(HostedCluster.FINALIZER);
    assertThat(a.resources(NodePool.class).inNamespace(NS).withName("w1-workers").get().getMetadata().getFinalizers())
        .contains(HostedCluster.FINALIZER);
    assertThat(hosts.boundTo(cd)).hasSize(2).allSatisfy(h -> {
      assertThat(h.provisions()).isEqualTo(1);
      assertThat(h.deprovisions()).isZero();
      assertThat(h.agentsOn()).containsExactly("mc-a");
    });

    // Scaling down deprovisions one host; scaling up again takes the free host back rather than racking a new one.
    int racked = hosts.hosts().size();
    setReplicas(a, "w1-workers", 1);
    await().atMost(UP).untilAsserted(() -> {
      assertThat(hosts.boundTo(cd)).hasSize(1);
      assertThat(a.resources(Machine.class).inNamespace(cpNs).list().getItems()).hasSize(1);
    });
    Host freed = hosts.hosts().stream().filter(h -> h.deprovisions() == 1).findFirst().orElseThrow();
    assertThat(a.resources(Agent.class).inNamespace(agentNamespace("w1")).withName(freed.uuid())
        .get().getStatus().debugInfo.state).isEqualTo(Agent.STATE_DISCOVERING_UNBOUND);
    setReplicas(a, "w1-workers", 2);
    await().atMost(UP).untilAsserted(() -> assertThat(hosts.boundTo(cd)).hasSize(2));
    assertThat(hosts.hosts()).hasSize(racked);
    assertThat(hosts.find(freed.uuid()).orElseThrow().provisions()).isEqualTo(2);
  }

  @Test
  void aNormalDeleteOfAPausedHostedClusterUnpausesCapiAndDeprovisionsEveryHost() {
    String cd = upWithWorkers(a, "w2", 2);
    List<String> uuids = hosts.boundTo(cd).stream().map(Host::uuid).toList();
    Fixtures.mergePatch(a, HostedCluster.class, NS, "w2", "{\"spec\":{\"pausedUntil\":\"true\"}}");
    await().atMost(UP).untilAsserted(() -> assertThat(
        a.resources(Cluster.class).inNamespace(NS + "-w2").withName("w2-infra").get().getSpec().paused).isTrue());

    a.resources(HostedCluster.class).inNamespace(NS).withName("w2").delete();

    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.get(a, "w2")).isNull();
      assertThat(a.namespaces().withName(NS + "-w2").get()).isNull();
    });
    assertThat(uuids).allSatisfy(uuid -> {
      Host h = hosts.find(uuid).orElseThrow();
      assertThat(h.isBound()).isFalse();
      assertThat(h.deprovisions()).isEqualTo(1);
      assertThat(h.spokeCleanups()).isEqualTo(1);
    });
  }

  @Test
  void aNormalDeleteWithEveryPreservationInPlaceDeprovisionsNothing() {
    String cd = upWithWorkers(a, "w3", 2);
    String cpNs = NS + "-w3";
    List<Host> before = hosts.boundTo(cd);
    preserve(a, "w3"); // docs/hypershift-facts.md §3.4 backup steps 1-6 and the §3.3 settings

    a.resources(HostedCluster.class).inNamespace(NS).withName("w3").delete();

    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.get(a, "w3")).isNull();
      assertThat(a.resources(NodePool.class).inNamespace(NS).withName("w3-workers").get()).isNull();
      assertThat(a.resources(Machine.class).inNamespace(cpNs).list().getItems()).isEmpty();
      assertThat(a.resources(AgentMachine.class).inNamespace(cpNs).list().getItems()).isEmpty();
      assertThat(a.resources(AgentCluster.class).inNamespace(cpNs).list().getItems()).isEmpty();
    });
    // The namespace stays; the ClusterDeployment was orphaned by the paused AgentCluster, not deleted.
    assertThat(a.namespaces().withName(cpNs).get()).isNotNull();
    ClusterDeployment orphan = a.resources(ClusterDeployment.class).inNamespace(cpNs).withName("w3-infra").get();
    assertThat(orphan).isNotNull();
    assertThat(orphan.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertUntouched(before, cd);
  }

  @Test
  void theSection15TeardownStripsFinalizersAndDeprovisionsNothing() {
    String cd = upWithWorkers(a, "w4", 2);
    String cpNs = NS + "-w4";
    List<Host> before = hosts.boundTo(cd);
    Fixtures.mergePatch(a, HostedCluster.class, NS, "w4", "{\"spec\":{\"pausedUntil\":\"true\"}}");
    awaitPaused(a, "w4"); // §1.2: verify the pause before scaling anything, or the operator scales it back
    // §1.5 step 2: every Deployment of the control-plane namespace to 0 stops CAPI and the Agent provider.
    a.apps().deployments().inNamespace(cpNs).list().getItems().forEach(d ->
        a.apps().deployments().inNamespace(cpNs).withName(d.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":0}}"));
    teardownInSection15Order(a, "w4");

    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.get(a, "w4")).isNull();
      assertThat(simA.etcdFor(NS, "w4")).isEmpty();
      // The garbage collector deleted the AgentMachines of the deleted Machines; with the provider stopped they stay.
      assertThat(a.resources(AgentMachine.class).inNamespace(cpNs).list().getItems()).hasSize(2)
          .allSatisfy(am -> assertThat(am.getMetadata().getDeletionTimestamp()).isNotNull());
    });
    assertUntouched(before, cd);

    // §3.4 cleanup: preserveOnDelete on the ClusterDeployment, then the namespace may go (§1.5 step 7).
    Fixtures.mergePatch(a, ClusterDeployment.class, cpNs, "w4-infra", "{\"spec\":{\"preserveOnDelete\":true}}");
    a.namespaces().withName(cpNs).delete();
    await().atMost(UP).untilAsserted(() ->
        assertThat(a.resources(ClusterDeployment.class).inNamespace(cpNs).list().getItems()).isEmpty());
    assertUntouched(before, cd);
  }

  @Test
  void strippingFinalizersWithCapiStillRunningDeprovisionsThroughTheGarbageCollector() {
    String cd = upWithWorkers(a, "w5", 2);
    Fixtures.mergePatch(a, HostedCluster.class, NS, "w5", "{\"spec\":{\"pausedUntil\":\"true\"}}");
    teardownInSection15Order(a, "w5"); // without §1.5 step 2 and without pausing the AgentMachines
    await().atMost(UP).untilAsserted(() -> {
      assertThat(hosts.boundTo(cd)).isEmpty();
      assertThat(hosts.hosts().stream().filter(h -> h.hostname().startsWith("w5-")).mapToInt(Host::deprovisions).sum())
          .isEqualTo(2);
    });
  }

  @Test
  void agentsRecreatedOnAnotherManagementClusterReattachTheSameHostsWithoutDeprovisioning() {
    String cd = upWithWorkers(a, "w6", 2);
    List<Host> before = hosts.boundTo(cd);
    int racked = hosts.hosts().size();

    // What a restore on mc-b does on the worker side (docs/hypershift-facts.md §3.4): the Agents come back with the same
    // identity, the HostedCluster and its NodePool are created there.
    for (Agent agent : a.resources(Agent.class).inNamespace(agentNamespace("w6")).list().getItems()) {
      if (agent.getSpec().clusterDeploymentName != null && (NS + "-w6").equals(agent.getSpec().clusterDeploymentName.namespace)) {
        Agent copy = new Agent();
        copy.setMetadata(new ObjectMetaBuilder().withName(agent.getMetadata().getName())
            .withNamespace(agent.getMetadata().getNamespace()).withLabels(agent.getMetadata().getLabels()).build());
        copy.setSpec(agent.getSpec());
        b.resource(copy).create();
      }
    }
    await().atMost(UP).untilAsserted(() ->
        assertThat(hosts.boundTo(cd)).hasSize(2).allSatisfy(h -> assertThat(h.agentsOn()).isEqualTo(Set.of("mc-a", "mc-b"))));
    assertUntouched(before, cd);

    // A NodePool there without the restored Machines gets new workers, which never take a bound host: they wait.
    Fixtures.create(b, withAgentNamespace(Fixtures.hostedCluster("w6", null)));
    Fixtures.nodePool(b, "w6", 2);
    await().atMost(UP).untilAsserted(() -> {
      assertThat(b.resources(AgentMachine.class).inNamespace(NS + "-w6").list().getItems()).hasSize(2);
      NodePool np = b.resources(NodePool.class).inNamespace(NS).withName("w6-workers").get();
      assertThat(np.getStatus()).isNotNull();
      assertThat(np.getStatus().replicas).isZero();
    });
    assertThat(b.resources(AgentMachine.class).inNamespace(NS + "-w6").list().getItems())
        .allSatisfy(am -> assertThat(am.getStatus() == null ? null : am.getStatus().agentRef).isNull());
    assertThat(hosts.hosts()).hasSize(racked);
    assertUntouched(before, cd);

    // The source goes with everything preserved: still the same hosts, bound, never deprovisioned.
    preserve(a, "w6");
    a.resources(HostedCluster.class).inNamespace(NS).withName("w6").delete();
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.get(a, "w6")).isNull());
    assertUntouched(before, cd);
  }

  @Test
  void aRestoreInTheOrderTheAgentUsesKeepsEveryHostWhateverTheNodePoolDoesFirst() {
    String cd = upWithWorkers(a, "w7", 2);
    String cpNs = NS + "-w7";
    List<Host> before = hosts.boundTo(cd);
    int racked = hosts.hosts().size();
    preserve(a, "w7");

    // RestoreExecutor's order: Agent, ClusterDeployment, AgentCluster → HostedCluster → NodePool, AgentMachine, Machine,
    // each as backed up (status and server-set metadata stripped, finalizers and annotations kept).
    a.resources(Agent.class).inNamespace(agentNamespace("w7")).list().getItems().forEach(o -> copyTo(b, o));
    a.resources(ClusterDeployment.class).inNamespace(cpNs).list().getItems().forEach(o -> copyTo(b, o));
    a.resources(AgentCluster.class).inNamespace(cpNs).list().getItems().forEach(o -> copyTo(b, o));
    Fixtures.create(b, withAgentNamespace(Fixtures.hostedCluster("w7", null)));
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.status(b, "w7", HostedCluster.AVAILABLE)).isEqualTo("True"));
    Fixtures.nodePool(b, "w7", 2);
    a.resources(AgentMachine.class).inNamespace(cpNs).list().getItems().forEach(o -> copyTo(b, o));
    a.resources(Machine.class).inNamespace(cpNs).list().getItems().forEach(o -> copyTo(b, o));
    // §3.4 restore step 4: unpause the Agent objects on the destination.
    b.resources(AgentMachine.class).inNamespace(cpNs).list().getItems().forEach(am ->
        b.resource(am).patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/"
            + Kube.pointer(PAUSED) + "\"}]"));
    b.resources(AgentCluster.class).inNamespace(cpNs).list().getItems().forEach(ac ->
        b.resource(ac).patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/"
            + Kube.pointer(PAUSED) + "\"}]"));

    await().atMost(UP).untilAsserted(() -> {
      assertThat(b.resources(Machine.class).inNamespace(cpNs).list().getItems()).hasSize(2)
          .allSatisfy(m -> assertThat(m.getMetadata().getDeletionTimestamp()).isNull());
      assertThat(b.resources(AgentMachine.class).inNamespace(cpNs).list().getItems()).hasSize(2)
          .allSatisfy(am -> assertThat(am.getStatus().agentRef).isNotNull());
      assertThat(b.resources(NodePool.class).inNamespace(NS).withName("w7-workers").get().getStatus().replicas).isEqualTo(2);
      assertThat(hosts.boundTo(cd)).allSatisfy(h -> assertThat(h.agentsOn()).contains("mc-b"));
    });
    assertThat(hosts.hosts()).hasSize(racked);
    assertUntouched(before, cd);
  }

  // ---------------------------------------------------------------- helpers

  /** The object as a backup holds it, created on another management cluster. */
  private static void copyTo(KubernetesClient target, io.fabric8.kubernetes.api.model.HasMetadata o) {
    var copy = target.getKubernetesSerialization().convertValue(o, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
    var m = copy.getMetadata();
    m.setUid(null);
    m.setResourceVersion(null);
    m.setCreationTimestamp(null);
    m.setGeneration(null);
    m.setOwnerReferences(null);
    m.setManagedFields(null);
    copy.getAdditionalProperties().remove("status");
    target.resource(copy).create();
  }

  /** Creates a hosted cluster with a NodePool and waits until every replica has a bound host; returns the CD key. */
  private static String upWithWorkers(KubernetesClient client, String name, int replicas) {
    Fixtures.create(client, withAgentNamespace(Fixtures.hostedCluster(name, null)));
    (client == a ? simA : simB).addHosts(agentNamespace(name), replicas, name + "-worker");
    Fixtures.nodePool(client, name, replicas);
    String cd = HostRegistry.clusterDeploymentKey(NS + "-" + name, name + "-infra");
    await().atMost(UP).untilAsserted(() -> {
      NodePool np = client.resources(NodePool.class).inNamespace(NS).withName(name + "-workers").get();
      assertThat(np.getStatus()).isNotNull();
      assertThat(np.getStatus().replicas).isEqualTo(replicas);
      assertThat(hosts.boundTo(cd)).hasSize(replicas);
    });
    return cd;
  }

  /** Pause everything and set every preservation of docs/hypershift-facts.md §3 (OSDOCS-13172 backup steps, §3.3). */
  private static void preserve(KubernetesClient client, String name) {
    String cpNs = NS + "-" + name;
    Fixtures.mergePatch(client, HostedCluster.class, NS, name, "{\"spec\":{\"pausedUntil\":\"true\"}}");
    Fixtures.mergePatch(client, NodePool.class, NS, name + "-workers", "{\"spec\":{\"pausedUntil\":\"true\"}}");
    client.resources(AgentCluster.class).inNamespace(cpNs).list().getItems()
        .forEach(ac -> Fixtures.annotate(client, ac, Map.of(PAUSED, "true")));
    client.resources(AgentMachine.class).inNamespace(cpNs).list().getItems()
        .forEach(am -> Fixtures.annotate(client, am, Map.of(PAUSED, "true")));
    Fixtures.annotate(client, Fixtures.get(client, name), Map.of(HostedCluster.SKIP_DELETE_HCP_NAMESPACE, "true"));
    Fixtures.mergePatch(client, ClusterDeployment.class, cpNs, name + "-infra", "{\"spec\":{\"preserveOnDelete\":true}}");
    client.resources(Agent.class).inNamespace(agentNamespace(name)).list().getItems().stream()
        .filter(ag -> ag.getSpec().clusterDeploymentName != null && cpNs.equals(ag.getSpec().clusterDeploymentName.namespace))
        .forEach(ag -> Fixtures.annotate(client, ag, Map.of(Agent.SKIP_SPOKE_CLEANUP, "true")));
    // The orphaning is done by the (running) Agent provider: wait for it, as an operator checks before deleting.
    await().atMost(UP).untilAsserted(() -> assertThat(client.resources(ClusterDeployment.class).inNamespace(cpNs)
        .withName(name + "-infra").get().getMetadata().getOwnerReferences()).isNullOrEmpty());
  }

  /** docs/hypershift-facts.md §1.5 steps 3-8: remove finalizers and delete NodePool → Machines → Cluster → HCP → HostedCluster. */
  private static void teardownInSection15Order(KubernetesClient client, String name) {
    String cpNs = NS + "-" + name;
    client.resources(NodePool.class).inNamespace(NS).list().getItems().stream()
        .filter(np -> name.equals(np.getSpec().clusterName)).forEach(np -> Fixtures.stripFinalizersAndDelete(client, np));
    client.resources(Machine.class).inNamespace(cpNs).list().getItems().forEach(m -> Fixtures.stripFinalizersAndDelete(client, m));
    client.resources(Cluster.class).inNamespace(cpNs).list().getItems().forEach(c -> Fixtures.stripFinalizersAndDelete(client, c));
    client.resources(HostedControlPlane.class).inNamespace(cpNs).list().getItems()
        .forEach(h -> Fixtures.stripFinalizersAndDelete(client, h));
    Fixtures.stripFinalizersAndDelete(client, Fixtures.get(client, name));
  }

  private static void assertUntouched(List<Host> before, String cd) {
    assertThat(before).isNotEmpty().allSatisfy(h -> {
      Host now = hosts.find(h.uuid()).orElseThrow();
      assertThat(now.isBoundTo(cd)).as("host %s still bound to %s", h.hostname(), cd).isTrue();
      assertThat(now.hostname()).isEqualTo(h.hostname());
      assertThat(now.serialNumber()).isEqualTo(h.serialNumber());
      assertThat(now.deprovisions()).as("deprovisions of %s", h.hostname()).isZero();
      assertThat(now.spokeCleanups()).isZero();
    });
  }

  /** Each test's hosts live in their own InfraEnv namespace, so one test never picks up another's freed hosts. */
  private static HostedCluster withAgentNamespace(HostedCluster hc) {
    hc.getSpec().platform = new HostedCluster.Platform();
    hc.getSpec().platform.type = "Agent";
    hc.getSpec().platform.agent = new HostedCluster.AgentPlatformSpec();
    hc.getSpec().platform.agent.agentNamespace = agentNamespace(hc.getMetadata().getName());
    return hc;
  }

  private static String agentNamespace(String hostedCluster) { return "agents-" + hostedCluster; }

  private static void awaitPaused(KubernetesClient client, String name) {
    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.status(client, name, HostedCluster.RECONCILIATION_ACTIVE)).isEqualTo("False");
      assertThat(client.resources(Cluster.class).inNamespace(NS + "-" + name).withName(name + "-infra").get()
          .getSpec().paused).isTrue();
    });
  }

  private static void setReplicas(KubernetesClient client, String nodePool, int replicas) {
    Fixtures.mergePatch(client, NodePool.class, NS, nodePool, "{\"spec\":{\"replicas\":" + replicas + "}}");
  }
}
