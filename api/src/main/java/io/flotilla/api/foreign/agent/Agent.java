package io.flotilla.api.foreign.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/**
 * assisted-service's Agent: a host. Bound while {@code spec.clusterDeploymentName} is set; unbinding reboots it into
 * discovery, which is what a migration must never do (docs/hypershift-facts.md §3).
 */
@Group(Agent.GROUP)
@Version(Agent.VERSION)
public class Agent extends CustomResource<Agent.Spec, Agent.Status> implements Namespaced {
  public static final String GROUP = "agent-install.openshift.io";
  public static final String VERSION = "v1beta1";
  /** Skips removal of the Node, Machine and BMH in the spoke after unbinding (docs/hypershift-facts.md §3.3). */
  public static final String SKIP_SPOKE_CLEANUP = "agent.agent-install.openshift.io/skip-spoke-cleanup";
  /** Label naming the AgentMachine the Agent is bound to. */
  public static final String AGENT_MACHINE_REF_LABEL = "agentMachineRef";
  /** {@code status.debugInfo.state} of a host installed into a cluster (bound). */
  public static final String STATE_ADDED_TO_EXISTING_CLUSTER = "added-to-existing-cluster";
  /** {@code status.debugInfo.state} of a discovered host, ready to be bound to a cluster. */
  public static final String STATE_KNOWN_UNBOUND = "known-unbound";
  /** {@code status.debugInfo.state} of a host that was unbound and rebooted into discovery. */
  public static final String STATE_DISCOVERING_UNBOUND = "discovering-unbound";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @Override
  protected Status initStatus() { return new Status(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public ClusterDeploymentName clusterDeploymentName;
    public String hostname;
    public Boolean approved;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClusterDeploymentName {
    public String name;
    public String namespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public DebugInfo debugInfo;
    public Inventory inventory;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Inventory extends Unmodelled {
    public SystemVendor systemVendor;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SystemVendor extends Unmodelled {
    public String manufacturer;
    public String productName;
    public String serialNumber;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DebugInfo {
    /** e.g. added-to-existing-cluster (bound), discovering-unbound, known-unbound. */
    public String state;
  }
}
