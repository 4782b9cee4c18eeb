package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupPolicyStatus {
  /** Condition types. */
  public static final String VALID = "Valid";
  public static final String OVERLAPPING = "Overlapping";
  public static final String COMPLIANT = "Compliant";
  public static final String SUSPENDED = "Suspended";
  /** With spec.verification: whether the latest restore drill of each backup drilled is a pass. */
  public static final String DRILLS_PASSING = "DrillsPassing";
  /** With spec.verification: whether every hosted cluster's newest drilled backup is within the verified RPO. */
  public static final String VERIFIED_COMPLIANT = "VerifiedCompliant";

  /** The most RPO entries status carries (non-compliant and oldest first); the counts always cover every one. */
  public static final int MAX_RPO_ENTRIES = 500;

  public Long observedGeneration;
  @JsonPropertyDescription("Hosted clusters this policy backs up whose newest Completed backup is within the RPO target.")
  public Integer compliant;
  @JsonPropertyDescription("Hosted clusters this policy backs up (after overlaps are settled).")
  public Integer total;
  @JsonPropertyDescription("Age of the oldest among the hosted clusters' newest Completed backups, e.g. 1h30m.")
  public String oldestNewestBackupAge;
  @JsonPropertyDescription("The age a newest Completed backup may reach: the schedule's current interval plus the"
      + " grace (maxPauseWindow), e.g. 1h10m.")
  public String rpoTarget;
  @JsonPropertyDescription("With spec.verification: hosted clusters whose newest backup that passed a restore drill is"
      + " within the verified RPO target.")
  public Integer verifiedCompliant;
  @JsonPropertyDescription("With spec.verification: the age the newest drilled backup may reach (maxVerifiedAge, or"
      + " what the drill cadence allows), e.g. 2h20m.")
  public String verifiedRpoTarget;
  @JsonPropertyDescription("With spec.verification: age of the oldest among the hosted clusters' newest backups that"
      + " passed a restore drill: the policy's verified RPO.")
  public String oldestNewestVerifiedBackupAge;
  @JsonPropertyDescription("Newest scheduled time the agents ran a backup for, from this policy's backup records (RFC 3339).")
  public String lastScheduleTime;
  @JsonPropertyDescription("Per hosted cluster the policy backs up: its newest Completed backup and whether it is within"
      + " the RPO target. Non-compliant and oldest first; at most 500 entries.")
  public List<HostedClusterRpo> rpo = new ArrayList<>();
  @JsonPropertyDescription("Entries left out of rpo because of its size bound.")
  public Integer rpoOmitted;
  public List<Condition> conditions = new ArrayList<>();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HostedClusterRpo {
    @JsonPropertyDescription("The ManagementCluster hosting it.")
    public String cluster;
    public String namespace;
    public String name;
    @JsonPropertyDescription("Name of its newest Completed HostedClusterBackup (in the cluster's namespace), if any.")
    public String newestBackup;
    @JsonPropertyDescription("When that backup completed (RFC 3339).")
    public String newestBackupTime;
    @JsonPropertyDescription("Age of that backup when status was written, e.g. 25m.")
    public String age;
    public Boolean compliant;
    @JsonPropertyDescription("With spec.verification: its newest Completed backup whose restore drill passed.")
    public String newestVerifiedBackup;
    @JsonPropertyDescription("When that backup completed (RFC 3339).")
    public String newestVerifiedBackupTime;
    @JsonPropertyDescription("Age of that backup when status was written: the hosted cluster's verified RPO.")
    public String verifiedAge;
    public Boolean verifiedCompliant;
  }
}
