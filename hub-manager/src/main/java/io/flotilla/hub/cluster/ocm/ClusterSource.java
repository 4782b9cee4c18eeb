package io.flotilla.hub.cluster.ocm;

import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.ocm.ManagedCluster;

import java.util.Locale;

/**
 * Where the hub-manager's ManagementClusters come from (--cluster-source):
 * <ul>
 *   <li>{@link #STANDALONE}: only from {@code flotilla cluster add}, for hubs without OCM;</li>
 *   <li>{@link #OCM}: also from OCM's ManagedClusters (ManagedClusterReconciler), with availability combined with OCM's
 *       and placementRefs read; ManagementClusters made by {@code cluster add} keep working;</li>
 *   <li>{@link #AUTO} (the default): {@link #OCM} when the hub serves
 *       {@value ManagedCluster#GROUP}/{@value ManagedCluster#VERSION} managedclusters (API discovery), else
 *       {@link #STANDALONE}. Decided once, at start.</li>
 * </ul>
 */
public enum ClusterSource {
  STANDALONE, OCM, AUTO;

  public static final String MANAGED_CLUSTERS = "managedclusters";

  /** @throws IllegalArgumentException naming the values, for anything else */
  public static ClusterSource parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not a cluster source: use standalone, ocm or auto");
    }
  }

  /** {@link #OCM} asked on a hub that does not serve ManagedClusters. */
  public static final class NotServedException extends IllegalStateException {
    NotServedException(String message) { super(message); }
  }

  /**
   * Whether Flotilla reads OCM's clusters on a hub that does ({@code served}) or does not serve ManagedClusters.
   *
   * @throws NotServedException for {@link #OCM} on a hub that does not serve them
   */
  public boolean readsOcm(boolean served) {
    return switch (this) {
      case STANDALONE -> false;
      case AUTO -> served;
      case OCM -> {
        if (!served) {
          throw new NotServedException("--cluster-source=ocm, but the hub serves no " + MANAGED_CLUSTERS + "."
              + ManagedCluster.GROUP + "/" + ManagedCluster.VERSION + " (is OCM installed?); use auto or standalone");
        }
        yield true;
      }
    };
  }

  /** API discovery: does the hub serve OCM's ManagedCluster at its storage version? */
  public static boolean servesManagedClusters(KubernetesClient hub) {
    APIResourceList resources;
    try {
      resources = hub.getApiResources(ManagedCluster.GROUP + "/" + ManagedCluster.VERSION);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
    return resources != null && resources.getResources() != null
        && resources.getResources().stream().anyMatch(r -> MANAGED_CLUSTERS.equals(r.getName()));
  }

  @Override
  public String toString() { return name().toLowerCase(Locale.ROOT); }
}
