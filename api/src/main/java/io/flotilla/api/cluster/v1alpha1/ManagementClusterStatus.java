package io.flotilla.api.cluster.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagementClusterStatus {
  public Long observedGeneration;
  public List<Condition> conditions = new ArrayList<>();
  @JsonPropertyDescription("Version of the spoke-agent, as the agent reports it.")
  public String agentVersion;
  @JsonPropertyDescription("The last time the agent renewed its heartbeat Lease (RFC 3339).")
  public String lastHeartbeatTime;
  @JsonPropertyDescription("Number of HostedClusters on this management cluster, as the agent reports it.")
  public Integer hostedClusters;
  @JsonPropertyDescription("Namespace/name of every HostedCluster the agent reported, so fail-over knows what was there.")
  public List<String> hostedClusterNames;
  @JsonPropertyDescription("Labels of each reported HostedCluster that has any, keyed by namespace/name, so the hub can evaluate BackupPolicy hosted-cluster selectors.")
  public Map<String, Map<String, String>> hostedClusterLabels;
  @JsonPropertyDescription("Completion time of the newest Completed backup taken on this cluster (RFC 3339).")
  public String lastBackupTime;
}
