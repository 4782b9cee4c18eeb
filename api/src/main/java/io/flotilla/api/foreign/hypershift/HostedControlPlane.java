package io.flotilla.api.foreign.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.ArrayList;
import java.util.List;

/** HyperShift's HostedControlPlane, in the control-plane namespace (docs/hypershift-facts.md §1.3, §1.4). */
@Group(HostedCluster.GROUP)
@Version(HostedCluster.VERSION)
@ShortNames({"hcp", "hcps"})
public class HostedControlPlane extends CustomResource<HostedControlPlane.Spec, HostedControlPlane.Status>
    implements Namespaced {
  @Override
  protected Spec initSpec() { return new Spec(); }

  @Override
  protected Status initStatus() { return new Status(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public String pausedUntil;
    public HostedCluster.Etcd etcd;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions = new ArrayList<>();
  }
}
