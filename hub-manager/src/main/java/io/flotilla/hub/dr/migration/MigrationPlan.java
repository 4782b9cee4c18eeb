package io.flotilla.hub.dr.migration;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec;

import java.util.List;

/**
 * {@link MigrationPlanner}'s answer for one migration at one instant: what to do to its records on the hub, the status
 * to write afterwards, the events to record once that status is written, and when to look again.
 *
 * @param actions in order; each is idempotent (a create that finds the record done already is a success)
 * @param status  the whole status to write
 * @param events  one per condition transition worth an operator's attention
 */
public record MigrationPlan(List<Action> actions, HostedClusterMigrationStatus status, List<Event> events,
                            Recheck recheck) {
  public MigrationPlan {
    actions = List.copyOf(actions);
    events = List.copyOf(events);
  }

  /** One change to a record in a cluster namespace; records are named by {@link MigrationRecords}. */
  public sealed interface Action {
    /** namespace/name of the record acted on. */
    String record();
  }

  /** Hold the source paused, its API servers quiesced and its workers' Cluster API objects paused. */
  public record CreateHold(String namespace, String name, NamespacedName hostedCluster) implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /** Back the held source up to {@code store}. */
  public record CreateBackup(String namespace, String name, NamespacedName hostedCluster, String store)
      implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /**
   * Restore on the destination: {@code backup} (a migration), or the newest Completed backup of {@code hostedCluster}
   * in {@code store} when {@code backup} is null (a fail-over).
   */
  public record CreateRestore(String namespace, String name, NamespacedName backup, NamespacedName hostedCluster,
                              String store) implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /**
   * Remove a control plane without touching its workers.
   *
   * @param restoredBy for the destination copy: the restore that created it (the agent removes only a hosted cluster
   *                   that restore created); null for the source
   */
  public record CreateTeardown(String namespace, String name, NamespacedName hostedCluster,
                               HostedClusterTeardownSpec.Purpose purpose, NamespacedName restoredBy)
      implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /** Set spec.release on the hold: the agent puts back every value it changed. */
  public record ReleaseHold(String namespace, String name) implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /** Delete the hold once its hosted cluster is torn down, so the agent drops its finalizer. */
  public record DeleteHold(String namespace, String name) implements Action {
    @Override public String record() { return namespace + "/" + name; }
  }

  /** A Kubernetes Event on the migration. */
  public record Event(String type, String reason, String message) {
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
  }

  public enum Recheck {
    /** Nothing changes without an event (a record's status, the spec, a cluster or a store). */
    NONE,
    /** Look again on the periodic schedule, in case an event was missed. */
    PERIODIC,
    /** Look again at once: this status must be on the server before the next action (the point of no return). */
    NOW
  }
}
