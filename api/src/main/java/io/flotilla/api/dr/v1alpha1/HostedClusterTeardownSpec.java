package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "HostedClusterTeardown spec is immutable")
public class HostedClusterTeardownSpec {
  @Required
  public NamespacedName hostedCluster;

  @Required
  @JsonPropertyDescription("Migrated: the source after the point of no return. RolledBack: the destination copy of a migration that rolled back.")
  public Purpose purpose;

  @JsonPropertyDescription("Tear down only a HostedCluster this HostedClusterRestore (namespace/name on the hub) created, as its annotation dr.flotilla.io/restored-by says; any other HostedCluster of that name is left alone. A rollback sets it so it never removes a cluster it did not create.")
  public NamespacedName restoredBy;

  public enum Purpose { Migrated, RolledBack }
}
