package io.flotilla.sandbox.hypershift;

import io.flotilla.api.common.NamespacedName;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control planes running on one management cluster, by HostedCluster, and the HostedCluster of each control-plane
 * namespace, so that events in the namespace wake its HostedCluster and NodePools. Shared by the simulated controllers
 * and read by other threads (etcd lookups), hence concurrent.
 */
final class ControlPlanes {
  private final Map<String, ControlPlane> byHostedCluster = new ConcurrentHashMap<>();
  /** Control-plane namespace → HostedCluster key. */
  private final Map<String, String> hostedClusterByControlPlaneNamespace = new ConcurrentHashMap<>();

  ControlPlane get(String namespace, String name) { return byHostedCluster.get(key(namespace, name)); }

  void put(ControlPlane cp) { byHostedCluster.put(key(cp.namespace, cp.name), cp); }

  ControlPlane remove(String namespace, String name) { return byHostedCluster.remove(key(namespace, name)); }

  Collection<ControlPlane> all() { return byHostedCluster.values(); }

  /** Whether a running control plane lives in this namespace. */
  boolean inUse(String controlPlaneNamespace) {
    return byHostedCluster.values().stream().anyMatch(cp -> cp.controlPlaneNamespace.equals(controlPlaneNamespace));
  }

  /** Remembers that the HostedCluster {@code namespace/name} has its control plane in {@code controlPlaneNamespace}. */
  void index(String controlPlaneNamespace, String namespace, String name) {
    hostedClusterByControlPlaneNamespace.put(controlPlaneNamespace, key(namespace, name));
  }

  /** The HostedCluster whose control-plane namespace this is, if it is known here. */
  Optional<NamespacedName> hostedClusterOf(String controlPlaneNamespace) {
    String hcKey = hostedClusterByControlPlaneNamespace.get(controlPlaneNamespace);
    if (hcKey == null) {
      return Optional.empty();
    }
    int slash = hcKey.indexOf('/');
    return Optional.of(new NamespacedName(hcKey.substring(0, slash), hcKey.substring(slash + 1)));
  }

  /** Forgets a deleted control-plane namespace unless its HostedCluster has a control plane again. */
  void forget(String controlPlaneNamespace) {
    String hcKey = hostedClusterByControlPlaneNamespace.get(controlPlaneNamespace);
    if (hcKey != null && byHostedCluster.get(hcKey) == null) {
      hostedClusterByControlPlaneNamespace.remove(controlPlaneNamespace);
    }
  }

  /** The control-plane namespaces known here. */
  Set<String> controlPlaneNamespaces() { return hostedClusterByControlPlaneNamespace.keySet(); }

  static String key(String namespace, String name) { return namespace + "/" + name; }
}
