package io.flotilla.hub.addon;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The hub objects the add-on reconcilers read. Under the operator they come from informer caches (a fleet of
 * thousands of clusters is not listed from the API server on every reconcile); {@link #fromApi} reads the API
 * directly, for tests and one-off use.
 */
public interface HubObjects {
  List<ManagementCluster> clusters();

  /** The add-on's ManagedAddOns in every namespace: those named after it or labelled with its fleet. */
  List<ManagedAddOn> managedAddOns(String addOn);

  /** The AddOnReleases whose spec.addOn is {@code addOn}. */
  List<AddOnRelease> releases(String addOn);

  /** The FleetAddOn of that name, if any. */
  Optional<FleetAddOn> fleet(String name);

  static boolean belongsTo(ManagedAddOn m, String addOn) {
    Map<String, String> labels = m.getMetadata().getLabels();
    return addOn.equals(m.getMetadata().getName())
        || (labels != null && addOn.equals(labels.get(FleetAddOnReconciler.FLEET_LABEL)));
  }

  static boolean releaseOf(AddOnRelease r, String addOn) {
    return r.getSpec() != null && Objects.equals(addOn, r.getSpec().addOn);
  }

  static HubObjects fromApi(KubernetesClient hub) {
    return new HubObjects() {
      @Override
      public List<ManagementCluster> clusters() {
        return hub.resources(ManagementCluster.class).list().getItems();
      }

      @Override
      public List<ManagedAddOn> managedAddOns(String addOn) {
        return hub.resources(ManagedAddOn.class).inAnyNamespace().list().getItems().stream()
            .filter(m -> belongsTo(m, addOn)).toList();
      }

      @Override
      public List<AddOnRelease> releases(String addOn) {
        return hub.resources(AddOnRelease.class).list().getItems().stream().filter(r -> releaseOf(r, addOn)).toList();
      }

      @Override
      public Optional<FleetAddOn> fleet(String name) {
        return Optional.ofNullable(hub.resources(FleetAddOn.class).withName(name).get());
      }
    };
  }
}
