package io.flotilla.agent.schedule;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;

/**
 * Copies of the hub's BackupStores on the spoke, so that a scheduled backup can resolve its store while the hub is
 * down: the backup executor reads stores through the spoke's API ({@code new StoreConnector(local, local, ...)}). A
 * store holds no secret (its credentials and key are Secrets on the spoke already), so copying it exposes nothing.
 *
 * <p>Copies carry {@value #COPY_LABEL}; a BackupStore on the spoke without it is never touched. That is the case when
 * the hub is itself a managed cluster (ACM's local-cluster): there the "copy" is the hub's own object.
 */
public final class StoreCopies implements AutoCloseable {
  /** On the spoke's copies of hub BackupStores. */
  public static final String COPY_LABEL = "dr.flotilla.io/copy-of-hub-object";

  private static final Logger log = LoggerFactory.getLogger(StoreCopies.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private SharedIndexInformer<BackupStore> informer;

  public StoreCopies(KubernetesClient hub, KubernetesClient local) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
  }

  /** Follows the hub's BackupStores; needs no hub to return, and keeps retrying it. */
  public synchronized void start() {
    informer = hub.resources(BackupStore.class).runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(BackupStore s) {
        copy(s);
      }

      @Override
      public void onUpdate(BackupStore old, BackupStore s) {
        copy(s);
      }

      @Override
      public void onDelete(BackupStore s, boolean finalStateUnknown) {
        remove(s.getMetadata().getName());
      }
    });
    informer.exceptionHandler((started, t) -> {
      log.debug("BackupStore watch on the hub: {}", t.getMessage());
      return true;
    });
    // Stores deleted on the hub while no agent watched send no event: drop their copies once the hub has answered.
    SharedIndexInformer<BackupStore> started = informer;
    informer.start().thenRun(() -> {
      java.util.Set<String> onHub = started.getStore().list().stream().map(s -> s.getMetadata().getName())
          .collect(java.util.stream.Collectors.toSet());
      try {
        local.resources(BackupStore.class).withLabel(COPY_LABEL, "true").list().getItems().stream()
            .map(s -> s.getMetadata().getName()).filter(n -> !onHub.contains(n)).forEach(this::remove);
      } catch (KubernetesClientException e) {
        log.warn("could not list the BackupStore copies on this cluster: {}", e.getMessage());
      }
    });
  }

  /** Creates or updates the spoke's copy of {@code hubStore}. Visible for tests. */
  void copy(BackupStore hubStore) {
    String name = hubStore.getMetadata().getName();
    try {
      BackupStore mine = local.resources(BackupStore.class).withName(name).get();
      if (mine == null) {
        BackupStore copy = new BackupStore();
        copy.getMetadata().setName(name);
        copy.getMetadata().setLabels(Map.of(COPY_LABEL, "true"));
        copy.setSpec(hubStore.getSpec());
        copy.setStatus(null);
        local.resource(copy).create();
        log.info("BackupStore {} copied to this cluster", name);
      } else if (isCopy(mine) && !sameSpec(mine, hubStore)) {
        mine.setSpec(hubStore.getSpec());
        local.resource(mine).update();
        log.info("BackupStore {} updated on this cluster", name);
      }
    } catch (KubernetesClientException e) {
      // the next hub event or informer relist retries; the previous copy stays usable
      log.warn("could not copy BackupStore {} to this cluster: {}", name, e.getMessage());
    }
  }

  void remove(String name) {
    try {
      BackupStore mine = local.resources(BackupStore.class).withName(name).get();
      if (mine != null && isCopy(mine)) {
        local.resource(mine).delete();
        log.info("BackupStore {} deleted on the hub; its copy on this cluster removed", name);
      }
    } catch (KubernetesClientException e) {
      log.warn("could not remove the copy of BackupStore {}: {}", name, e.getMessage());
    }
  }

  private static boolean isCopy(BackupStore s) {
    return s.getMetadata().getLabels() != null && "true".equals(s.getMetadata().getLabels().get(COPY_LABEL));
  }

  private boolean sameSpec(BackupStore a, BackupStore b) {
    var json = local.getKubernetesSerialization();
    return json.asJson(a.getSpec()).equals(json.asJson(b.getSpec()));
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
  }
}
