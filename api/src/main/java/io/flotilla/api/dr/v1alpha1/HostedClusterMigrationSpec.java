package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.common.Validation;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.source.cluster != self.destination.cluster", message = "source and destination must differ")
public class HostedClusterMigrationSpec {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "hostedCluster is immutable")
  public NamespacedName hostedCluster;

  @Required
  public Source source;

  @Required
  public Destination destination;

  @Default("Manual")
  @JsonPropertyDescription("Manual waits for an operator after a failure; AutoRollback rolls back by itself (before the point of no return).")
  public FailurePolicy failurePolicy = FailurePolicy.Manual;

  @JsonPropertyDescription("Set to true to roll back; refused after the point of no return.")
  public Boolean rollback;

  @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("BackupStore the source is backed up to and the destination restores from. Default: the "
      + "BackupStore named \"default\", else the only BackupStore.")
  public String store;

  public enum FailurePolicy { Manual, AutoRollback }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Source {
    @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
    public String cluster;
    @JsonPropertyDescription("The source is lost: skip its steps and restore from the newest Completed backup.")
    public Boolean lost;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Destination {
    @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
    public String cluster;
    @JsonPropertyDescription("false: the destination's restore creates the hosted cluster paused and waits (restore phase Paused) for flotilla restore resume, so a fail-over from a cluster that may still run (partitioned) starts no second live control plane before the source is fenced (docs/runbooks/failover.md). Default true.")
    public Boolean resume;
  }
}
