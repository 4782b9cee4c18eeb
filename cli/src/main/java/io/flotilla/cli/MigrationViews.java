package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** How the CLI shows migrations: the table of `migrate status` and `status`, one migration's steps, one-line progress. */
final class MigrationViews {
  private MigrationViews() {}

  static Table table(List<HostedClusterMigration> migrations, Instant now) {
    Table table = new Table("NAME", "HOSTED-CLUSTER", "SOURCE", "DESTINATION", "PHASE", "STEP", "POINT-OF-NO-RETURN",
        "RECOVERY", "AGE");
    for (HostedClusterMigration m : migrations) {
      HostedClusterMigrationStatus s = m.getStatus();
      Instant created = Time.parse(m.getMetadata().getCreationTimestamp());
      table.row(m.getMetadata().getName(), m.getSpec().hostedCluster,
          m.getSpec().source.cluster + (Boolean.TRUE.equals(m.getSpec().source.lost) ? " (lost)" : ""),
          m.getSpec().destination.cluster, HubMigrations.phase(m).name(), currentStep(m),
          s == null || s.pointOfNoReturnTime == null ? "not passed" : ago(s.pointOfNoReturnTime, now),
          s == null ? null : s.recoveryTime, created == null ? null : Ages.of(Duration.between(created, now)));
    }
    return table;
  }

  /** The step in progress (or failed), else the last one done; "-" before the first. */
  static String currentStep(HostedClusterMigration m) {
    List<Step> steps = m.getStatus() == null ? List.of() : m.getStatus().steps;
    for (Step s : steps) {
      if (s.phase == StepPhase.InProgress || s.phase == StepPhase.Failed) {
        return s.name + (s.phase == StepPhase.Failed ? " (Failed)" : "");
      }
    }
    return steps.stream().filter(s -> s.phase == StepPhase.Succeeded).reduce((a, b) -> b).map(s -> s.name).orElse("-");
  }

  static String describe(HostedClusterMigration m, Instant now) {
    StringBuilder out = new StringBuilder();
    HostedClusterMigrationStatus s = m.getStatus();
    out.append("Name:                ").append(m.getMetadata().getName()).append('\n');
    out.append("Hosted cluster:      ").append(m.getSpec().hostedCluster).append('\n');
    out.append("Source:              ").append(m.getSpec().source.cluster)
        .append(Boolean.TRUE.equals(m.getSpec().source.lost) ? " (lost: restore from its newest Completed backup)" : "")
        .append('\n');
    out.append("Destination:         ").append(m.getSpec().destination.cluster).append('\n');
    out.append("Failure policy:      ").append(m.getSpec().failurePolicy).append('\n');
    out.append("Phase:               ").append(HubMigrations.phase(m)).append('\n');
    if (s != null && s.backupName != null) {
      out.append("Backup:              ").append(m.getSpec().source.cluster).append('/').append(s.backupName).append('\n');
    }
    out.append("Point of no return:  ").append(s == null || s.pointOfNoReturnTime == null ? "not passed (rollback possible)"
        : s.pointOfNoReturnTime + " (" + ago(s.pointOfNoReturnTime, now) + "; rollback no longer possible)").append('\n');
    if (s != null && s.recoveryTime != null) {
      out.append("Recovery time:       ").append(s.recoveryTime).append('\n');
    }
    out.append("Steps:\n");
    Table steps = new Table("  STEP", "PHASE", "STARTED", "COMPLETED", "TOOK", "MESSAGE");
    for (Step step : s == null ? List.<Step>of() : s.steps) {
      Instant started = Time.parse(step.startedAt);
      Instant completed = Time.parse(step.completedAt);
      steps.row("  " + step.name, step.phase, step.startedAt, step.completedAt,
          started == null || completed == null ? null : Ages.of(Duration.between(started, completed)),
          step.message == null ? "" : step.message);
    }
    out.append(steps.render());
    List<Condition> conditions = s == null ? List.of() : s.conditions;
    if (!conditions.isEmpty()) {
      out.append("Conditions:\n");
      Table table = new Table("  TYPE", "STATUS", "REASON", "MESSAGE");
      conditions.forEach(c -> table.row("  " + c.getType(), c.getStatus(), c.getReason(),
          Objects.requireNonNullElse(c.getMessage(), "")));
      out.append(table.render());
    }
    return out.toString();
  }

  /** One line for a person following a migration: phase, current step, and what waits on them, if anything. */
  static String progressLine(HostedClusterMigration m) {
    StringBuilder line = new StringBuilder(m.getMetadata().getName()).append(": ").append(HubMigrations.phase(m))
        .append(", step ").append(currentStep(m));
    List<Condition> conditions = m.getStatus() == null ? List.of() : m.getStatus().conditions;
    for (String type : List.of(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR,
        HostedClusterMigration.CONDITION_TEARDOWN_HALTED, HostedClusterMigration.CONDITION_ROLLBACK_REFUSED,
        HostedClusterMigration.CONDITION_QUEUED)) {
      Conditions.find(conditions, type).filter(c -> Conditions.TRUE.equals(c.getStatus()))
          .ifPresent(c -> line.append(" — ").append(type).append(": ").append(c.getMessage()));
    }
    return line.toString();
  }

  private static String ago(String rfc3339, Instant now) {
    Instant t = Time.parse(rfc3339);
    return t == null ? rfc3339 : Ages.of(Duration.between(t, now)) + " ago";
  }
}
