package io.flotilla.api.dr.v1alpha1;

import io.flotilla.api.common.Validation;
import io.fabric8.generator.annotation.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.backup) != (has(self.hostedCluster) && has(self.latest) && self.latest)",
    message = "set either backup, or hostedCluster with latest: true")
@ValidationRule(value = "self == oldSelf", message = "HostedClusterRestore spec is immutable")
public class HostedClusterRestoreSpec {
  @JsonPropertyDescription("The HostedClusterBackup to restore (namespace = the cluster it was taken on).")
  public NamespacedName backup;

  @JsonPropertyDescription("With latest: true, restore the newest Completed backup of this hosted cluster.")
  public NamespacedName hostedCluster;

  public Boolean latest;

  @Pattern(Validation.DNS1123_LABEL)
  @JsonPropertyDescription("The management cluster whose folder in the bucket the backup comes from (the cluster it was taken on). With latest: true it is required when backups of this hosted cluster exist under more than one cluster: hosted-cluster names are unique per management cluster only, so clusters/dev on two clusters are two different clusters.")
  public String sourceCluster;

  @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("BackupStore holding the backup. The agent finds the backup in the bucket, so a backup taken on another cluster restores here without reading that cluster's namespace.")
  public String store;

  @JsonPropertyDescription("false: create the HostedCluster paused (spec.pausedUntil \"true\") and stop there (phase Paused), so no control plane starts until the source is fenced; then annotate the restore dr.flotilla.io/resume-requested (flotilla restore resume) and the restore continues: etcd restored, NodePools, Available, verified. Default true.")
  public Boolean resume;
}
