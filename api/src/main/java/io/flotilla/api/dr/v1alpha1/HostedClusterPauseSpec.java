package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterPauseSpec {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "hostedCluster is immutable")
  public NamespacedName hostedCluster;

  @JsonPropertyDescription("Scale kube-apiserver, openshift-apiserver and openshift-oauth-apiserver to 0 while held, so nothing writes to etcd (default true).")
  public Boolean quiesceAPIServers;

  @JsonPropertyDescription("Also pause the CAPI Cluster (spec.paused) and annotate AgentMachines and the AgentCluster with cluster.x-k8s.io/paused: pausing the HostedCluster does not propagate to them (docs/hypershift-facts.md §3.1). Default true.")
  public Boolean pauseWorkers;

  @JsonPropertyDescription("Set to true to release the hold: every recorded value is put back.")
  @ValidationRule(value = "oldSelf == false || self == true", message = "a released hold cannot be taken again; create a new HostedClusterPause")
  public Boolean release;

  public boolean quiesce() { return !Boolean.FALSE.equals(quiesceAPIServers); }

  public boolean pausesWorkers() { return !Boolean.FALSE.equals(pauseWorkers); }

  public boolean released() { return Boolean.TRUE.equals(release); }
}
