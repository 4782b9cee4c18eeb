package io.flotilla.hub.dr.migration;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Builds a migration's status in one place: the planner sets conditions and steps, and the phase follows from the
 * conditions alone ({@link #phaseOf}), so the phase an operator scans and the conditions that explain it never
 * disagree. Condition transition times move only when a condition's status changes ({@link Conditions#set}); a step
 * keeps the times it was first seen started and finished.
 */
final class MigrationStatusAggregator {
  /** Reasons of Succeeded=False that end a migration as Failed: bad input, nothing was created. */
  static final Set<String> INVALID_REASONS = Set.of(MigrationPlanner.INVALID_SPEC, MigrationPlanner.CLUSTER_NOT_FOUND,
      MigrationPlanner.BACKUP_STORE_NOT_FOUND, MigrationPlanner.SOURCE_NOT_DECLARED_LOST,
      MigrationPlanner.SOURCE_LOST, MigrationPlanner.DESTINATION_LOST, MigrationPlanner.RECORD_NAME_TAKEN);

  private final HostedClusterMigrationStatus old;
  private final Long generation;
  private final Instant now;
  private final List<Condition> conditions;
  private final List<Step> steps = new ArrayList<>();

  MigrationStatusAggregator(HostedClusterMigrationStatus old, Long generation, Instant now) {
    this.old = old == null ? new HostedClusterMigrationStatus() : old;
    this.generation = generation;
    this.now = Objects.requireNonNull(now);
    this.conditions = new ArrayList<>(this.old.conditions == null ? List.of() : this.old.conditions);
  }

  void condition(String type, String status, String reason, String message) {
    Conditions.set(conditions, type, status, reason, message, generation, now);
  }

  /** Sets {@code type} False only if it was ever set: conditions that concern rare events appear once they happen. */
  void clearIfPresent(String type, String reason, String message) {
    if (Conditions.find(conditions, type).isPresent()) {
      condition(type, Conditions.FALSE, reason, message);
    }
  }

  /** Adds a step, keeping the startedAt/completedAt (and record) the previous status had for it. */
  Step step(String name, StepPhase phase, String message, String record) {
    Step prev = oldStep(name).orElse(null);
    Step s = new Step();
    s.name = name;
    s.phase = phase;
    s.message = message;
    s.record = record != null ? record : prev == null ? null : prev.record;
    String nowText = Time.format(now);
    if (phase == StepPhase.InProgress || phase == StepPhase.Succeeded || phase == StepPhase.Failed) {
      s.startedAt = prev != null && prev.startedAt != null ? prev.startedAt : nowText;
    }
    if (phase == StepPhase.Succeeded || phase == StepPhase.Failed) {
      s.completedAt = prev != null && prev.phase == phase && prev.completedAt != null ? prev.completedAt : nowText;
    }
    steps.add(s);
    return s;
  }

  /** Adds a step exactly as the previous status had it. */
  void keep(Step prev) {
    steps.add(copy(prev));
  }

  Optional<Step> oldStep(String name) {
    return step(old, name);
  }

  /** The step {@code name} of status {@code s}; empty if there is no status or no such step. */
  static Optional<Step> step(HostedClusterMigrationStatus s, String name) {
    return s == null || s.steps == null ? Optional.empty()
        : s.steps.stream().filter(st -> name.equals(st.name)).findFirst();
  }

  HostedClusterMigrationStatus old() { return old; }

  /** The steps added so far. */
  List<Step> steps() { return List.copyOf(steps); }

  /** The condition as it will be written. */
  Optional<Condition> current(String type) {
    return Conditions.find(conditions, type);
  }

  /** True if {@code type} now has {@code status} and had another status (or reason) before, or none. */
  boolean changedTo(String type, String status) {
    Optional<Condition> after = Conditions.find(conditions, type);
    if (after.isEmpty() || !status.equals(after.get().getStatus())) {
      return false;
    }
    Optional<Condition> before = Conditions.find(old.conditions, type);
    return before.isEmpty() || !status.equals(before.get().getStatus())
        || !Objects.equals(before.get().getReason(), after.get().getReason());
  }

  /** The fields that are not conditions or steps. */
  record Fields(String startedAt, String completedAt, String pointOfNoReturnTime, String backupName,
                String recoveryTime, String store) {}

  HostedClusterMigrationStatus build(Fields f) {
    HostedClusterMigrationStatus s = new HostedClusterMigrationStatus();
    s.observedGeneration = generation;
    s.phase = phaseOf(conditions);
    s.steps = new ArrayList<>(steps);
    s.startedAt = f.startedAt();
    s.completedAt = f.completedAt();
    s.pointOfNoReturnTime = f.pointOfNoReturnTime();
    s.backupName = f.backupName();
    s.recoveryTime = f.recoveryTime();
    s.store = f.store();
    s.conditions = new ArrayList<>(conditions);
    return s;
  }

  /**
   * The phase the conditions mean. Succeeded=True ends the migration (reason RolledBack: rolled back); Succeeded=False
   * for bad input is Failed; an operator's turn (WaitingForOperator or TeardownHalted) comes before everything else
   * still open; Queued=True has not started; Succeeded=False with reason RollingBack is rolling back; else Running.
   */
  static Phase phaseOf(List<Condition> conditions) {
    Optional<Condition> succeeded = Conditions.find(conditions, HostedClusterMigration.CONDITION_SUCCEEDED);
    if (succeeded.isPresent() && Conditions.TRUE.equals(succeeded.get().getStatus())) {
      return MigrationPlanner.ROLLED_BACK.equals(succeeded.get().getReason()) ? Phase.RolledBack : Phase.Succeeded;
    }
    String reason = succeeded.map(Condition::getReason).orElse(null);
    if (reason != null && INVALID_REASONS.contains(reason)) {
      return Phase.Failed;
    }
    if (Conditions.isTrue(conditions, HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR)
        || Conditions.isTrue(conditions, HostedClusterMigration.CONDITION_TEARDOWN_HALTED)) {
      return Phase.WaitingForOperator;
    }
    if (Conditions.isTrue(conditions, HostedClusterMigration.CONDITION_QUEUED)) {
      return Phase.Pending;
    }
    if (MigrationPlanner.ROLLING_BACK.equals(reason)) {
      return Phase.RollingBack;
    }
    return succeeded.isEmpty() ? Phase.Pending : Phase.Running;
  }

  static Step copy(Step s) {
    Step c = new Step();
    c.name = s.name;
    c.phase = s.phase;
    c.startedAt = s.startedAt;
    c.completedAt = s.completedAt;
    c.message = s.message;
    c.record = s.record;
    return c;
  }
}
