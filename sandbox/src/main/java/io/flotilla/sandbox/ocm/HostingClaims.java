package io.flotilla.sandbox.ocm;

import io.flotilla.api.foreign.ocm.ClusterClaim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ClusterClaims the hypershift-addon's agent keeps on a management cluster (docs/ocm-facts.md §I2.6, §I6.3):
 * {@code hostingcluster.hypershift.openshift.io=true}, and three from the number of HostedClusters on it (every one,
 * those being deleted included): {@code full…} when it is at least {@code HC_MAX_NUMBER} (80), {@code above.threshold…}
 * at least {@code HC_THRESHOLD_NUMBER} (60), {@code zero…} when there are none.
 */
final class HostingClaims {
  static final int DEFAULT_MAX_HOSTED_CLUSTERS = 80;
  static final int DEFAULT_THRESHOLD_HOSTED_CLUSTERS = 60;

  private HostingClaims() {}

  /** Claim name to value, in the order the agent writes them. */
  static Map<String, String> of(int hostedClusters, int max, int threshold) {
    Map<String, String> claims = new LinkedHashMap<>();
    claims.put(ClusterClaim.HOSTING_CLUSTER, "true");
    claims.put(ClusterClaim.FULL_HOSTED_CLUSTER_COUNT, Boolean.toString(hostedClusters >= max));
    claims.put(Ocm.ABOVE_THRESHOLD_HOSTED_CLUSTER_COUNT, Boolean.toString(hostedClusters >= threshold));
    claims.put(ClusterClaim.ZERO_HOSTED_CLUSTER_COUNT, Boolean.toString(hostedClusters == 0));
    return claims;
  }
}
