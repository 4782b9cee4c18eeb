package io.flotilla.cli;

import io.flotilla.common.JsonPatches;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.hub.addon.HubObjects;
import io.flotilla.hub.addon.validation.AddOnValidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The CLI's reads and writes of add-on objects on the hub (AddOnRelease, FleetAddOn, ManagedAddOn), shared by the
 * `addon` commands, the sandbox demo and the rollout benchmark. The CLI writes specs only; status is the hub's and
 * the agents'. Anything named that is not there is a {@link BadInputException} saying what exists instead.
 */
final class HubAddOns {
  /** How often a wait looks again: quick enough to show each cluster's step, light on the API server. */
  private static final int WRITE_ATTEMPTS = 5;

  private final KubernetesClient hub;

  HubAddOns(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub);
  }

  KubernetesClient client() {
    return hub;
  }

  // ---------------------------------------------------------------- releases

  List<AddOnRelease> releases() {
    return hub.resources(AddOnRelease.class).list().getItems().stream()
        .sorted(Comparator.comparing((AddOnRelease r) -> r.getSpec() == null ? "" : r.getSpec().addOn)
            .thenComparing(r -> r.getSpec() == null ? "" : r.getSpec().version, AddOnValidation.SEMVER_ORDER))
        .toList();
  }

  /** The add-on's released versions, lowest first. */
  List<String> releasedVersions(String addOn) {
    return AddOnValidation.releasedVersions(addOn, hub.resources(AddOnRelease.class).list().getItems());
  }

  /** @throws BadInputException naming the versions that exist, as the webhook and the reconcilers would */
  void requireReleased(String addOn, String version) {
    AddOnValidation.versionProblem(addOn, version, releasedVersions(addOn)).ifPresent(p -> {
      throw new BadInputException(p.message() + (p.message().contains("none published")
          ? " (publish it first: flotilla addon publish --addon " + addOn + ")" : ""));
    });
  }

  enum PublishOutcome { created, unchanged, refused }

  record Published(AddOnRelease release, PublishOutcome outcome) {
    String name() {
      return release.getMetadata().getName();
    }
  }

  /**
   * Creates each release that does not exist. An existing one with the same spec is left alone (publishing twice is
   * harmless); one with a different spec is refused and left alone, because a release never changes.
   */
  List<Published> publish(List<AddOnRelease> releases) {
    List<Published> results = new ArrayList<>();
    for (AddOnRelease release : releases) {
      results.add(new Published(release, publishOne(release)));
    }
    return results;
  }

  private PublishOutcome publishOne(AddOnRelease release) {
    String name = release.getMetadata().getName();
    AddOnRelease existing = hub.resources(AddOnRelease.class).withName(name).get();
    if (existing == null) {
      try {
        hub.resource(release).create();
        return PublishOutcome.created;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = hub.resources(AddOnRelease.class).withName(name).get(); // published meanwhile
      }
    }
    return AddOnValidation.releaseSpecChange(existing.getSpec(), release.getSpec()).isEmpty()
        ? PublishOutcome.unchanged : PublishOutcome.refused;
  }

  // ---------------------------------------------------------------- fleets and clusters

  List<FleetAddOn> fleets() {
    return hub.resources(FleetAddOn.class).list().getItems().stream()
        .sorted(Comparator.comparing(f -> f.getMetadata().getName())).toList();
  }

  FleetAddOn fleet(String addOn) {
    return hub.resources(FleetAddOn.class).withName(addOn).get();
  }

  FleetAddOn requireFleet(String addOn) {
    RolloutRequest.requireAddOnName(addOn);
    FleetAddOn fleet = fleet(addOn);
    if (fleet == null) {
      throw new BadInputException("no FleetAddOn \"" + addOn + "\" on the hub (have: " + HubQueries.names(fleets())
          + "); start one with: flotilla addon rollout " + addOn + " --version <version>");
    }
    return fleet;
  }

  /** The add-on's ManagedAddOns on every cluster (named after it, or placed by its fleet), by cluster. */
  List<ManagedAddOn> managedAddOns(String addOn) {
    return HubObjects.fromApi(hub).managedAddOns(addOn).stream()
        .sorted(Comparator.comparing(m -> m.getMetadata().getNamespace())).toList();
  }

  ManagedAddOn managedAddOn(String cluster, String addOn) {
    return hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).get();
  }

  ManagedAddOn requireManagedAddOn(String cluster, String addOn) {
    HubQueries.requireCluster(hub, cluster);
    RolloutRequest.requireAddOnName(addOn);
    ManagedAddOn m = managedAddOn(cluster, addOn);
    if (m == null) {
      List<String> on = managedAddOns(addOn).stream().map(x -> x.getMetadata().getNamespace()).toList();
      throw new BadInputException("add-on " + addOn + " is not on cluster " + cluster + " (it is on: "
          + (on.isEmpty() ? "none" : String.join(", ", on)) + ")");
    }
    return m;
  }

  /** The FleetAddOn first, then the clusters (see {@link FleetView}). */
  FleetView view(String addOn) {
    FleetAddOn fleet = fleet(addOn);
    return new FleetView(addOn, fleet, managedAddOns(addOn));
  }

  /** What `addon rollout` changed: the FleetAddOn before (null if it is new) and after. */
  record Rollout(FleetAddOn before, FleetAddOn after) {
    boolean created() {
      return before == null;
    }
  }

  /**
   * Creates the FleetAddOn, or updates its spec: the whole spec is replaced in one JSON Patch that carries the
   * resourceVersion read, so a concurrent edit makes it fail (and it is redone on the newer object) instead of being
   * lost. The target is checked against the releases on the hub first.
   */
  Rollout rollout(RolloutRequest request) {
    requireReleased(request.addOn(), request.version());
    for (int attempt = 1; ; attempt++) {
      FleetAddOn existing = fleet(request.addOn());
      if (existing == null) {
        FleetAddOn created = new FleetAddOn();
        created.setMetadata(new ObjectMetaBuilder().withName(request.addOn()).build());
        created.setSpec(request.applyTo(null));
        created.setStatus(null);
        try {
          return new Rollout(null, hub.resource(io.flotilla.hub.acm.HubBackupLabel.stamp(created)).create());
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || attempt >= WRITE_ATTEMPTS) {
            throw e;
          }
          continue; // created meanwhile: update it instead
        }
      }
      FleetAddOnSpec next = request.applyTo(existing.getSpec());
      try {
        return new Rollout(existing, replaceSpec(existing, next));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= WRITE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Moves the fleet's target (fleet-wide rollback), keeping everything else. */
  FleetAddOn setTarget(String addOn, String version) {
    requireReleased(addOn, version);
    return mergePatchFleet(addOn, Map.of("version", version));
  }

  FleetAddOn setPaused(String addOn, boolean paused) {
    requireFleet(addOn);
    Map<String, Object> spec = new HashMap<>();
    spec.put("paused", paused ? Boolean.TRUE : null); // null removes it: not paused is the default
    return mergePatchFleet(addOn, spec);
  }

  private FleetAddOn mergePatchFleet(String addOn, Map<String, Object> spec) {
    return hub.resources(FleetAddOn.class).withName(addOn).patch(PatchContext.of(PatchType.JSON_MERGE),
        hub.getKubernetesSerialization().asJson(Map.of("spec", spec)));
  }

  private FleetAddOn replaceSpec(FleetAddOn existing, FleetAddOnSpec spec) {
    List<Map<String, Object>> patch = List.of(
        JsonPatches.unchangedSince(existing),
        Map.of("op", "replace", "path", "/spec", "value", spec));
    return hub.resources(FleetAddOn.class).withName(existing.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(patch));
  }

  /**
   * Pins the add-on on one cluster to {@code version} (checked against the releases). Creates the cluster's
   * ManagedAddOn if the add-on is not there yet: a pin on a cluster no fleet places installs that version there.
   *
   * @return the ManagedAddOn before the pin (null if it was created) and after
   */
  Pinned pin(String cluster, String addOn, String version) {
    HubQueries.requireCluster(hub, cluster);
    RolloutRequest.requireAddOnName(addOn);
    requireReleased(addOn, version);
    ManagedAddOn before = managedAddOn(cluster, addOn);
    if (before == null) {
      ManagedAddOn m = new ManagedAddOn();
      m.setMetadata(new ObjectMetaBuilder().withName(addOn).withNamespace(cluster).build());
      m.getSpec().addOn = addOn;
      m.getSpec().version = version;
      m.setStatus(null);
      try {
        return new Pinned(null, hub.resource(m).create());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        before = managedAddOn(cluster, addOn); // placed meanwhile: pin it
      }
    }
    return new Pinned(before, patchPin(cluster, addOn, version));
  }

  record Pinned(ManagedAddOn before, ManagedAddOn after) {}

  ManagedAddOn unpin(String cluster, String addOn) {
    requireManagedAddOn(cluster, addOn);
    return patchPin(cluster, addOn, null);
  }

  private ManagedAddOn patchPin(String cluster, String addOn, String version) {
    Map<String, Object> spec = new HashMap<>();
    spec.put("version", version); // a scalar: a merge patch sets it, or removes it for null
    return hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn)
        .patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("spec", spec)));
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Waits until the fleet is {@link FleetView#settled() settled} (seen twice in a row, so a view taken between the
   * hub's writes of one reconcile does not end it) or {@code timeout} passes.
   */
  HubQueries.Waited<FleetView> awaitFleet(String addOn, Duration timeout, Consumer<FleetView> observe) {
    int[] streak = {0};
    return HubQueries.poll(timeout, () -> view(addOn), v -> {
      streak[0] = v.settled() ? streak[0] + 1 : 0;
      return streak[0] >= 2;
    }, observe, "add-on " + addOn);
  }

  /** Waits until the cluster's operation toward {@code version} is over. */
  HubQueries.Waited<ManagedAddOn> awaitCluster(String cluster, String addOn, String version, Duration timeout,
      Consumer<ManagedAddOn> observe) {
    return HubQueries.poll(timeout, () -> managedAddOn(cluster, addOn), m -> m != null && FleetView.clusterSettled(m, version),
        observe, "add-on " + addOn + " on " + cluster);
  }
}
