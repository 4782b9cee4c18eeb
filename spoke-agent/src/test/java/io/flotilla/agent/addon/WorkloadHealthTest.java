package io.flotilla.agent.addon;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.flotilla.agent.addon.WorkloadHealth.State;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WorkloadHealthTest {
  static Deployment deployment(long generation, int replicas, DeploymentStatus status) {
    return new DeploymentBuilder().withNewMetadata().withName("forwarder").withNamespace("mf").withGeneration(generation)
        .endMetadata().withNewSpec().withReplicas(replicas).endSpec().withStatus(status).build();
  }

  static DeploymentStatusBuilder rolledOut(long observed, int n) {
    return new DeploymentStatusBuilder().withObservedGeneration(observed).withReplicas(n).withUpdatedReplicas(n)
        .withReadyReplicas(n).withAvailableReplicas(n)
        .addToConditions(new DeploymentConditionBuilder().withType("Available").withStatus("True")
            .withReason("MinimumReplicasAvailable").build())
        .addToConditions(new DeploymentConditionBuilder().withType("Progressing").withStatus("True")
            .withReason("NewReplicaSetAvailable").build());
  }

  @Test
  void readyOnlyWhenTheCurrentGenerationIsFullyRolledOut() {
    assertThat(WorkloadHealth.of(deployment(3, 2, rolledOut(3, 2).build())).state()).isEqualTo(State.Ready);
    // a stale "available" from the previous generation is not credited to the new one
    WorkloadHealth stale = WorkloadHealth.of(deployment(4, 2, rolledOut(3, 2).build()));
    assertThat(stale.state()).isEqualTo(State.Waiting);
    assertThat(stale.describe()).isEqualTo(
        "Deployment mf/forwarder: waiting for the deployment controller to observe generation 4");
    assertThat(WorkloadHealth.of(deployment(1, 2, null)).state()).isEqualTo(State.Waiting);
  }

  @Test
  void waitsForUpdatedAndAvailableReplicasAndForOldOnesToGo() {
    assertThat(WorkloadHealth.of(deployment(2, 3, rolledOut(2, 3).withUpdatedReplicas(1).build())).detail())
        .isEqualTo("1 of 3 replicas updated");
    assertThat(WorkloadHealth.of(deployment(2, 3, rolledOut(2, 3).withReplicas(4).build())).detail())
        .isEqualTo("1 old replicas pending termination");
    assertThat(WorkloadHealth.of(deployment(2, 3, rolledOut(2, 3).withAvailableReplicas(2).build())).detail())
        .isEqualTo("2 of 3 updated replicas available");
  }

  @Test
  void unavailableIsWaitingAndAnExceededProgressDeadlineIsFailure() {
    DeploymentStatus unavailable = rolledOut(1, 1).withConditions(new DeploymentConditionBuilder().withType("Available")
        .withStatus("False").withReason("MinimumReplicasUnavailable").withMessage("Deployment does not have minimum availability.")
        .build()).build();
    WorkloadHealth waiting = WorkloadHealth.of(deployment(1, 1, unavailable));
    assertThat(waiting.state()).isEqualTo(State.Waiting);
    assertThat(waiting.detail()).isEqualTo(
        "not Available (MinimumReplicasUnavailable: Deployment does not have minimum availability.)");

    DeploymentStatus stuck = new DeploymentStatusBuilder(unavailable).addToConditions(new DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
        .withMessage("ReplicaSet \"forwarder-7d\" has timed out progressing.").build()).build();
    WorkloadHealth failed = WorkloadHealth.of(deployment(1, 1, stuck));
    assertThat(failed.failed()).isTrue();
    assertThat(failed.describe()).isEqualTo(
        "Deployment mf/forwarder: ProgressDeadlineExceeded: ReplicaSet \"forwarder-7d\" has timed out progressing.");
  }

  @Test
  void aDeploymentScaledToZeroIsReadyOnceObserved() {
    assertThat(WorkloadHealth.of(deployment(2, 0, new DeploymentStatusBuilder().withObservedGeneration(2L).build()))
        .ready()).isTrue();
  }
}
