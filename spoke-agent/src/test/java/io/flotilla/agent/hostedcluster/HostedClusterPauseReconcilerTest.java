package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.SavedValue;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.agent.AgentOperator;
import io.flotilla.agent.hub.RecordWork;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.CLUSTER;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.CP_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.DEADLINE;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.INFRA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's HostedClusterPause reconciler against two CRUD mocks (hub records, a hand-built hosted cluster), called
 * directly as JOSDK would call it: each {@link #pass} is one reconcile (or cleanup, for a deleted record) with its work
 * run inline, so every assertion follows the pass that caused it. The last test runs the real operator once, for the
 * wiring (JOSDK's finalizer, events driving the passes).
 */
class HostedClusterPauseReconcilerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String PAUSED = Cluster.PAUSED_ANNOTATION;

  ManagementClusterFixture f;
  HostedClusterPauseReconciler reconciler;

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
    reconciler = new HostedClusterPauseReconciler(f.hub, f.local, config, RecordWork.inline("pause", config.work()));
  }

  /** One reconcile of the record as it is now (cleanup when it is being deleted, then JOSDK's finalizer removal). */
  private void pass(String name) {
    HostedClusterPause p = record(name);
    if (p.getMetadata().getDeletionTimestamp() == null) {
      reconciler.reconcile(p, null);
      return;
    }
    DeleteControl d = reconciler.cleanup(p, null);
    if (d.isRemoveFinalizer()) {
      f.hub.resources(HostedClusterPause.class).inNamespace(CLUSTER).withName(name).edit(r -> {
        r.getMetadata().getFinalizers().remove(HostedClusterPause.RELEASE_FINALIZER);
        return r;
      });
    }
  }

  /** A new record, with the finalizer JOSDK adds before its first reconcile. */
  private HostedClusterPause pause(String name, String hostedCluster) {
    HostedClusterPause p = new HostedClusterPause();
    p.getMetadata().setNamespace(CLUSTER);
    p.getMetadata().setName(name);
    p.getMetadata().setFinalizers(List.of(HostedClusterPause.RELEASE_FINALIZER));
    p.getSpec().hostedCluster = new NamespacedName(HC_NS, hostedCluster);
    return f.hub.resource(p).create();
  }

  private HostedClusterPause record(String name) {
    return f.hub.resources(HostedClusterPause.class).inNamespace(CLUSTER).withName(name).get();
  }

  private Phase phase(String name) {
    HostedClusterPause p = record(name);
    return p == null || p.getStatus() == null ? null : p.getStatus().phase;
  }

  private Condition condition(String name, String type) {
    return Conditions.find(record(name).getStatus().conditions, type).orElse(null);
  }

  private void release(String name) {
    f.hub.resources(HostedClusterPause.class).inNamespace(CLUSTER).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"release\":true}}");
  }

  private List<Event> events(String name) {
    return f.hub.v1().events().inNamespace(CLUSTER).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private static Map<String, String> annotations(HasMetadata o) {
    return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
  }

  private static String saved(SavedValue v) {
    return v.kind + " " + v.namespace + "/" + v.name + " " + v.field + "=" + v.value;
  }

  /** What a pause records, in order: every value it changes, and nothing already paused. */
  private static final List<String> RECORDED = List.of(
      "HostedCluster clusters/hc-1 spec.pausedUntil=null",
      "NodePool clusters/hc-1-deadline spec.pausedUntil=" + DEADLINE,
      "Deployment clusters-hc-1/kube-apiserver spec.replicas=3",
      "Deployment clusters-hc-1/openshift-apiserver spec.replicas=2",
      "Deployment clusters-hc-1/openshift-oauth-apiserver spec.replicas=2",
      "Cluster clusters-hc-1/hc-1-infra spec.paused=null",
      "AgentMachine clusters-hc-1/np-abc metadata.annotations[cluster.x-k8s.io/paused]=null",
      "AgentCluster clusters-hc-1/hc-1-infra metadata.annotations[cluster.x-k8s.io/paused]=null");

  private void assertHeld() {
    assertThat(f.hc().getSpec().pausedUntil).isEqualTo("true");
    assertThat(f.nodePool("hc-1-deadline").getSpec().pausedUntil).isEqualTo("true");
    assertThat(f.nodePool("hc-1-held").getSpec().pausedUntil).isEqualTo("true");
    assertThat(List.of(f.replicas("kube-apiserver"), f.replicas("openshift-apiserver"),
        f.replicas("openshift-oauth-apiserver"))).containsExactly(0, 0, 0);
    assertThat(f.get(Cluster.class, CP_NS, INFRA).getSpec().paused).isTrue();
    assertThat(f.annotation(f.get(AgentMachine.class, CP_NS, "np-abc"), PAUSED)).isEqualTo("true");
    assertThat(f.annotation(f.get(AgentCluster.class, CP_NS, INFRA), PAUSED)).isEqualTo("true");
  }

  /** Exactly as the fixture built it. */
  private void assertAsBefore() {
    assertThat(f.hc().getSpec().pausedUntil).isNull();
    assertThat(f.nodePool("hc-1-deadline").getSpec().pausedUntil).isEqualTo(DEADLINE);
    assertThat(f.nodePool("hc-1-held").getSpec().pausedUntil).isEqualTo("true");
    assertThat(f.nodePool("hc-2-pool").getSpec().pausedUntil).isNull();
    assertThat(List.of(f.replicas("kube-apiserver"), f.replicas("openshift-apiserver"),
        f.replicas("openshift-oauth-apiserver"), f.replicas("cluster-api"))).containsExactly(3, 2, 2, 1);
    assertThat(f.get(Cluster.class, CP_NS, INFRA).getSpec().paused).isNull();
    // removed, not set to null: the Agent provider treats the key as paused whatever its value
    assertThat(annotations(f.get(AgentMachine.class, CP_NS, "np-abc"))).doesNotContainKey(PAUSED);
    assertThat(f.annotation(f.get(AgentMachine.class, CP_NS, "np-def"), PAUSED)).isEqualTo("true");
    assertThat(annotations(f.get(AgentCluster.class, CP_NS, INFRA))).doesNotContainKey(PAUSED);
  }

  @Test
  void pausesRecordingEveryValueFirstThenReleasesExactlyOnRequest() {
    startAgent();
    pause("hold-1", HC);

    pass("hold-1");
    assertThat(phase("hold-1")).isEqualTo(Phase.Paused);
    HostedClusterPause held = record("hold-1");
    assertThat(held.getStatus().saved).extracting(HostedClusterPauseReconcilerTest::saved).containsExactlyElementsOf(RECORDED);
    assertThat(held.getMetadata().getFinalizers()).contains(HostedClusterPause.RELEASE_FINALIZER);
    assertThat(held.getStatus().pausedAt).isNotNull();
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_PAUSED).getStatus()).isEqualTo(Conditions.TRUE);
    assertHeld();
    assertThat(f.nodePool("hc-2-pool").getSpec().pausedUntil).isNull(); // another hosted cluster's
    assertThat(f.replicas("cluster-api")).isEqualTo(1); // a pause quiesces the API servers only

    release("hold-1");

    pass("hold-1");
    assertThat(phase("hold-1")).isEqualTo(Phase.Released);
    assertAsBefore();
    HostedClusterPause released = record("hold-1");
    assertThat(released.getStatus().releasedAt).isNotNull();
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_RELEASED))
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(Conditions.TRUE))
        .satisfies(c -> assertThat(c.getMessage()).contains("put back 8 values"));
    assertThat(events("hold-1")).extracting(Event::getReason).contains("HostedClusterHeld", "HostedClusterReleased");

    // Released and then deleted: nothing held, the finalizer goes at once.
    f.hub.resource(released).delete();
    pass("hold-1");
    assertThat(record("hold-1")).isNull();
    assertAsBefore();
  }

  @Test
  void aDeletedPauseIsReleasedBeforeItGoes() {
    startAgent();
    pause("hold-1", HC);
    pass("hold-1");
    assertHeld();

    f.hub.resource(record("hold-1")).delete();

    pass("hold-1"); // the release, under the finalizer
    assertThat(record("hold-1")).as("kept until released").isNotNull();
    assertAsBefore();
    pass("hold-1"); // nothing held any more: the finalizer goes
    assertThat(record("hold-1")).isNull();
    assertThat(events("hold-1")).extracting(Event::getReason).contains("HostedClusterReleased");
  }

  @Test
  void aMissingHostedClusterFailsThePauseAndChangesNothing() {
    startAgent();
    pause("hold-x", "no-such-cluster");

    pass("hold-x");
    assertThat(phase("hold-x")).isEqualTo(Phase.Failed);
    assertThat(condition("hold-x", HostedClusterPause.CONDITION_PAUSED))
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(Conditions.FALSE))
        .satisfies(c -> assertThat(c.getReason()).isEqualTo(HostedClusterPauseExecutor.REASON_HOSTED_CLUSTER_NOT_FOUND));
    assertThat(record("hold-x").getStatus().saved).isEmpty();
    assertAsBefore();
    pass("hold-x");
    assertThat(phase("hold-x")).as("a failed pause is not retried until the record changes").isEqualTo(Phase.Failed);
    // it pauses nothing: deleting it is not held up
    f.hub.resource(record("hold-x")).delete();
    pass("hold-x");
    assertThat(record("hold-x")).isNull();
  }

  @Test
  void releasingAPauseWhoseHostedClusterIsGoneOnlySaysSo() {
    startAgent();
    pause("hold-1", HC);
    pass("hold-1");
    assertThat(phase("hold-1")).isEqualTo(Phase.Paused);
    f.removeForGood(f.hc()); // torn down after the point of no return
    f.local.apps().deployments().inNamespace(CP_NS).withName("kube-apiserver").delete();

    release("hold-1");

    pass("hold-1");
    assertThat(phase("hold-1")).isEqualTo(Phase.Released);
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_RELEASED))
        .satisfies(c -> assertThat(c.getReason()).isEqualTo(HostedClusterPauseExecutor.REASON_HOSTED_CLUSTER_GONE))
        .satisfies(c -> assertThat(c.getMessage()).isEqualTo("nothing to release: HostedCluster clusters/hc-1 is gone"));
    assertThat(HostedClusterPauseExecutor.pausesNothing(record("hold-1"))).as("its deletion is not held up").isTrue();
    // nothing was put back on what is left of it
    assertThat(f.replicas("openshift-apiserver")).isZero();
  }

  /**
   * An agent that crashed half-way through a pause: Pausing, every value recorded, only the HostedCluster changed. The
   * next agent completes the pause from the record alone (the values it recorded, not what it would read now), and a
   * Paused record is left as it is.
   */
  @Test
  void aRestartedAgentCompletesAPauseLeftPausingAndLeavesAPausedOneAlone() {
    HostedClusterPause crashed = pause("crashed", HC);
    crashed.setStatus(new HostedClusterPauseStatus());
    crashed.getStatus().phase = Phase.Pausing;
    crashed.getStatus().saved = new ArrayList<>();
    for (String line : RECORDED) {
      String[] kindRest = line.split(" ", 3);
      String[] nsName = kindRest[1].split("/");
      String[] fieldValue = kindRest[2].split("=", 2);
      crashed.getStatus().saved.add(new SavedValue(kindRest[0], nsName[0], nsName[1], fieldValue[0],
          "null".equals(fieldValue[1]) ? null : fieldValue[1]));
    }
    f.hub.resource(crashed).updateStatus();
    f.local.resources(HostedCluster.class).inNamespace(HC_NS).withName(HC)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":\"true\"}}");

    HostedClusterPause other = pause("already-paused", "hc-2");
    other.setStatus(new HostedClusterPauseStatus());
    other.getStatus().phase = Phase.Paused;
    other.getStatus().pausedAt = "2026-01-01T00:00:00Z";
    HostedClusterPause paused = f.hub.resource(other).updateStatus();

    startAgent();

    pass("crashed");
    pass("already-paused");
    assertThat(phase("crashed")).isEqualTo(Phase.Paused);
    assertThat(record("crashed").getStatus().saved).extracting(HostedClusterPauseReconcilerTest::saved)
        .containsExactlyElementsOf(RECORDED);
    assertHeld();
    assertThat(record("already-paused").getMetadata().getResourceVersion())
        .isEqualTo(paused.getMetadata().getResourceVersion());

    release("crashed");
    pass("crashed");
    assertThat(phase("crashed")).isEqualTo(Phase.Released);
    assertAsBefore();
  }

  /** The same reconciler on the agent's operator: JOSDK adds the finalizer, events drive the pause and the release. */
  @Test
  void onTheAgentsOperatorAPauseIsTakenAndReleasedThroughEvents() {
    var config = ManagementClusterFixture.agentConfig();
    reconciler = new HostedClusterPauseReconciler(f.hub, f.local, config);
    try (AgentOperator operator = new AgentOperator(f.hub, CLUSTER).register(reconciler,
        HostedClusterPauseReconciler.NAME, HostedClusterPause.RELEASE_FINALIZER)) {
      operator.start();
      HostedClusterPause p = new HostedClusterPause();
      p.getMetadata().setNamespace(CLUSTER);
      p.getMetadata().setName("hold-1");
      p.getSpec().hostedCluster = new NamespacedName(HC_NS, HC);
      f.hub.resource(p).create();
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Paused));
      assertThat(record("hold-1").getMetadata().getFinalizers()).containsExactly(HostedClusterPause.RELEASE_FINALIZER);
      assertHeld();
      f.hub.resource(record("hold-1")).delete();
      await().atMost(TIMEOUT).untilAsserted(() -> assertThat(record("hold-1")).isNull());
      assertAsBefore();
    }
  }
}
