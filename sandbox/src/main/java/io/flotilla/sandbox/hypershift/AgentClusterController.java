package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * cluster-api-provider-agent's AgentCluster controller (docs/hypershift-facts.md §3.1), part of the
 * {@value AgentPlatform#CAPI_PROVIDER} Deployment like the AgentMachine controller. A paused AgentCluster
 * ({@code cluster.x-k8s.io/paused} on the object itself, never {@code Cluster.spec.paused}) orphans its
 * ClusterDeployment; an unpaused one (re-)adopts it by the {@code agentClusterRef} label.
 */
final class AgentClusterController {
  private static final Logger LOG = LoggerFactory.getLogger(AgentClusterController.class);

  private final String managementCluster;
  private final KubernetesClient client;

  AgentClusterController(String managementCluster, KubernetesClient client) {
    this.managementCluster = managementCluster;
    this.client = client;
  }

  /** A paused AgentCluster orphans its ClusterDeployment; an unpaused one creates or re-adopts it (§3.1). */
  boolean reconcile(String ns) {
    boolean progressed = false;
    for (AgentCluster ac : Kube.list(client, AgentCluster.class, ns)) {
      boolean paused = Kube.hasAnnotation(ac, Cluster.PAUSED_ANNOTATION);
      Optional<ClusterDeployment> cd = clusterDeploymentOf(ac);
      String uid = ac.getMetadata().getUid();
      if (paused) {
        if (cd.isPresent() && Kube.ownedBy(cd.get(), uid)) {
          LOG.info("{}: AgentCluster {}/{} is paused: orphaning ClusterDeployment {}", managementCluster, ns,
              ac.getMetadata().getName(), cd.get().getMetadata().getName());
          Kube.removeOwnerReference(client, cd.get(), uid);
          progressed = true;
        }
        if (Kube.isDeleting(ac) && Kube.hasFinalizer(ac, AgentCluster.DEPROVISION_FINALIZER)) {
          Kube.removeFinalizer(client, ac, AgentCluster.DEPROVISION_FINALIZER);
          progressed = true;
        }
        continue;
      }
      if (Kube.isDeleting(ac)) {
        if (Kube.hasFinalizer(ac, AgentCluster.DEPROVISION_FINALIZER)) {
          cd.filter(d -> !Kube.isDeleting(d)).ifPresent(d -> Kube.delete(client, d));
          Kube.removeFinalizer(client, ac, AgentCluster.DEPROVISION_FINALIZER);
          progressed = true;
        }
        continue;
      }
      if (cd.isEmpty()) {
        createClusterDeployment(ac);
        progressed = true;
      } else if (!Kube.ownedBy(cd.get(), uid) && !Kube.isDeleting(cd.get())) {
        LOG.info("{}: AgentCluster {}/{} re-adopts ClusterDeployment {}", managementCluster, ns,
            ac.getMetadata().getName(), cd.get().getMetadata().getName());
        Kube.addOwnerReference(client, cd.get(), ac);
        progressed = true;
      }
    }
    return progressed;
  }

  /** findOrCreateClusterDeployment: by the agentClusterRef label first, then by the name the AgentCluster gives. */
  private Optional<ClusterDeployment> clusterDeploymentOf(AgentCluster ac) {
    String ns = ac.getMetadata().getNamespace();
    List<ClusterDeployment> all = Kube.list(client, ClusterDeployment.class, ns);
    Optional<ClusterDeployment> byLabel = all.stream()
        .filter(cd -> ac.getMetadata().getName().equals(Kube.label(cd, AgentCluster.CLUSTER_DEPLOYMENT_REF_LABEL)))
        .findFirst();
    if (byLabel.isPresent()) {
      return byLabel;
    }
    String name = ac.getSpec() == null || ac.getSpec().clusterDeploymentRef == null ? null
        : ac.getSpec().clusterDeploymentRef.name;
    return all.stream().filter(cd -> cd.getMetadata().getName().equals(name)).findFirst();
  }

  private void createClusterDeployment(AgentCluster ac) {
    String ns = ac.getMetadata().getNamespace();
    String name = ac.getSpec() != null && ac.getSpec().clusterDeploymentRef != null
        && ac.getSpec().clusterDeploymentRef.name != null ? ac.getSpec().clusterDeploymentRef.name : ac.getMetadata().getName();
    ClusterDeployment cd = new ClusterDeployment();
    cd.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToLabels(AgentCluster.CLUSTER_DEPLOYMENT_REF_LABEL, ac.getMetadata().getName())
        .addToFinalizers(ClusterDeployment.AI_DEPROVISION_FINALIZER)
        .withOwnerReferences(Kube.ownerReference(ac)).build());
    cd.getSpec().clusterName = name;
    cd.getSpec().baseDomain = "sandbox.flotilla.local";
    client.resource(cd).create();
  }
}
