package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ClusterClaim;

import java.util.Map;
import java.util.Objects;

/**
 * The hypershift-addon agent's ClusterClaims on its management cluster (docs/ocm-facts.md §I2.6, §I6.3): created at
 * the agent's start and updated whenever the number of HostedClusters changes, each labelled
 * {@code velero.io/exclude-from-backup=true}; an existing claim gets only its value updated. The klusterlet then
 * reports them in the ManagedCluster's status. Thin: the values are {@link HostingClaims}'.
 */
final class HostingClusterClaims {
  private final KubernetesClient managementCluster;
  private final int max;
  private final int threshold;

  HostingClusterClaims(KubernetesClient managementCluster) {
    this(managementCluster, HostingClaims.DEFAULT_MAX_HOSTED_CLUSTERS, HostingClaims.DEFAULT_THRESHOLD_HOSTED_CLUSTERS);
  }

  HostingClusterClaims(KubernetesClient managementCluster, int max, int threshold) {
    this.managementCluster = managementCluster;
    this.max = max;
    this.threshold = threshold;
  }

  synchronized void sync() {
    int hostedClusters = managementCluster.resources(HostedCluster.class).inAnyNamespace().list().getItems().size();
    for (Map.Entry<String, String> claim : HostingClaims.of(hostedClusters, max, threshold).entrySet()) {
      createOrUpdate(claim.getKey(), claim.getValue());
    }
  }

  private void createOrUpdate(String name, String value) {
    ClusterClaim current = managementCluster.resources(ClusterClaim.class).withName(name).get();
    try {
      if (current == null) {
        ClusterClaim claim = new ClusterClaim();
        claim.setMetadata(new ObjectMetaBuilder().withName(name)
            .withLabels(Map.of(Ocm.EXCLUDE_FROM_BACKUP_LABEL, "true")).build());
        claim.getSpec().value = value;
        managementCluster.resource(claim).create();
      } else if (current.getSpec() == null || !Objects.equals(current.getSpec().value, value)) {
        if (current.getSpec() == null) {
          current.setSpec(new ClusterClaim.Spec());
        }
        current.getSpec().value = value;
        managementCluster.resource(current).update();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // raced with another write: the HostedCluster event that follows brings the next pass
    }
  }
}
