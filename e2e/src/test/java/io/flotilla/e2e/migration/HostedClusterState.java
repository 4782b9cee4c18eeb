package io.flotilla.e2e.migration;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;

import java.util.Map;
import java.util.TreeMap;

/**
 * What "the source resumed exactly as it was" compares: pausedUntil of the HostedCluster and its NodePools, replica
 * counts of every Deployment in the control-plane namespace, the CAPI Cluster's spec.paused and the paused annotation
 * of every AgentMachine and AgentCluster. Absent values are recorded as "<absent>".
 */
public record HostedClusterState(Map<String, String> values) {
  static final String ABSENT = "<absent>";

  public static HostedClusterState read(KubernetesClient spoke, String namespace, String name) {
    Map<String, String> v = new TreeMap<>();
    HostedCluster hc = spoke.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    if (hc == null) {
      v.put("HostedCluster", ABSENT);
      return new HostedClusterState(v);
    }
    v.put("HostedCluster pausedUntil", or(hc.getSpec().pausedUntil));
    for (NodePool np : spoke.resources(NodePool.class).inNamespace(namespace).list().getItems()) {
      if (np.getSpec() != null && name.equals(np.getSpec().clusterName)) {
        v.put("NodePool " + np.getMetadata().getName() + " pausedUntil", or(np.getSpec().pausedUntil));
      }
    }
    String cp = HostedCluster.controlPlaneNamespace(namespace, name);
    for (Deployment d : spoke.apps().deployments().inNamespace(cp).list().getItems()) {
      v.put("Deployment " + d.getMetadata().getName() + " replicas", String.valueOf(d.getSpec().getReplicas()));
    }
    for (Cluster c : spoke.resources(Cluster.class).inNamespace(cp).list().getItems()) {
      v.put("Cluster " + c.getMetadata().getName() + " paused", or(c.getSpec() == null || c.getSpec().paused == null
          ? null : String.valueOf(c.getSpec().paused)));
    }
    for (AgentMachine am : spoke.resources(AgentMachine.class).inNamespace(cp).list().getItems()) {
      v.put("AgentMachine " + am.getMetadata().getName() + " paused", or(annotation(am.getMetadata().getAnnotations())));
    }
    for (AgentCluster ac : spoke.resources(AgentCluster.class).inNamespace(cp).list().getItems()) {
      v.put("AgentCluster " + ac.getMetadata().getName() + " paused", or(annotation(ac.getMetadata().getAnnotations())));
    }
    return new HostedClusterState(v);
  }

  private static String annotation(Map<String, String> annotations) {
    return annotations == null ? null : annotations.get(Cluster.PAUSED_ANNOTATION);
  }

  private static String or(String value) {
    return value == null ? ABSENT : value;
  }
}
