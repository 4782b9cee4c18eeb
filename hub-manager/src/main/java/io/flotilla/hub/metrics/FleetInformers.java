package io.flotilla.hub.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Informer caches of the hub objects the fleet metrics read, in every namespace. They start without waiting and keep
 * retrying (a CRD installed later, an API server restart), so metrics never hold up the hub-manager; until a kind has
 * synced it contributes nothing.
 */
final class FleetInformers implements Supplier<FleetState>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FleetInformers.class);

  private final SharedIndexInformer<HostedClusterBackup> backups;
  private final SharedIndexInformer<BackupPolicy> policies;
  private final SharedIndexInformer<FleetAddOn> fleetAddOns;
  private final SharedIndexInformer<ManagedAddOn> managedAddOns;
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();

  FleetInformers(KubernetesClient hub) {
    Objects.requireNonNull(hub, "hub");
    backups = start(hub.resources(HostedClusterBackup.class).inAnyNamespace().runnableInformer(0));
    policies = start(hub.resources(BackupPolicy.class).runnableInformer(0));
    fleetAddOns = start(hub.resources(FleetAddOn.class).runnableInformer(0));
    managedAddOns = start(hub.resources(ManagedAddOn.class).inAnyNamespace().runnableInformer(0));
  }

  private <T extends HasMetadata> SharedIndexInformer<T> start(SharedIndexInformer<T> informer) {
    informer.exceptionHandler((started, t) -> {
      log.debug("metrics informer for {}: {}; retrying", informer.getApiTypeClass().getSimpleName(), t.toString());
      return true;
    });
    informer.start();
    all.add(informer);
    return informer;
  }

  @Override
  public FleetState get() {
    return new FleetState(list(backups), list(policies), list(fleetAddOns), list(managedAddOns));
  }

  /** True once every kind has been listed. */
  boolean hasSynced() {
    return all.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  private static <T> List<T> list(SharedIndexInformer<T> informer) {
    return informer.hasSynced() ? informer.getStore().list() : List.of();
  }

  @Override
  public void close() {
    all.forEach(SharedIndexInformer::close);
  }
}
