package io.flotilla.sandbox.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The simulator against a sandbox API server, over real HTTP and watches. */
class WorkloadSimulatorTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static MockApiServer api;
  static KubernetesClient client;
  static WorkloadSimulator simulator;

  @BeforeAll
  static void start() {
    api = MockApiServer.start("mc-w");
    client = api.adminClient();
    simulator = new WorkloadSimulator("mc-w", client, Duration.ofMillis(300), Clock.systemUTC());
    simulator.start();
  }

  @AfterAll
  static void stop() {
    if (simulator != null) {
      simulator.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static Deployment create(String name, boolean fail, Integer progressDeadlineSeconds) {
    DeploymentBuilder b = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("addons").endMetadata()
        .withNewSpec().withReplicas(2).withProgressDeadlineSeconds(progressDeadlineSeconds)
        .withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("img:1").endContainer().endSpec().endTemplate()
        .endSpec();
    if (fail) {
      b.editSpec().editTemplate().editMetadata().addToAnnotations(WorkloadSimulator.FAIL_ANNOTATION, "true")
          .endMetadata().endTemplate().endSpec();
    }
    return client.resource(b.build()).create();
  }

  static Deployment get(String name) {
    return client.apps().deployments().inNamespace("addons").withName(name).get();
  }

  static Optional<DeploymentCondition> condition(String name, String type) {
    Deployment d = get(name);
    return d == null || d.getStatus() == null ? Optional.empty()
        : d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static long observedGeneration(String name) {
    Deployment d = get(name);
    return d.getStatus() == null || d.getStatus().getObservedGeneration() == null ? 0 : d.getStatus().getObservedGeneration();
  }

  @Test
  void aHealthyDeploymentBecomesAvailableAtEachNewGeneration() {
    create("healthy", false, null);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(observedGeneration("healthy")).isEqualTo(1);
      assertThat(get("healthy").getStatus().getAvailableReplicas()).isEqualTo(2);
      assertThat(condition("healthy", "Available")).get().extracting(DeploymentCondition::getStatus).isEqualTo("True");
      assertThat(condition("healthy", "Progressing")).get().extracting(DeploymentCondition::getReason)
          .isEqualTo("NewReplicaSetAvailable");
    });

    // a new pod template is a new generation: reported again, for that generation
    Deployment d = get("healthy");
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2");
    d.setStatus(null);
    Deployment updated = client.resource(d).update();
    assertThat(updated.getMetadata().getGeneration()).isEqualTo(2);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(observedGeneration("healthy")).isEqualTo(2);
      assertThat(condition("healthy", "Available")).get().extracting(DeploymentCondition::getStatus).isEqualTo("True");
    });
  }

  @Test
  void aStatusDroppedByAReplaceIsWrittenAgain() {
    create("replaced", false, null);
    await().atMost(WAIT).untilAsserted(() -> assertThat(observedGeneration("replaced")).isEqualTo(1));
    Deployment d = get("replaced");
    d.getMetadata().getLabels().put("touched", "yes"); // metadata only: same generation
    d.setStatus(null);
    client.resource(d).update();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(get("replaced").getMetadata().getLabels()).containsEntry("touched", "yes");
      assertThat(observedGeneration("replaced")).isEqualTo(1);
      assertThat(condition("replaced", "Available")).get().extracting(DeploymentCondition::getStatus).isEqualTo("True");
    });
  }

  @Test
  void aDeploymentBuiltToFailIsUnavailableThenExceedsItsProgressDeadline() {
    create("crashing", true, 2);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(observedGeneration("crashing")).isEqualTo(1);
      assertThat(condition("crashing", "Available")).get().satisfies(c -> {
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("MinimumReplicasUnavailable");
      });
      assertThat(get("crashing").getStatus().getAvailableReplicas()).isZero();
    });
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(condition("crashing", "Progressing")).get().satisfies(c -> {
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo("ProgressDeadlineExceeded");
        }));
    assertThat(condition("crashing", "Available")).get().extracting(DeploymentCondition::getStatus).isEqualTo("False");
  }
}
