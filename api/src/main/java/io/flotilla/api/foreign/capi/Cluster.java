package io.flotilla.api.foreign.capi;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/** Cluster API's Cluster (cluster.x-k8s.io/v1beta1), named after the infraID, in the control-plane namespace. */
@Group(Cluster.GROUP)
@Version(Cluster.VERSION)
public class Cluster extends CustomResource<Cluster.Spec, Void> implements Namespaced {
  public static final String GROUP = "cluster.x-k8s.io";
  public static final String VERSION = "v1beta1";
  /** Annotation that pauses a CAPI object's controller (docs/hypershift-facts.md §1.3, §3.1). */
  public static final String PAUSED_ANNOTATION = "cluster.x-k8s.io/paused";
  /** The CAPI cluster controller's finalizer; the §1.5 teardown strips it (docs/hypershift-facts.md §1.5 step 5). */
  public static final String FINALIZER = "cluster.cluster.x-k8s.io";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public Boolean paused;
    /** The infrastructure cluster: an AgentCluster on the Agent platform. */
    public ObjectReference infrastructureRef;
  }
}
