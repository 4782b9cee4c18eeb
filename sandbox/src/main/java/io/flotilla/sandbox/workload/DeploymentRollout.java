package io.flotilla.sandbox.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.flotilla.common.Time;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the deployment controller reports for one generation of a Deployment, as a function of time since the
 * simulator first saw that generation: nothing until the ready delay has passed; then either a completed rollout or,
 * for a pod template built to fail, an unavailable one whose Progressing condition turns False with
 * ProgressDeadlineExceeded once {@code spec.progressDeadlineSeconds} (default 600) has passed since the rollout began.
 * Condition times are derived from the rollout start, so the same inputs always give the same status.
 */
final class DeploymentRollout {
  static final String REASON_MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
  static final String REASON_MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";
  static final String REASON_NEW_REPLICA_SET_AVAILABLE = "NewReplicaSetAvailable";
  static final String REASON_REPLICA_SET_UPDATED = "ReplicaSetUpdated";
  static final String REASON_PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";
  static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  private DeploymentRollout() {}

  /** The failure rule of the sandbox: the pod template's annotation {@value WorkloadSimulator#FAIL_ANNOTATION} is "true". */
  static boolean builtToFail(Deployment d) {
    Map<String, String> annotations = d.getSpec() == null || d.getSpec().getTemplate() == null
        || d.getSpec().getTemplate().getMetadata() == null ? null
        : d.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations != null && "true".equalsIgnoreCase(annotations.get(WorkloadSimulator.FAIL_ANNOTATION));
  }

  /** The status to report at {@code now} for a rollout of the Deployment's generation begun at {@code started}. */
  static Optional<DeploymentStatus> statusAt(Deployment d, Instant started, Instant now, Duration readyDelay) {
    Instant observed = started.plus(readyDelay);
    if (now.isBefore(observed)) {
      return Optional.empty();
    }
    long generation = d.getMetadata().getGeneration() == null ? 1 : d.getMetadata().getGeneration();
    int replicas = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    String replicaSet = d.getMetadata().getName() + "-" + templateHash(d);
    DeploymentStatusBuilder status = new DeploymentStatusBuilder().withObservedGeneration(generation)
        .withReplicas(replicas).withUpdatedReplicas(replicas);
    if (!builtToFail(d) || replicas == 0) {
      return Optional.of(status.withReadyReplicas(replicas).withAvailableReplicas(replicas)
          .withConditions(
              condition("Available", "True", REASON_MINIMUM_REPLICAS_AVAILABLE,
                  "Deployment has minimum availability.", observed),
              condition("Progressing", "True", REASON_NEW_REPLICA_SET_AVAILABLE,
                  "ReplicaSet \"" + replicaSet + "\" has successfully progressed.", observed))
          .build());
    }
    Instant deadline = started.plus(progressDeadline(d));
    DeploymentCondition progressing = now.isBefore(deadline)
        ? condition("Progressing", "True", REASON_REPLICA_SET_UPDATED,
            "ReplicaSet \"" + replicaSet + "\" is progressing.", observed)
        : condition("Progressing", "False", REASON_PROGRESS_DEADLINE_EXCEEDED,
            "ReplicaSet \"" + replicaSet + "\" has timed out progressing.", deadline);
    return Optional.of(status.withReadyReplicas(0).withAvailableReplicas(0).withUnavailableReplicas(replicas)
        .withConditions(condition("Available", "False", REASON_MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.", observed), progressing)
        .build());
  }

  /** When the reported status changes next, if it ever does. */
  static Optional<Instant> nextChange(Deployment d, Instant started, Instant now, Duration readyDelay) {
    Instant observed = started.plus(readyDelay);
    if (now.isBefore(observed)) {
      return Optional.of(observed);
    }
    int replicas = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    if (builtToFail(d) && replicas > 0) {
      Instant deadline = started.plus(progressDeadline(d));
      if (now.isBefore(deadline)) {
        return Optional.of(deadline);
      }
    }
    return Optional.empty();
  }

  static Duration progressDeadline(Deployment d) {
    Integer seconds = d.getSpec() == null ? null : d.getSpec().getProgressDeadlineSeconds();
    return Duration.ofSeconds(seconds == null ? DEFAULT_PROGRESS_DEADLINE_SECONDS : seconds);
  }

  private static DeploymentCondition condition(String type, String status, String reason, String message, Instant at) {
    String time = Time.format(at);
    return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(time).withLastUpdateTime(time).build();
  }

  /** Stands in for pod-template-hash: stable for a template, different when it changes. */
  private static String templateHash(Deployment d) {
    int h = d.getSpec() == null ? 0 : Objects.hashCode(d.getSpec().getTemplate());
    return String.format("%08x", h).substring(0, 8);
  }
}
