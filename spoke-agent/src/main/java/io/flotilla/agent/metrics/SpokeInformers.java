package io.flotilla.agent.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Supplier;

/**
 * Informer caches for the agent's metrics: HostedClusterBackup records in this cluster's namespace on the hub (all
 * the agent's hub credential may read) and the local HostedClusters. They start without waiting and keep retrying, so
 * metrics never hold up the agent; a kind contributes nothing until it has synced, and the last known records stay
 * while the hub is unreachable.
 */
final class SpokeInformers implements Supplier<SpokeState>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpokeInformers.class);

  private final SharedIndexInformer<HostedClusterBackup> backups;
  private final SharedIndexInformer<HostedCluster> hostedClusters;

  SpokeInformers(KubernetesClient hub, KubernetesClient local, String clusterName) {
    backups = start(hub.resources(HostedClusterBackup.class).inNamespace(clusterName).runnableInformer(0));
    hostedClusters = start(local.resources(HostedCluster.class).inAnyNamespace().runnableInformer(0));
  }

  private static <T extends HasMetadata> SharedIndexInformer<T> start(SharedIndexInformer<T> informer) {
    informer.exceptionHandler((started, t) -> {
      log.debug("metrics informer for {}: {}; retrying", informer.getApiTypeClass().getSimpleName(), t.toString());
      return true;
    });
    informer.start();
    return informer;
  }

  @Override
  public SpokeState get() {
    return new SpokeState(list(backups), list(hostedClusters));
  }

  private static <T> List<T> list(SharedIndexInformer<T> informer) {
    return informer.hasSynced() ? informer.getStore().list() : List.of();
  }

  @Override
  public void close() {
    backups.close();
    hostedClusters.close();
  }
}
