package io.flotilla.agent.addon;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether one workload of a release has finished rolling out at its current generation, judged as
 * {@code kubectl rollout status} does: the controller observed the generation, every replica is updated and
 * available, no old replica is left. A Deployment whose Progressing condition says ProgressDeadlineExceeded has
 * failed for good. Values only: the caller reads the objects.
 */
public record WorkloadHealth(String kind, String namespace, String name, State state, String detail) {
  public enum State { Ready, Waiting, Failed }

  public static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  public boolean ready() { return state == State.Ready; }

  public boolean failed() { return state == State.Failed; }

  /** "Deployment ns/name: 0 of 2 updated replicas available". */
  public String describe() {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name + (detail == null ? "" : ": " + detail);
  }

  /** Kinds whose health gates an operation. */
  public static boolean isWorkload(String kind) {
    return "Deployment".equals(kind) || "StatefulSet".equals(kind) || "DaemonSet".equals(kind);
  }

  public static WorkloadHealth missing(String kind, String namespace, String name) {
    return new WorkloadHealth(kind, namespace, name, State.Waiting, "not found");
  }

  public static WorkloadHealth of(HasMetadata workload) {
    if (workload instanceof Deployment d) {
      return of(d);
    }
    if (workload instanceof StatefulSet s) {
      return of(s);
    }
    if (workload instanceof DaemonSet d) {
      return of(d);
    }
    throw new IllegalArgumentException("not a workload: " + workload.getKind());
  }

  public static WorkloadHealth of(Deployment d) {
    DeploymentStatus s = d.getStatus();
    long generation = generation(d);
    if (s == null || n(s.getObservedGeneration()) < generation) {
      return waiting(d, "waiting for the deployment controller to observe generation " + generation);
    }
    Optional<DeploymentCondition> progressing = condition(s.getConditions(), "Progressing");
    if (progressing.filter(c -> "False".equals(c.getStatus())
        && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason())).isPresent()) {
      return new WorkloadHealth("Deployment", ns(d), d.getMetadata().getName(), State.Failed,
          PROGRESS_DEADLINE_EXCEEDED + message(progressing.get().getMessage()));
    }
    int wanted = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    int updated = n(s.getUpdatedReplicas());
    if (updated < wanted) {
      return waiting(d, updated + " of " + wanted + " replicas updated");
    }
    if (n(s.getReplicas()) > updated) {
      return waiting(d, (n(s.getReplicas()) - updated) + " old replicas pending termination");
    }
    if (n(s.getAvailableReplicas()) < updated) {
      return waiting(d, n(s.getAvailableReplicas()) + " of " + updated + " updated replicas available");
    }
    Optional<DeploymentCondition> available = condition(s.getConditions(), "Available");
    if (wanted > 0 && available.filter(c -> "True".equals(c.getStatus())).isEmpty()) {
      return waiting(d, "not Available" + available.map(c -> " (" + c.getReason() + message(c.getMessage()) + ")")
          .orElse(""));
    }
    return new WorkloadHealth("Deployment", ns(d), d.getMetadata().getName(), State.Ready, null);
  }

  public static WorkloadHealth of(StatefulSet set) {
    StatefulSetStatus s = set.getStatus();
    long generation = generation(set);
    if (s == null || n(s.getObservedGeneration()) < generation) {
      return waiting(set, "waiting for the statefulset controller to observe generation " + generation);
    }
    int wanted = set.getSpec() == null || set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    if (n(s.getReadyReplicas()) < wanted) {
      return waiting(set, n(s.getReadyReplicas()) + " of " + wanted + " replicas ready");
    }
    boolean rolling = set.getSpec() == null || set.getSpec().getUpdateStrategy() == null
        || set.getSpec().getUpdateStrategy().getType() == null
        || "RollingUpdate".equals(set.getSpec().getUpdateStrategy().getType());
    if (rolling && s.getUpdateRevision() != null && !Objects.equals(s.getUpdateRevision(), s.getCurrentRevision())) {
      return waiting(set, n(s.getUpdatedReplicas()) + " of " + wanted + " replicas updated");
    }
    return new WorkloadHealth("StatefulSet", ns(set), set.getMetadata().getName(), State.Ready, null);
  }

  public static WorkloadHealth of(DaemonSet set) {
    DaemonSetStatus s = set.getStatus();
    long generation = generation(set);
    if (s == null || n(s.getObservedGeneration()) < generation) {
      return waiting(set, "waiting for the daemonset controller to observe generation " + generation);
    }
    int wanted = n(s.getDesiredNumberScheduled());
    if (n(s.getUpdatedNumberScheduled()) < wanted) {
      return waiting(set, n(s.getUpdatedNumberScheduled()) + " of " + wanted + " pods updated");
    }
    if (n(s.getNumberAvailable()) < wanted) {
      return waiting(set, n(s.getNumberAvailable()) + " of " + wanted + " updated pods available");
    }
    return new WorkloadHealth("DaemonSet", ns(set), set.getMetadata().getName(), State.Ready, null);
  }

  private static WorkloadHealth waiting(HasMetadata o, String detail) {
    return new WorkloadHealth(o.getKind(), ns(o), o.getMetadata().getName(), State.Waiting, detail);
  }

  private static Optional<DeploymentCondition> condition(List<DeploymentCondition> conditions, String type) {
    return conditions == null ? Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  private static long generation(HasMetadata o) {
    Long g = o.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  private static String ns(HasMetadata o) { return o.getMetadata().getNamespace(); }

  private static int n(Integer i) { return i == null ? 0 : i; }

  private static long n(Long l) { return l == null ? 0 : l; }

  private static String message(String m) { return m == null || m.isBlank() ? "" : ": " + m; }
}
