package io.flotilla.agent.teardown;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.hostedcluster.ManagementClusterFixture;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec.Purpose;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus.Phase;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.agent.hub.RecordWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.AGENT_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.CLUSTER;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.CP_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.INFRA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agent side of HostedClusterTeardown against two CRUD mocks: hub records, a hand-built hosted cluster. */
class HostedClusterTeardownReconcilerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String AGENT_MACHINE_PATH =
      "/apis/capi-provider.agent-install.openshift.io/v1beta1/namespaces/" + CP_NS + "/agentmachines/np-abc";

  ManagementClusterFixture f;
  HostedClusterTeardownReconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    f = new ManagementClusterFixture();
    f.hostedCluster();
  }

  @AfterEach
  void tearDown() {
    if (reconciler != null) {
      reconciler.close();
    }
    f.close();
  }

  private void startAgent() {
    var config = ManagementClusterFixture.agentConfig();
    reconciler = new HostedClusterTeardownReconciler(f.hub, f.local, config, RecordWork.inline("teardown", config.work()));
  }

  /** One reconcile of the record as it is now, its work run inline (as JOSDK would call it, then the executor). */
  private void pass(String name) {
    reconciler.reconcile(f.hub.resources(HostedClusterTeardown.class).inNamespace(CLUSTER).withName(name).get(), null);
  }

  private HostedClusterTeardown teardown(String name, String hostedCluster, Purpose purpose) {
    HostedClusterTeardown t = new HostedClusterTeardown();
    t.getMetadata().setNamespace(CLUSTER);
    t.getMetadata().setName(name);
    t.getSpec().hostedCluster = new NamespacedName(HC_NS, hostedCluster);
    t.getSpec().purpose = purpose;
    return f.hub.resource(t).create();
  }

  private HostedClusterTeardownStatus status(String name) {
    HostedClusterTeardown t = f.hub.resources(HostedClusterTeardown.class).inNamespace(CLUSTER).withName(name).get();
    return t == null ? null : t.getStatus();
  }

  private Phase phase(String name) {
    HostedClusterTeardownStatus s = status(name);
    return s == null ? null : s.phase;
  }

  private Condition condition(String name, String type) {
    return Conditions.find(status(name).conditions, type).orElse(null);
  }

  private List<Event> events(String name) {
    return f.hub.v1().events().inNamespace(CLUSTER).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private void assertWorkersBoundAndPreserved() {
    for (String worker : List.of("worker-1", "worker-2")) {
      Agent a = f.agent(worker);
      assertThat(a.getSpec().clusterDeploymentName).isNotNull();
      assertThat(a.getSpec().clusterDeploymentName.namespace).isEqualTo(CP_NS);
      assertThat(a.getSpec().clusterDeploymentName.name).isEqualTo(INFRA);
      assertThat(f.annotation(a, Agent.SKIP_SPOKE_CLEANUP)).isEqualTo("true");
    }
    // hosts that are not this cluster's workers are none of the teardown's business
    assertThat(f.annotation(f.agent("spare"), Agent.SKIP_SPOKE_CLEANUP)).isNull();
    assertThat(f.annotation(f.agent("other"), Agent.SKIP_SPOKE_CLEANUP)).isNull();
  }

  @Test
  void removesTheControlPlaneAndLeavesTheWorkersBound() {
    f.local.resources(HostedCluster.class).inNamespace(HC_NS).withName(HC).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + HostedCluster.CLEANUP_CLOUD_RESOURCES + "\":\"true\"}}}");
    AtomicReference<HostedCluster> lastSeen = new AtomicReference<>();
    SharedIndexInformer<HostedCluster> watch = f.local.resources(HostedCluster.class).inNamespace(HC_NS)
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(HostedCluster hc) { lastSeen.set(hc); }
          @Override public void onUpdate(HostedCluster o, HostedCluster hc) { lastSeen.set(hc); }
          @Override public void onDelete(HostedCluster hc, boolean unknown) { lastSeen.set(hc); }
        });
    startAgent();

    teardown("td-1", HC, Purpose.Migrated);

    pass("td-1");
    assertThat(phase("td-1")).isEqualTo(Phase.Completed);
    watch.close();
    // the control plane is gone ...
    assertThat(f.hc()).isNull();
    assertThat(f.nodePool("hc-1-deadline")).isNull();
    assertThat(f.nodePool("hc-1-held")).isNull();
    assertThat(f.get(HostedControlPlane.class, CP_NS, HC)).isNull();
    assertThat(f.local.resources(Machine.class).inNamespace(CP_NS).list().getItems()).isEmpty();
    assertThat(f.get(Cluster.class, CP_NS, INFRA)).isNull();
    assertThat(f.local.resources(AgentMachine.class).inNamespace(CP_NS).list().getItems()).isEmpty();
    assertThat(f.get(AgentCluster.class, CP_NS, INFRA)).isNull();
    // ... deleted as a preserved HostedCluster: namespace kept, cloud resources kept, reconcile stopped
    HostedCluster last = lastSeen.get();
    assertThat(f.annotation(last, HostedCluster.SKIP_DELETE_HCP_NAMESPACE)).isEqualTo("true");
    assertThat(last.getMetadata().getAnnotations()).doesNotContainKey(HostedCluster.CLEANUP_CLOUD_RESOURCES); // removed, not nulled
    assertThat(last.getSpec().pausedUntil).isEqualTo("true");
    assertThat(f.local.namespaces().withName(CP_NS).get()).isNotNull();
    assertThat(List.of(f.replicas("cluster-api"), f.replicas("capi-provider"))).containsExactly(0, 0);
    // ... the workers are not touched
    ClusterDeployment cd = f.get(ClusterDeployment.class, CP_NS, INFRA);
    assertThat(cd.getSpec().preserveOnDelete).isTrue();
    assertThat(cd.getMetadata().getDeletionTimestamp()).isNotNull(); // left to assisted-service, which spares the hosts
    assertThat(cd.getMetadata().getFinalizers()).containsExactly(ClusterDeployment.AI_DEPROVISION_FINALIZER);
    assertWorkersBoundAndPreserved();
    // ... and another hosted cluster's NodePool stays
    NodePool otherPool = f.nodePool("hc-2-pool");
    assertThat(otherPool.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(otherPool.getSpec().pausedUntil).isNull();

    HostedClusterTeardownStatus s = status("td-1");
    assertThat(s.step).isEqualTo("Done");
    assertThat(s.startedAt).isNotNull();
    assertThat(s.completedAt).isNotNull();
    assertThat(List.of(s.workers.boundBefore, s.workers.boundAfter)).containsExactly(2, 2);
    assertThat(s.preservation.verified).isTrue();
    assertThat(List.of(s.preservation.agentMachines, s.preservation.agentClusters, s.preservation.clusterDeployments,
        s.preservation.agents)).containsExactly(2, 1, 1, 2);
    assertThat(s.preservation.missing).isEmpty();
    assertThat(condition("td-1", HostedClusterTeardown.CONDITION_PRESERVATION_VERIFIED).getStatus())
        .isEqualTo(Conditions.TRUE);
    assertThat(condition("td-1", HostedClusterTeardown.CONDITION_COMPLETED).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(events("td-1")).filteredOn(e -> "TeardownCompleted".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Normal"))
        .satisfies(e -> assertThat(e.getMessage()).contains("migrated source"));
  }

  /**
   * The mock refuses (403) the first PATCH of one AgentMachine, as RBAC or an admission webhook would: the teardown
   * halts with nothing deleted, does not try again by itself, and goes through once the agent restarts.
   */
  @Test
  void haltsWithNothingDeletedWhenAPreservationCannotBeApplied() {
    f.localServer.expect().patch().withPath(AGENT_MACHINE_PATH)
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
            .withMessage("agentmachines.capi-provider.agent-install.openshift.io \"np-abc\" is forbidden").build())
        .once();
    startAgent();

    teardown("td-1", HC, Purpose.RolledBack);

    pass("td-1");
    assertThat(phase("td-1")).isEqualTo(Phase.Halted);
    Condition verified = condition("td-1", HostedClusterTeardown.CONDITION_PRESERVATION_VERIFIED);
    assertThat(verified.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(verified.getReason()).isEqualTo(HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED);
    String missing = "AgentMachine " + CP_NS + "/np-abc: cluster.x-k8s.io/paused missing (could not be set: HTTP 403 Forbidden)";
    assertThat(verified.getMessage()).contains(missing);
    assertThat(status("td-1").preservation.missing).containsExactly(missing);
    assertThat(status("td-1").preservation.verified).isFalse();
    assertThat(events("td-1"))
        .filteredOn(e -> HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED.equals(e.getReason()))
        .singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    pass("td-1");
    reconciler.close();

    // Nothing was deleted, Cluster API still runs, and the halted teardown was not retried on its own.
    assertThat(phase("td-1")).isEqualTo(Phase.Halted);
    assertThat(events("td-1")).filteredOn(e -> "Warning".equals(e.getType())).hasSize(1);
    List<HasMetadata> all = List.of(f.hc(), f.nodePool("hc-1-deadline"), f.nodePool("hc-1-held"),
        f.get(HostedControlPlane.class, CP_NS, HC), f.get(Cluster.class, CP_NS, INFRA),
        f.get(Machine.class, CP_NS, "np-abc"), f.get(Machine.class, CP_NS, "np-def"),
        f.get(AgentMachine.class, CP_NS, "np-abc"), f.get(AgentMachine.class, CP_NS, "np-def"),
        f.get(AgentCluster.class, CP_NS, INFRA), f.get(ClusterDeployment.class, CP_NS, INFRA));
    assertThat(all).allSatisfy(o -> assertThat(o.getMetadata().getDeletionTimestamp()).isNull());
    assertThat(List.of(f.replicas("cluster-api"), f.replicas("capi-provider"))).containsExactly(1, 1);
    assertThat(f.hc().getSpec().pausedUntil).isNull();

    // A restarted agent tries once more; the API server lets it through this time.
    startAgent();
    pass("td-1");
    assertThat(phase("td-1")).isEqualTo(Phase.Completed);
    assertThat(f.hc()).isNull();
    assertWorkersBoundAndPreserved();
    assertThat(events("td-1")).filteredOn(e -> "TeardownCompleted".equals(e.getReason())).singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("rolled-back"));
  }

  @Test
  void aHostedClusterThatIsAlreadyGoneHasNothingToTearDown() {
    startAgent();

    teardown("td-again", "no-such-cluster", Purpose.Migrated);

    pass("td-again");
    assertThat(phase("td-again")).isEqualTo(Phase.Completed);
    assertThat(condition("td-again", HostedClusterTeardown.CONDITION_COMPLETED).getMessage())
        .startsWith("nothing to tear down");
    assertThat(f.hc()).isNotNull(); // a different hosted cluster: untouched
    assertThat(f.annotation(f.get(AgentMachine.class, CP_NS, "np-abc"), Cluster.PAUSED_ANNOTATION)).isNull();
  }

  /** An agent that stopped while deleting (the HostedCluster already gone) carries on deleting after a restart. */
  @Test
  void aRestartedAgentCarriesOnDeleting() {
    for (String am : List.of("np-abc", "np-def")) {
      f.local.resources(AgentMachine.class).inNamespace(CP_NS).withName(am).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"metadata\":{\"annotations\":{\"" + Cluster.PAUSED_ANNOTATION + "\":\"true\"}}}");
    }
    f.removeForGood(f.nodePool("hc-1-deadline"));
    f.removeForGood(f.nodePool("hc-1-held"));
    f.removeForGood(f.hc());
    HostedClusterTeardown t = teardown("td-1", HC, Purpose.Migrated);
    t.setStatus(new HostedClusterTeardownStatus());
    t.getStatus().phase = Phase.InProgress;
    t.getStatus().step = "Deleting";
    t.getStatus().workers = new HostedClusterTeardownStatus.Workers();
    t.getStatus().workers.boundBefore = 2;
    f.hub.resource(t).updateStatus();

    startAgent();

    pass("td-1");
    assertThat(phase("td-1")).isEqualTo(Phase.Completed);
    assertThat(f.local.resources(Machine.class).inNamespace(CP_NS).list().getItems()).isEmpty();
    assertThat(f.local.resources(AgentMachine.class).inNamespace(CP_NS).list().getItems()).isEmpty();
    assertThat(f.get(Cluster.class, CP_NS, INFRA)).isNull();
    assertThat(f.get(HostedControlPlane.class, CP_NS, HC)).isNull();
    assertThat(f.get(AgentCluster.class, CP_NS, INFRA)).isNull();
    assertThat(List.of(status("td-1").workers.boundBefore, status("td-1").workers.boundAfter)).containsExactly(2, 2);
    assertThat(f.agent("worker-1").getSpec().clusterDeploymentName).isNotNull();
    assertThat(f.local.namespaces().withName(AGENT_NS).get()).isNotNull();
  }
}
