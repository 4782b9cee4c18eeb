package io.flotilla.hub.addon;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.hub.addon.validation.AddOnValidation;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The hub side of a ManagedAddOn that no FleetAddOn runs (made by hand, or its fleet is gone): its pin is its desired
 * version when an AddOnRelease {@code <addOn>-<version>} exists; otherwise it gets InvalidVersion=True naming the
 * released versions and its desired version stays as it was. Without a pin there is nothing to follow, and nothing
 * is written. A ManagedAddOn whose fleet exists is left to {@link FleetAddOnReconciler}, so each object has one hub
 * writer. Writes go through {@link ManagedAddOnHubStatus} (the hub's fields only).
 */
@ControllerConfiguration(name = ManagedAddOnReconciler.NAME)
public class ManagedAddOnReconciler implements Reconciler<ManagedAddOn> {
  public static final String NAME = "managedaddon";

  private static final Logger log = LoggerFactory.getLogger(ManagedAddOnReconciler.class);

  private final KubernetesClient hub;
  private final ManagedAddOnHubStatus addOnStatus;
  private volatile InformerEventSource<AddOnRelease, ManagedAddOn> releaseCache;
  private volatile InformerEventSource<FleetAddOn, ManagedAddOn> fleetCache;

  public ManagedAddOnReconciler(KubernetesClient hub) {
    this(hub, Clock.systemUTC());
  }

  public ManagedAddOnReconciler(KubernetesClient hub, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.addOnStatus = new ManagedAddOnHubStatus(hub, clock);
  }

  @Override
  public List<EventSource<?, ManagedAddOn>> prepareEventSources(EventSourceContext<ManagedAddOn> context) {
    // a release published (or removed) later can make a pin valid (or not)
    releaseCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(AddOnRelease.class, ManagedAddOn.class)
        .withName("managedaddon-releases")
        .withSecondaryToPrimaryMapper(r -> r.getSpec() == null ? java.util.Set.of()
            : context.getPrimaryCache().list(m -> m.getSpec() != null && Objects.equals(m.getSpec().addOn, r.getSpec().addOn))
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build(), context);
    // a fleet deleted (or created) hands its ManagedAddOns to this reconciler (or takes them)
    fleetCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(FleetAddOn.class, ManagedAddOn.class)
        .withName("managedaddon-fleets")
        .withSecondaryToPrimaryMapper(f -> context.getPrimaryCache()
            .list(m -> FleetAddOnReconciler.ownedBy(m, f.getMetadata().getName()))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build(), context);
    return List.of(releaseCache, fleetCache);
  }

  @Override
  public UpdateControl<ManagedAddOn> reconcile(ManagedAddOn m, Context<ManagedAddOn> context) {
    reconcile(m, objects());
    return UpdateControl.noUpdate();
  }

  HubObjects objects() {
    var releases = releaseCache;
    var fleets = fleetCache;
    HubObjects api = HubObjects.fromApi(hub);
    if (releases == null || fleets == null) {
      return api;
    }
    return new HubObjects() {
      @Override
      public List<ManagementCluster> clusters() { return api.clusters(); }

      @Override
      public List<ManagedAddOn> managedAddOns(String addOn) { return api.managedAddOns(addOn); }

      @Override
      public List<AddOnRelease> releases(String addOn) {
        return releases.list(r -> HubObjects.releaseOf(r, addOn)).toList();
      }

      @Override
      public Optional<FleetAddOn> fleet(String name) { return fleets.get(new ResourceID(name)); }
    };
  }

  /**
   * One pass over one ManagedAddOn.
   *
   * @return true if the hub's fields were written
   */
  public boolean reconcile(ManagedAddOn m, HubObjects objects) {
    Map<String, String> labels = m.getMetadata().getLabels();
    String fleet = labels == null ? null : labels.get(FleetAddOnReconciler.FLEET_LABEL);
    if (fleet != null && objects.fleet(fleet).isPresent()) {
      return false;
    }
    if (m.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String addOn = m.getSpec() == null || m.getSpec().addOn == null ? m.getMetadata().getName() : m.getSpec().addOn;
    String pin = m.getSpec() == null || m.getSpec().version == null || m.getSpec().version.isBlank() ? null
        : m.getSpec().version;
    List<String> released = AddOnValidation.releasedVersions(addOn, objects.releases(addOn));
    Optional<AddOnValidation.Problem> problem = pin == null ? Optional.empty()
        : AddOnValidation.versionProblem(addOn, pin, released);
    String desired = pin != null && problem.isEmpty() ? pin : null;
    if (!ManagedAddOnHubStatus.needsWrite(m, desired, problem)) {
      return false;
    }
    boolean written = addOnStatus.write(m.getMetadata().getNamespace(), m.getMetadata().getName(), desired, problem);
    if (written) {
      log.info("add-on {} on cluster {}: {}", addOn, m.getMetadata().getNamespace(),
          problem.map(AddOnValidation.Problem::message).orElse("desired version " + desired + " (pinned)"));
    }
    return written;
  }
}
