package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.common.Validation;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "HostedClusterBackup spec is immutable")
public class HostedClusterBackupSpec {
  @Required
  public NamespacedName hostedCluster;

  @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("Name of the BackupStore to write to.")
  public String store;

  @JsonPropertyDescription("Name of the BackupPolicy that created this backup, if any.")
  public String policy;

  @Pattern(Validation.DURATION)
  @JsonPropertyDescription("Upper bound on how long the hosted cluster stays paused; pausedUntil is set to now plus this.")
  public String maxPauseWindow;

  @JsonPropertyDescription("Scale kube-apiserver, openshift-apiserver and openshift-oauth-apiserver to zero during the snapshot.")
  public Boolean quiesceAPIServers;
}
