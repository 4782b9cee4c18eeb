package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.hub.addon.validation.AddOnValidation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The AddOnReleases on the hub, for admission: an informer's cache, with a live read of the one release a request
 * names when the cache does not have it yet (a release published a moment before the FleetAddOn that targets it).
 */
public final class ReleaseCatalog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReleaseCatalog.class);

  private final KubernetesClient hub;
  private SharedIndexInformer<AddOnRelease> informer;

  public ReleaseCatalog(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub, "hub");
  }

  /** Starts the informer without waiting: until it has synced, lookups list the releases directly. */
  public synchronized void start() {
    if (informer == null) {
      informer = hub.resources(AddOnRelease.class).runnableInformer(0);
      informer.start().whenComplete((ok, e) -> {
        if (e != null) {
          log.warn("AddOnRelease informer did not start ({}); admission lists releases on each request", e.toString());
        }
      });
    }
  }

  /**
   * The released versions of {@code addOn}, in semver order; {@code wanted} is looked up directly when the cache
   * does not have it, so a just-published release counts.
   */
  public List<String> versions(String addOn, String wanted) {
    List<String> versions = new ArrayList<>(AddOnValidation.releasedVersions(addOn, releases()));
    if (wanted != null && !versions.contains(wanted) && AddOnValidation.isSemanticVersion(wanted)) {
      AddOnRelease live = hub.resources(AddOnRelease.class).withName(AddOnRelease.nameFor(addOn, wanted)).get();
      if (live != null && live.getSpec() != null && addOn.equals(live.getSpec().addOn)
          && wanted.equals(live.getSpec().version)) {
        versions.add(wanted);
      }
    }
    return AddOnValidation.sortedVersions(versions);
  }

  private Collection<AddOnRelease> releases() {
    SharedIndexInformer<AddOnRelease> i;
    synchronized (this) {
      i = informer;
    }
    if (i != null && i.hasSynced()) {
      return i.getStore().list();
    }
    return hub.resources(AddOnRelease.class).list().getItems();
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
  }
}
