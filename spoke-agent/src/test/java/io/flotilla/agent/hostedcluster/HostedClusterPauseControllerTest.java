package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.SavedValue;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
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

/** The agent side of HostedClusterPause against two CRUD mocks: hub records, a hand-built hosted cluster. */
class HostedClusterPauseControllerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String PAUSED = Cluster.PAUSED_ANNOTATION;

  ManagementClusterFixture f;
  HostedClusterPauseController controller;

  @BeforeEach
  void setUp() throws Exception {
    f = new ManagementClusterFixture();
    f.hostedCluster();
  }

  @AfterEach
  void tearDown() {
    if (controller != null) {
      controller.close();
    }
    f.close();
  }

  private void startAgent() {
    controller = new HostedClusterPauseController(f.hub, f.local, ManagementClusterFixture.agentConfig());
    controller.start();
  }

  private HostedClusterPause hold(String name, String hostedCluster) {
    HostedClusterPause p = new HostedClusterPause();
    p.getMetadata().setNamespace(CLUSTER);
    p.getMetadata().setName(name);
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

  /** What a hold records, in order: every value it changes, and nothing already held. */
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
  void holdsRecordingEveryValueFirstThenReleasesExactlyOnRequest() {
    startAgent();
    hold("hold-1", HC);

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Paused));
    HostedClusterPause held = record("hold-1");
    assertThat(held.getStatus().saved).extracting(HostedClusterPauseControllerTest::saved).containsExactlyElementsOf(RECORDED);
    assertThat(held.getMetadata().getFinalizers()).contains(HostedClusterPause.RELEASE_FINALIZER);
    assertThat(held.getStatus().pausedAt).isNotNull();
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_PAUSED).getStatus()).isEqualTo(Conditions.TRUE);
    assertHeld();
    assertThat(f.nodePool("hc-2-pool").getSpec().pausedUntil).isNull(); // another hosted cluster's
    assertThat(f.replicas("cluster-api")).isEqualTo(1); // a hold quiesces the API servers only

    release("hold-1");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Released));
    assertAsBefore();
    HostedClusterPause released = record("hold-1");
    assertThat(released.getStatus().releasedAt).isNotNull();
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_RELEASED))
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(Conditions.TRUE))
        .satisfies(c -> assertThat(c.getMessage()).contains("put back 8 values"));
    assertThat(events("hold-1")).extracting(Event::getReason).contains("HostedClusterHeld", "HostedClusterReleased");

    // Released and then deleted: nothing held, the finalizer goes at once.
    f.hub.resource(released).delete();
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(record("hold-1")).isNull());
    assertAsBefore();
  }

  @Test
  void aDeletedHoldIsReleasedBeforeItGoes() {
    startAgent();
    hold("hold-1", HC);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Paused));
    assertHeld();

    f.hub.resource(record("hold-1")).delete();

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(record("hold-1")).isNull());
    assertAsBefore();
    assertThat(events("hold-1")).extracting(Event::getReason).contains("HostedClusterReleased");
  }

  @Test
  void aMissingHostedClusterFailsTheHoldAndChangesNothing() {
    startAgent();
    hold("hold-x", "no-such-cluster");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-x")).isEqualTo(Phase.Failed));
    assertThat(condition("hold-x", HostedClusterPause.CONDITION_PAUSED))
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(Conditions.FALSE))
        .satisfies(c -> assertThat(c.getReason()).isEqualTo(HostedClusterHold.REASON_HOSTED_CLUSTER_NOT_FOUND));
    assertThat(record("hold-x").getMetadata().getFinalizers()).isNullOrEmpty();
    assertThat(record("hold-x").getStatus().saved).isEmpty();
    assertAsBefore();
  }

  @Test
  void releasingAHoldWhoseHostedClusterIsGoneOnlySaysSo() {
    startAgent();
    hold("hold-1", HC);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Paused));
    f.removeForGood(f.hc()); // torn down after the point of no return
    f.local.apps().deployments().inNamespace(CP_NS).withName("kube-apiserver").delete();

    release("hold-1");

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("hold-1")).isEqualTo(Phase.Released));
    assertThat(condition("hold-1", HostedClusterPause.CONDITION_RELEASED))
        .satisfies(c -> assertThat(c.getReason()).isEqualTo(HostedClusterHold.REASON_HOSTED_CLUSTER_GONE))
        .satisfies(c -> assertThat(c.getMessage()).isEqualTo("nothing to release: HostedCluster clusters/hc-1 is gone"));
    assertThat(record("hold-1").getMetadata().getFinalizers()).doesNotContain(HostedClusterPause.RELEASE_FINALIZER);
    // nothing was put back on what is left of it
    assertThat(f.replicas("openshift-apiserver")).isZero();
  }

  /**
   * An agent that crashed half-way through a hold: Pausing, every value recorded, only the HostedCluster changed. The
   * next agent completes the hold from the record alone (the values it recorded, not what it would read now), and a
   * Paused record is left as it is.
   */
  @Test
  void aRestartedAgentCompletesAHoldLeftPausingAndLeavesAPausedOneAlone() {
    HostedClusterPause crashed = hold("crashed", HC);
    crashed.getMetadata().setFinalizers(List.of(HostedClusterPause.RELEASE_FINALIZER));
    crashed = f.hub.resource(crashed).update();
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

    HostedClusterPause other = hold("already-paused", "hc-2");
    other.setStatus(new HostedClusterPauseStatus());
    other.getStatus().phase = Phase.Paused;
    other.getStatus().pausedAt = "2026-01-01T00:00:00Z";
    HostedClusterPause paused = f.hub.resource(other).updateStatus();

    startAgent();

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("crashed")).isEqualTo(Phase.Paused));
    assertThat(record("crashed").getStatus().saved).extracting(HostedClusterPauseControllerTest::saved)
        .containsExactlyElementsOf(RECORDED);
    assertHeld();
    assertThat(record("already-paused").getMetadata().getResourceVersion())
        .isEqualTo(paused.getMetadata().getResourceVersion());

    release("crashed");
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(phase("crashed")).isEqualTo(Phase.Released));
    assertAsBefore();
  }
}
