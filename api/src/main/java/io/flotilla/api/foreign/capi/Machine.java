package io.flotilla.api.foreign.capi;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/** Cluster API's Machine: one worker of a NodePool, backed by an AgentMachine on the Agent platform. */
@Group(Cluster.GROUP)
@Version(Cluster.VERSION)
public class Machine extends CustomResource<Machine.Spec, Void> implements Namespaced {
  /** Label CAPI puts on a Machine with its Cluster's name. */
  public static final String CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
  /** Label HyperShift puts on a Machine with the NodePool that owns it. */
  public static final String NODE_POOL_LABEL = "hypershift.openshift.io/nodePool";
  /** The CAPI machine controller's finalizer; the §1.5 teardown strips it (docs/hypershift-facts.md §1.5 step 4). */
  public static final String FINALIZER = "machine.cluster.x-k8s.io";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public String clusterName;
    public ObjectReference infrastructureRef;
  }
}
