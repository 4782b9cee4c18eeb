package io.flotilla.sandbox.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeploymentRolloutTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Duration DELAY = Duration.ofSeconds(2);

  static Deployment deployment(int replicas, boolean fail, Integer progressDeadlineSeconds) {
    DeploymentBuilder b = new DeploymentBuilder().withNewMetadata().withName("forwarder").withNamespace("mf")
        .withGeneration(3L).endMetadata()
        .withNewSpec().withReplicas(replicas).withProgressDeadlineSeconds(progressDeadlineSeconds)
        .withNewTemplate().withNewMetadata().addToLabels("app", "forwarder").endMetadata()
        .withNewSpec().addNewContainer().withName("c").withImage("collector:1").endContainer().endSpec()
        .endTemplate().endSpec();
    if (fail) {
      b.editSpec().editTemplate().editMetadata().addToAnnotations(WorkloadSimulator.FAIL_ANNOTATION, "true")
          .endMetadata().endTemplate().endSpec();
    }
    return b.build();
  }

  static DeploymentCondition condition(DeploymentStatus s, String type) {
    return s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
  }

  @Test
  void aHealthyTemplateIsReportedRolledOutAfterTheReadyDelay() {
    Deployment d = deployment(2, false, null);
    assertThat(DeploymentRollout.statusAt(d, T0, T0.plusMillis(1999), DELAY)).isEmpty();
    assertThat(DeploymentRollout.nextChange(d, T0, T0, DELAY)).contains(T0.plus(DELAY));

    DeploymentStatus s = DeploymentRollout.statusAt(d, T0, T0.plus(DELAY), DELAY).orElseThrow();
    assertThat(s.getObservedGeneration()).isEqualTo(3L);
    assertThat(List.of(s.getReplicas(), s.getUpdatedReplicas(), s.getReadyReplicas(), s.getAvailableReplicas()))
        .containsOnly(2);
    assertThat(condition(s, "Available").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Available").getReason()).isEqualTo("MinimumReplicasAvailable");
    assertThat(condition(s, "Progressing").getReason()).isEqualTo("NewReplicaSetAvailable");
    assertThat(condition(s, "Progressing").getLastTransitionTime()).isEqualTo("2026-03-01T10:00:02Z");
    assertThat(DeploymentRollout.nextChange(d, T0, T0.plus(DELAY), DELAY)).isEmpty();
    // the same inputs give the same status, so a steady Deployment is never written again
    assertThat(DeploymentRollout.statusAt(d, T0, T0.plusSeconds(60), DELAY)).contains(s);
  }

  @Test
  void aTemplateBuiltToFailStaysUnavailableAndExceedsItsProgressDeadline() {
    Deployment d = deployment(2, true, 30);
    assertThat(DeploymentRollout.builtToFail(d)).isTrue();
    DeploymentStatus early = DeploymentRollout.statusAt(d, T0, T0.plus(DELAY), DELAY).orElseThrow();
    assertThat(early.getObservedGeneration()).isEqualTo(3L);
    assertThat(early.getUpdatedReplicas()).isEqualTo(2);
    assertThat(early.getAvailableReplicas()).isZero();
    assertThat(early.getUnavailableReplicas()).isEqualTo(2);
    assertThat(condition(early, "Available").getStatus()).isEqualTo("False");
    assertThat(condition(early, "Available").getReason()).isEqualTo("MinimumReplicasUnavailable");
    assertThat(condition(early, "Progressing").getStatus()).isEqualTo("True");
    assertThat(condition(early, "Progressing").getReason()).isEqualTo("ReplicaSetUpdated");
    assertThat(DeploymentRollout.nextChange(d, T0, T0.plus(DELAY), DELAY)).contains(T0.plusSeconds(30));

    DeploymentStatus late = DeploymentRollout.statusAt(d, T0, T0.plusSeconds(30), DELAY).orElseThrow();
    assertThat(condition(late, "Progressing").getStatus()).isEqualTo("False");
    assertThat(condition(late, "Progressing").getReason()).isEqualTo("ProgressDeadlineExceeded");
    assertThat(condition(late, "Progressing").getLastTransitionTime()).isEqualTo("2026-03-01T10:00:30Z");
    assertThat(DeploymentRollout.nextChange(d, T0, T0.plusSeconds(30), DELAY)).isEmpty();
  }

  @Test
  void theProgressDeadlineDefaultsToTenMinutesAsInKubernetes() {
    Deployment d = deployment(1, true, null);
    assertThat(DeploymentRollout.nextChange(d, T0, T0.plus(DELAY), DELAY)).contains(T0.plusSeconds(600));
  }

  @Test
  void onlyTheExactAnnotationOnThePodTemplateFails() {
    assertThat(DeploymentRollout.builtToFail(deployment(1, false, null))).isFalse();
    Deployment onTheDeployment = deployment(1, false, null);
    onTheDeployment.getMetadata().setAnnotations(java.util.Map.of(WorkloadSimulator.FAIL_ANNOTATION, "true"));
    assertThat(DeploymentRollout.builtToFail(onTheDeployment)).isFalse();
    // scaled to zero there is nothing to crash
    DeploymentStatus zero = DeploymentRollout.statusAt(deployment(0, true, 30), T0, T0.plus(DELAY), DELAY).orElseThrow();
    assertThat(condition(zero, "Available").getStatus()).isEqualTo("True");
  }
}
