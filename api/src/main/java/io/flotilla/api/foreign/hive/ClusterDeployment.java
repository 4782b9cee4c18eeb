package io.flotilla.api.foreign.hive;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

/** Hive's ClusterDeployment; {@code preserveOnDelete} keeps its hosts from being deprovisioned (docs/hypershift-facts.md §3.3). */
@Group("hive.openshift.io")
@Version("v1")
public class ClusterDeployment extends CustomResource<ClusterDeployment.Spec, Void> implements Namespaced {
  /**
   * assisted-service's finalizer: on deletion the Agents bound to the ClusterDeployment are unbound (returned to the
   * InfraEnv) unless {@code spec.preserveOnDelete} is true (docs/hypershift-facts.md §3.3).
   */
  public static final String AI_DEPROVISION_FINALIZER = "clusterdeployments.agent-install.openshift.io/ai-deprovision";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public String clusterName;
    public String baseDomain;
    public Boolean preserveOnDelete;
  }
}
