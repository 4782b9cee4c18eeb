package io.flotilla.api.foreign.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.ArrayList;
import java.util.List;

/** HyperShift's NodePool (hypershift.openshift.io/v1beta1), the fields Flotilla reads or writes. */
@Group(HostedCluster.GROUP)
@Version(HostedCluster.VERSION)
@ShortNames({"np", "nps"})
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterName")
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".spec.pausedUntil")
public class NodePool extends CustomResource<NodePool.Spec, NodePool.Status> implements Namespaced {
  @Override
  protected Spec initSpec() { return new Spec(); }

  @Override
  protected Status initStatus() { return new Status(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public String clusterName;
    public Integer replicas;
    public String pausedUntil;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public Integer replicas;
    public List<Condition> conditions = new ArrayList<>();
  }
}
