package io.flotilla.sandbox.ocm;

import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of a cluster's ClusterClaims its klusterlet copies into ManagedCluster status.clusterClaims, in which order
 * (docs/ocm-facts.md §I2.3): claims labelled {@code open-cluster-management.io/spoke-only} stay on the spoke; reserved
 * claims (the four reserved names, or a name ending in a reserved suffix) always go, sorted by name; then the custom
 * claims, sorted by name and cut at {@code maxCustomClaims} (20 by default).
 */
final class ExposedClaims {
  /** api/cluster/v1alpha1 ReservedClusterClaimNames (docs/ocm-facts.md §I2.3). */
  static final Set<String> RESERVED_NAMES = Set.of("id.k8s.io", "kubeversion.open-cluster-management.io",
      "platform.open-cluster-management.io", "product.open-cluster-management.io");
  /** {@code --max-custom-cluster-claims}' default. */
  static final int DEFAULT_MAX_CUSTOM_CLAIMS = 20;

  /** @param truncated how many custom claims were dropped (OCM records event CustomClusterClaimsTruncated) */
  record Result(List<ManagedCluster.ClusterClaimValue> claims, int truncated) {}

  private ExposedClaims() {}

  static Result of(List<ClusterClaim> claims, int maxCustomClaims, Set<String> reservedSuffixes) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (ClusterClaim claim : claims) {
      var labels = claim.getMetadata().getLabels();
      if (labels != null && labels.containsKey(ClusterClaim.SPOKE_ONLY_LABEL)) {
        continue;
      }
      byName.putIfAbsent(claim.getMetadata().getName(), claim.getSpec() == null ? null : claim.getSpec().value);
    }
    List<ManagedCluster.ClusterClaimValue> reserved = new ArrayList<>();
    List<ManagedCluster.ClusterClaimValue> custom = new ArrayList<>();
    byName.forEach((name, value) -> (isReserved(name, reservedSuffixes) ? reserved : custom).add(value(name, value)));
    Comparator<ManagedCluster.ClusterClaimValue> byClaimName = Comparator.comparing(c -> c.name);
    reserved.sort(byClaimName);
    custom.sort(byClaimName);
    int truncated = Math.max(0, custom.size() - maxCustomClaims);
    List<ManagedCluster.ClusterClaimValue> exposed = new ArrayList<>(reserved);
    exposed.addAll(custom.subList(0, custom.size() - truncated));
    return new Result(exposed, truncated);
  }

  private static boolean isReserved(String name, Set<String> suffixes) {
    return RESERVED_NAMES.contains(name) || suffixes.stream().anyMatch(name::endsWith);
  }

  private static ManagedCluster.ClusterClaimValue value(String name, String value) {
    ManagedCluster.ClusterClaimValue v = new ManagedCluster.ClusterClaimValue();
    v.name = name;
    v.value = value;
    return v;
  }
}
