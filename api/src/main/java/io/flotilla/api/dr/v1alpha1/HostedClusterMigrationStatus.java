package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterMigrationStatus {
  public Long observedGeneration;
  public Phase phase;
  public List<Step> steps = new ArrayList<>();
  public String startedAt;
  public String completedAt;
  public String pointOfNoReturnTime;
  @JsonPropertyDescription("The backup the destination is restored from (in the source cluster's namespace).")
  public String backupName;
  @JsonPropertyDescription("The BackupStore this migration uses: spec.store, or the default it resolved to when it started.")
  public String store;
  @JsonPropertyDescription("From the migration's creation until the destination was verified Available (Go duration); for a fail-over, the recovery time of this hosted cluster.")
  public String recoveryTime;
  public List<Condition> conditions = new ArrayList<>();

  public enum Phase { Pending, Running, WaitingForOperator, RollingBack, RolledBack, Succeeded, Failed }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Step {
    public String name;
    public StepPhase phase;
    public String startedAt;
    public String completedAt;
    public String message;
    @JsonPropertyDescription("The record this step created on the hub, as namespace/name (HostedClusterPause, "
        + "HostedClusterBackup, HostedClusterRestore or HostedClusterTeardown, by step).")
    public String record;
  }

  public enum StepPhase { Pending, InProgress, Succeeded, Failed, Skipped }
}
