package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hypershift-addon agent on one management cluster, for its HostedClusters (docs/ocm-facts.md §I2.6, §I4.3,
 * §I6.3): its auto-import controller and the deletion coupling of its main controller. Thin: the decisions are
 * {@link HostedClusterImports}'.
 *
 * <p>When each runs is part of the behaviour, as the agent's event filters make it: {@link #imports} runs for a
 * HostedCluster created (or found when the agent starts) and then, while its control plane is not available, again
 * after a retry interval, and for nothing else; so a ManagedCluster deleted while its HostedCluster stays is not
 * imported again until the agent restarts. {@link #deleted} runs when a HostedCluster is gone, and for one found
 * being deleted when the agent starts; the update that marks it deleted is filtered out.
 */
final class HostedClusterImport {
  private static final Logger LOG = LoggerFactory.getLogger(HostedClusterImport.class);

  private final String managementCluster;
  private final KubernetesClient spoke;
  private final KubernetesClient hub;

  HostedClusterImport(String managementCluster, KubernetesClient spoke, KubernetesClient hub) {
    this.managementCluster = managementCluster;
    this.spoke = spoke;
    this.hub = hub;
  }

  /** Auto-import of one HostedCluster; true when it must be looked at again after the retry interval. */
  synchronized boolean imports(String namespace, String name) {
    HostedCluster hc = spoke.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    if (hc == null) {
      return false;
    }
    boolean exists = hub.resources(ManagedCluster.class).withName(name).get() != null;
    switch (HostedClusterImports.decide(hc, exists)) {
      case WAIT:
        return true;
      case CREATE:
        try {
          hub.resource(HostedClusterImports.managedCluster(hc, managementCluster)).create();
          LOG.info("hypershift-addon on {}: imported HostedCluster {}/{} as ManagedCluster {} (Hosted mode)",
              managementCluster, namespace, name, name);
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
        return false;
      default:
        return false;
    }
  }

  /**
   * The deletion coupling: the HostedCluster {@code hostedCluster} is gone (null) or being deleted, so its
   * ManagedCluster goes, whichever management cluster it names as its host.
   */
  synchronized void deleted(HostedCluster hostedCluster, String hostedClusterName) {
    String name = HostedClusterImports.managedClusterName(hostedCluster, hostedClusterName);
    ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
    if (mc == null || !HostedClusterImports.deletes(mc)) {
      return;
    }
    try {
      hub.resource(mc).delete();
      LOG.info("hypershift-addon on {}: HostedCluster {} is deleted, so is ManagedCluster {}", managementCluster,
          hostedClusterName, name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
