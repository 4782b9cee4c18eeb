package io.flotilla.api.foreign.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/**
 * cluster-api-provider-agent's AgentMachine. Deleting it unbinds its Agent unless it carries
 * {@code cluster.x-k8s.io/paused} (docs/hypershift-facts.md §3.1).
 */
@Group(AgentMachine.GROUP)
@Version(AgentMachine.VERSION)
public class AgentMachine extends CustomResource<Void, AgentMachine.Status> implements Namespaced {
  public static final String GROUP = "capi-provider.agent-install.openshift.io";
  public static final String VERSION = "v1beta1";
  public static final String DEPROVISION_FINALIZER = "agentmachine.agent-install.openshift.io/deprovision";

  @Override
  protected Status initStatus() { return new Status(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public AgentRef agentRef;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AgentRef {
    public String namespace;
    public String name;
  }
}
