package io.flotilla.api.foreign.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/**
 * cluster-api-provider-agent's AgentCluster. When paused it orphans its ClusterDeployment instead of deleting it
 * (docs/hypershift-facts.md §3.1).
 */
@Group(AgentMachine.GROUP)
@Version(AgentMachine.VERSION)
public class AgentCluster extends CustomResource<AgentCluster.Spec, Void> implements Namespaced {
  /** Label the orphaned ClusterDeployment keeps so a re-created AgentCluster re-adopts it. */
  public static final String CLUSTER_DEPLOYMENT_REF_LABEL = "agentClusterRef";
  /** cluster-api-provider-agent's finalizer on AgentCluster (docs/hypershift-facts.md §3.1). */
  /** The Agent provider builds it as "agentcluster" + its API group + "/deprovision", no dot between (docs/hypershift-facts.md §3.1). */
  public static final String DEPROVISION_FINALIZER = "agentclustercapi-provider.agent-install.openshift.io/deprovision";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public ClusterDeploymentRef clusterDeploymentRef;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClusterDeploymentRef {
    public String name;
    public String namespace;
  }
}
