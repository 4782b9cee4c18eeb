package io.flotilla.api.cluster.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagementClusterSpec {
  @JsonPropertyDescription("An operator declares the cluster lost; fail-over may then restore its hosted clusters elsewhere.")
  public Boolean lost;

  @JsonPropertyDescription("How often the agent renews its heartbeat Lease, in seconds. The hub marks the cluster "
      + "Unknown after five missed heartbeats unless the hub-manager is configured otherwise.")
  @Min(1)
  public Integer leaseDurationSeconds;

  public boolean isLost() { return Boolean.TRUE.equals(lost); }
}
