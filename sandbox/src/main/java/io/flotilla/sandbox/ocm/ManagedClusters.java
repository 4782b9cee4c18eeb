package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What a {@link Klusterlet} sees of the two kinds of managed cluster the sandbox has. */
final class ManagedClusters {
  private ManagedClusters() {}

  static DesiredCondition available() {
    return new DesiredCondition(ManagedCluster.AVAILABLE, Conditions.TRUE, Ocm.REASON_AVAILABLE,
        "Managed cluster is available");
  }

  static DesiredCondition unavailable(String why) {
    return new DesiredCondition(ManagedCluster.AVAILABLE, Conditions.FALSE, Ocm.REASON_KUBE_API_SERVER_UNAVAILABLE,
        "The kube-apiserver is not ok, " + why);
  }

  /**
   * A management cluster: its API server's {@code /livez} (then {@code /healthz} when that is 404 or 403) answers 200,
   * and its ClusterClaims. OCM waits 20 s of failures before it says False; the sandbox says it at once.
   *
   * @param client a client of that cluster that does not retry (a 503 must be seen, not retried for seconds)
   */
  record Spoke(KubernetesClient client) implements Klusterlet.Cluster {
    @Override
    public DesiredCondition available() {
      int code = get("livez");
      if (code == 404 || code == 403) {
        code = get("healthz");
      }
      return code == 200 ? ManagedClusters.available() : unavailable("status code: " + code);
    }

    @Override
    public List<ClusterClaim> claims() {
      return client.resources(ClusterClaim.class).list().getItems();
    }

    private int get(String path) {
      var http = client.getHttpClient();
      String base = client.getConfiguration().getMasterUrl();
      try {
        HttpResponse<String> response = http.sendAsync(http.newHttpRequestBuilder()
            .uri(base + (base.endsWith("/") ? "" : "/") + path).build(), String.class).get(10, TimeUnit.SECONDS);
        return response.code();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      } catch (Exception e) {
        return 0; // no answer
      }
    }
  }

  /**
   * A hosted cluster, as its Hosted-mode klusterlet on the management cluster sees it: its API server answers while
   * the HostedCluster's control plane is available (the sandbox runs no hosted API server), and it has the claim the
   * hypershift-addon creates inside every hosted cluster it imports, {@code hostedcluster.hypershift.openshift.io=true}
   * (docs/ocm-facts.md §I2.6).
   *
   * @param managementCluster the client of the management cluster hosting it
   * @param managedClusterName the ManagedCluster's name: the HostedCluster's, or its managedcluster-name annotation
   */
  record HostedControlPlane(KubernetesClient managementCluster, String managedClusterName) implements Klusterlet.Cluster {
    @Override
    public DesiredCondition available() {
      try {
        return hostedCluster().filter(HostedClusterImports::controlPlaneAvailable).map(hc -> ManagedClusters.available())
            .orElseGet(() -> unavailable("the hosted control plane is not available"));
      } catch (KubernetesClientException e) {
        return unavailable("the management cluster does not answer: " + e.getCode());
      }
    }

    @Override
    public List<ClusterClaim> claims() {
      ClusterClaim claim = new ClusterClaim();
      claim.setMetadata(new ObjectMetaBuilder().withName(ClusterClaim.HOSTED_CLUSTER)
          .withLabels(Map.of(Ocm.EXCLUDE_FROM_BACKUP_LABEL, "true")).build());
      claim.getSpec().value = "true";
      return List.of(claim);
    }

    /** The HostedCluster this ManagedCluster stands for, on the management cluster. */
    Optional<HostedCluster> hostedCluster() {
      return managementCluster.resources(HostedCluster.class).inAnyNamespace().list().getItems().stream()
          .filter(hc -> managedClusterName.equals(HostedClusterImports.managedClusterName(hc, hc.getMetadata().getName())))
          .findFirst();
    }
  }
}
