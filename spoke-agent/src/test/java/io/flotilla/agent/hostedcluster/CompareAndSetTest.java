package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.CP_NS;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC;
import static io.flotilla.agent.hostedcluster.ManagementClusterFixture.HC_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pause bookkeeping is compare-and-set: a write another party makes between the agent's read and its write (injected
 * here on the wire, just before the agent's PATCH leaves) is never overwritten, and is reported.
 */
class CompareAndSetTest {
  ManagementClusterFixture f;
  /** Runs once, on the wire, just before the next PATCH this client sends. */
  final AtomicReference<Runnable> beforeNextPatch = new AtomicReference<>();
  KubernetesClient agentClient;
  ManagementObjects objects;

  @BeforeEach
  void setUp() throws Exception {
    f = new ManagementClusterFixture();
    f.hostedCluster();
    Interceptor race = new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        if ("PATCH".equals(request.method())) {
          Runnable r = beforeNextPatch.getAndSet(null);
          if (r != null) {
            r.run();
          }
        }
      }
    };
    agentClient = new KubernetesClientBuilder().withConfig(f.local.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("race", race)).build();
    objects = new ManagementObjects(agentClient);
  }

  @AfterEach
  void tearDown() {
    agentClient.close();
    f.close();
  }

  private void someoneSets(String pausedUntil) {
    f.local.resources(HostedCluster.class).inNamespace(HC_NS).withName(HC).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"pausedUntil\":\"" + pausedUntil + "\"}}");
  }

  @Test
  void aChangeBetweenReadAndWriteWinsAndIsReported() {
    String before = f.hc().getSpec().pausedUntil;
    beforeNextPatch.set(() -> someoneSets("true")); // a person pauses it by hand, after our read
    ManagementObjects.SwapResult r = objects.compareAndSet("HostedCluster", HC_NS, HC, HostedClusterPausePlan.Field.PAUSED_UNTIL,
        before, "2099-01-01T00:00:00Z");
    assertThat(r.swap()).isEqualTo(ManagementObjects.Swap.CHANGED);
    assertThat(r.found()).isEqualTo("true");
    assertThat(f.hc().getSpec().pausedUntil).as("theirs is kept").isEqualTo("true");
  }

  @Test
  void aWriteToAnotherFieldMeanwhileIsRetriedAndTheSwapHappens() {
    String before = f.hc().getSpec().pausedUntil;
    beforeNextPatch.set(() -> f.local.resources(HostedCluster.class).inNamespace(HC_NS).withName(HC)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"hypershift.example/touched\":\"1\"}}}"));
    ManagementObjects.SwapResult r = objects.compareAndSet("HostedCluster", HC_NS, HC, HostedClusterPausePlan.Field.PAUSED_UNTIL,
        before, "2099-01-01T00:00:00Z");
    assertThat(r.swap()).isEqualTo(ManagementObjects.Swap.WRITTEN);
    HostedCluster hc = f.hc();
    assertThat(hc.getSpec().pausedUntil).isEqualTo("2099-01-01T00:00:00Z");
    assertThat(hc.getMetadata().getAnnotations()).containsEntry("hypershift.example/touched", "1");
  }

  @Test
  void removingAFieldAndSettingEachKindOfField() {
    someoneSets("2020-01-01T00:00:00Z");
    assertThat(objects.compareAndSet("HostedCluster", HC_NS, HC, HostedClusterPausePlan.Field.PAUSED_UNTIL,
        "2020-01-01T00:00:00Z", null).swap()).isEqualTo(ManagementObjects.Swap.WRITTEN);
    assertThat(f.hc().getSpec().pausedUntil).isNull();
    assertThat(objects.compareAndSet("HostedCluster", HC_NS, HC, HostedClusterPausePlan.Field.PAUSED_UNTIL, null, null).swap())
        .isEqualTo(ManagementObjects.Swap.ALREADY);

    Integer replicas = f.replicas("kube-apiserver");
    assertThat(objects.compareAndSet("Deployment", CP_NS, "kube-apiserver", HostedClusterPausePlan.Field.REPLICAS,
        String.valueOf(replicas), "0").swap()).isEqualTo(ManagementObjects.Swap.WRITTEN);
    assertThat(f.replicas("kube-apiserver")).isZero();
    assertThat(objects.compareAndSet("Deployment", CP_NS, "kube-apiserver", HostedClusterPausePlan.Field.REPLICAS,
        String.valueOf(replicas), "0").swap()).isEqualTo(ManagementObjects.Swap.ALREADY);
    assertThat(objects.compareAndSet("Deployment", CP_NS, "no-such-deployment", HostedClusterPausePlan.Field.REPLICAS, "1", "0").swap())
        .isEqualTo(ManagementObjects.Swap.GONE);
  }

  @Test
  void aBackupsPauseRefusesAChangedFieldAndItsResumeKeepsOneMadeWhilePaused() {
    HostedClusterPauser pauser = new HostedClusterPauser(objects);
    HostedCluster hc = f.hc();
    var nodePools = pauser.nodePoolsOf(hc);
    PausePlan plan = PausePlan.plan(HostedClusterPauser.currentPause(hc, nodePools), Instant.now(), Duration.ofMinutes(5));
    assertThat(plan.objectsToPause()).isNotEmpty();

    // between the plan's read and the pause: the first object's pausedUntil changes
    String firstKey = plan.objectsToPause().iterator().next();
    beforeNextPatch.set(() -> someoneSets("True"));
    assertThat(firstKey).startsWith("HostedCluster/");
    assertThatThrownBy(() -> pauser.pause(plan)).isInstanceOf(HostedClusterPauser.Conflict.class)
        .hasMessageContaining("HostedCluster " + HC_NS + "/" + HC).hasMessageContaining("True");
    assertThat(f.hc().getSpec().pausedUntil).isEqualTo("True");

    // a clean pause, then someone un-pauses one NodePool while we hold it: resume leaves theirs and says so
    someoneSetsBack(plan, firstKey);
    pauser.pause(plan);
    String npName = nodePools.get(0).getMetadata().getName();
    f.local.resources(io.flotilla.api.foreign.hypershift.NodePool.class).inNamespace(HC_NS).withName(npName)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":\"false\"}}");
    List<String> kept = pauser.resume(plan);
    assertThat(kept).containsExactly("NodePool " + HC_NS + "/" + npName + " spec.pausedUntil = false");
    assertThat(f.nodePool(npName).getSpec().pausedUntil).isEqualTo("false");
    assertThat(f.hc().getSpec().pausedUntil).as("the rest is put back exactly")
        .isEqualTo(plan.restoreFor(firstKey).orElseThrow().value());
  }

  private void someoneSetsBack(PausePlan plan, String key) {
    String previous = plan.restoreFor(key).orElseThrow().value();
    f.local.resources(HostedCluster.class).inNamespace(HC_NS).withName(HC).patch(PatchContext.of(PatchType.JSON_MERGE),
        previous == null ? "{\"spec\":{\"pausedUntil\":null}}" : "{\"spec\":{\"pausedUntil\":\"" + previous + "\"}}");
  }

}
