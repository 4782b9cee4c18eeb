package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.common.Validation;

import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.clusterSelector) || !has(self.placementRef)",
    message = "set clusterSelector or placementRef, not both")
public class BackupPolicySpec {
  @JsonPropertyDescription("Which ManagementClusters the policy applies to, by their labels; empty (and no"
      + " placementRef) selects all.")
  public LabelSelector clusterSelector;

  @JsonPropertyDescription("Instead of clusterSelector: the ManagementClusters an OCM Placement's decisions name"
      + " (needs the hub-manager in OCM mode). A cluster the policy placed backups on stays selected while its"
      + " ManagedCluster is tainted unreachable or unavailable, even if the Placement drops it.")
  public PlacementRef placementRef;

  @JsonPropertyDescription("Which HostedClusters on the selected clusters the policy backs up; empty selects all. A"
      + " hosted cluster selected by several active policies is backed up by the one whose name sorts first; the"
      + " others report Overlapping.")
  public HostedClusterSelector hostedClusterSelector;

  @Required
  @JsonPropertyDescription("Cron expression: five fields (minute hour day-of-month month day-of-week), or six with"
      + " seconds first.")
  public String schedule;

  @JsonPropertyDescription("IANA time zone the schedule is read in; default UTC.")
  public String timeZone;

  @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("Name of the BackupStore.")
  public String store;

  @JsonPropertyDescription("Which of the backups this policy scheduled are deleted (record and objects), per hosted"
      + " cluster. Absent: none. The newest Completed backup of a hosted cluster is never deleted.")
  public Retention retention;

  public Encryption encryption;

  @Pattern(Validation.DURATION)
  @JsonPropertyDescription("Upper bound on how long a hosted cluster stays paused for a backup (agent default 10m);"
      + " also the grace the RPO check allows a scheduled backup to complete.")
  public String maxPauseWindow;

  public Boolean quiesceAPIServers;

  @JsonPropertyDescription("Take no new backups (retention still applies, as for a suspended CronJob's history).")
  public Boolean suspend;

  @JsonPropertyDescription("Restore drills: which of the backups this policy scheduled the agent test-restores (the"
      + " snapshot restored into a scratch etcd on loopback, its revision, key count and hash compared with the"
      + " manifest), and how old the newest drilled backup may grow. Absent: no drills.")
  public Verification verification;

  @JsonIgnore
  public boolean isSuspended() { return Boolean.TRUE.equals(suspend); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HostedClusterSelector {
    @JsonPropertyDescription("HostedCluster namespaces on the management cluster; empty means every namespace.")
    public List<String> namespaces;
    @JsonPropertyDescription("Labels of the HostedCluster, as the agent reports them.")
    public LabelSelector labelSelector;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Retention {
    @Min(1)
    @JsonPropertyDescription("Keep at most this many Completed backups per hosted cluster; older ones are deleted.")
    public Integer keepLast;
    @Pattern(Validation.DURATION)
    @JsonPropertyDescription("Delete Completed backups older than this (and Failed ones older than it or than the"
        + " newest Completed backup), except the newest Completed backup.")
    public String maxAge;
  }

  /** Restore drills (docs/backup-and-restore.md, "Restore drills"): exactly one of everyNth and schedule. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Verification {
    @Min(1)
    @JsonPropertyDescription("Drill every Nth Completed backup the policy scheduled, per hosted cluster: the newest when"
        + " none is drilled yet, then each Nth after a drilled one (1: every backup).")
    public Integer everyNth;
    @JsonPropertyDescription("Or drill on this cron schedule (read in spec.timeZone): at each time, the newest Completed"
        + " backup of each hosted cluster, unless one was drilled since.")
    public String schedule;
    @Pattern(Validation.DURATION)
    @JsonPropertyDescription("The age the newest backup whose drill passed may reach before the hosted cluster is"
        + " outside its verified RPO. Default: what the drill cadence allows (see status.verifiedRpoTarget).")
    public String maxVerifiedAge;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Encryption {
    @JsonPropertyDescription("Refuse to schedule backups to a BackupStore whose encryption type is None (the store's"
        + " encryption settings are what the agent applies).")
    public Boolean required;
  }
}
