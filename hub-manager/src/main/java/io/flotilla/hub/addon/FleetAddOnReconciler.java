package io.flotilla.hub.addon;

import io.flotilla.common.DesiredCondition;

import io.flotilla.common.StatusWriter;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.FleetAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.placement.Placement;
import io.flotilla.hub.addon.rollout.ClusterState;
import io.flotilla.hub.addon.rollout.FleetRollout;
import io.flotilla.hub.addon.rollout.Plan;
import io.flotilla.hub.addon.rollout.RolloutPlanner;
import io.flotilla.hub.addon.validation.AddOnValidation;
import io.flotilla.hub.cluster.selection.ClusterSelection;
import io.flotilla.hub.cluster.selection.ClusterSelections;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Runs one FleetAddOn (docs/architecture.md, flow 5): keeps a ManagedAddOn named after the add-on in the namespace of every
 * ManagementCluster the placement selects (by labels, or by an OCM Placement's decisions: {@link ClusterSelections};
 * labelled {@value #FLEET_LABEL}) and deletes those of clusters that left
 * (the agent uninstalls); then asks {@link RolloutPlanner} for every cluster's desired version and writes it, with the
 * InvalidVersion condition of bad pins ({@link ManagedAddOnHubStatus}: the hub's fields only); then reports counts,
 * groups, the last-known-good version and conditions on the FleetAddOn. Nothing is remembered between reconciles;
 * it re-runs on FleetAddOn, ManagedAddOn, AddOnRelease, ManagementCluster (labels, availability) and, with OCM, the
 * PlacementDecisions of the Placement it names, and at
 * the planner's next soak end or deadline (at most {@code maxRecheck} apart). Deleting the FleetAddOn deletes its
 * ManagedAddOns (finalizer), so the add-on is uninstalled everywhere.
 */
@ControllerConfiguration(name = FleetAddOnReconciler.NAME)
public class FleetAddOnReconciler implements Reconciler<FleetAddOn>, Cleaner<FleetAddOn> {
  public static final String NAME = "fleetaddon";
  /** On a ManagedAddOn: the FleetAddOn that placed it. */
  public static final String FLEET_LABEL = "addon.flotilla.io/fleet";

  public static final String INVALID_VERSION = ManagedAddOn.INVALID_VERSION;
  public static final String INVALID_ROLLOUT_STRATEGY = AddOnValidation.INVALID_ROLLOUT_STRATEGY;
  public static final String INVALID_PLACEMENT = AddOnValidation.INVALID_PLACEMENT;
  public static final String REASON_VERSION_RELEASED = "VersionReleased";
  public static final String REASON_VALID_ROLLOUT_STRATEGY = "ValidRolloutStrategy";
  public static final String REASON_VALID_PLACEMENT = "ValidPlacement";

  public static final Duration DEFAULT_MAX_RECHECK = Duration.ofMinutes(5);
  private static final Duration RECHECK_SLACK = Duration.ofMillis(50);

  private static final Logger log = LoggerFactory.getLogger(FleetAddOnReconciler.class);

  private final KubernetesClient hub;
  private final Clock clock;
  private final Duration maxRecheck;
  private final RolloutPlanner planner = new RolloutPlanner();
  private final ManagedAddOnHubStatus addOnStatus;
  private final ClusterSelections selections;

  /**
   * Read-your-writes for desiredVersion: what this hub wrote and the ManagedAddOn cache may not show yet, by
   * namespace/name. Without it a reconcile that runs before the cache catches up would see a started cluster as
   * not started and could start another, exceeding maxConcurrency. The hub is the only writer of desiredVersion, so
   * an entry is dropped as soon as the cache shows that value (or another object of that name).
   */
  private final Map<String, WrittenDesired> written = new ConcurrentHashMap<>();

  record WrittenDesired(String uid, String desiredVersion) {}

  private volatile InformerEventSource<ManagementCluster, FleetAddOn> clusterCache;
  private volatile InformerEventSource<ManagedAddOn, FleetAddOn> managedAddOnCache;
  private volatile InformerEventSource<AddOnRelease, FleetAddOn> releaseCache;

  public FleetAddOnReconciler(KubernetesClient hub) {
    this(hub, ClusterSelections.standalone(hub));
  }

  public FleetAddOnReconciler(KubernetesClient hub, ClusterSelections selections) {
    this(hub, Clock.systemUTC(), DEFAULT_MAX_RECHECK, selections);
  }

  /** @param maxRecheck the longest time between two reconciles of a fleet without any event */
  public FleetAddOnReconciler(KubernetesClient hub, Clock clock, Duration maxRecheck) {
    this(hub, clock, maxRecheck, ClusterSelections.standalone(hub));
  }

  public FleetAddOnReconciler(KubernetesClient hub, Clock clock, Duration maxRecheck, ClusterSelections selections) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxRecheck = Objects.requireNonNull(maxRecheck, "maxRecheck");
    this.addOnStatus = new ManagedAddOnHubStatus(hub, clock);
    this.selections = Objects.requireNonNull(selections, "selections");
  }

  /** What one reconcile decided (for tests and callers that run it by hand). */
  public record Result(Placement.Decision placement, Plan plan, Duration recheckAfter) {}

  @Override
  public List<EventSource<?, FleetAddOn>> prepareEventSources(EventSourceContext<FleetAddOn> context) {
    clusterCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ManagementCluster.class, FleetAddOn.class)
        .withName("fleetaddon-clusters")
        // any cluster may enter or leave any fleet's placement
        .withSecondaryToPrimaryMapper(mc -> context.getPrimaryCache().list().map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        // heartbeats rewrite the status every minute; only labels and availability matter here
        .withOnUpdateFilter((newer, older) -> !RolloutInputs.labels(newer).equals(RolloutInputs.labels(older))
            || RolloutInputs.available(newer) != RolloutInputs.available(older))
        .build(), context);
    managedAddOnCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ManagedAddOn.class, FleetAddOn.class)
        .withName("fleetaddon-managedaddons")
        .withWatchAllNamespaces()
        .withSecondaryToPrimaryMapper(FleetAddOnReconciler::fleetsOf)
        .build(), context);
    releaseCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(AddOnRelease.class, FleetAddOn.class)
        .withName("fleetaddon-releases")
        .withSecondaryToPrimaryMapper(r -> r.getSpec() == null || r.getSpec().addOn == null ? Set.of()
            : Set.of(new ResourceID(r.getSpec().addOn)))
        .build(), context);
    List<EventSource<?, FleetAddOn>> sources = new ArrayList<>(List.of(clusterCache, managedAddOnCache, releaseCache));
    // a Placement's new decision concerns the fleets that name it
    sources.addAll(selections.decisionEvents("fleetaddon-decisions", FleetAddOn.class, context,
        ref -> context.getPrimaryCache().list(f -> ref.equals(placementRef(f))).map(ResourceID::fromResource)
            .collect(Collectors.toSet())));
    return sources;
  }

  private static PlacementRef placementRef(FleetAddOn f) {
    return f.getSpec() == null || f.getSpec().placement == null ? null : f.getSpec().placement.placementRef;
  }

  /** A ManagedAddOn concerns the fleet named after it and the fleet that labelled it (normally the same). */
  static Set<ResourceID> fleetsOf(ManagedAddOn m) {
    Set<ResourceID> ids = new HashSet<>();
    ids.add(new ResourceID(m.getMetadata().getName()));
    Map<String, String> labels = m.getMetadata().getLabels();
    if (labels != null && labels.get(FLEET_LABEL) != null) {
      ids.add(new ResourceID(labels.get(FLEET_LABEL)));
    }
    return ids;
  }

  @Override
  public UpdateControl<FleetAddOn> reconcile(FleetAddOn fleet, Context<FleetAddOn> context) {
    Result result = reconcile(fleet, objects());
    return UpdateControl.<FleetAddOn>noUpdate().rescheduleAfter(result.recheckAfter());
  }

  @Override
  public DeleteControl cleanup(FleetAddOn fleet, Context<FleetAddOn> context) {
    String name = fleet.getMetadata().getName();
    var deleted = hub.resources(ManagedAddOn.class).inAnyNamespace().withLabel(FLEET_LABEL, name).delete();
    log.info("fleet add-on {} deleted: deleting its {} ManagedAddOns", name, deleted.size());
    return DeleteControl.defaultDelete();
  }

  /** The caches once the operator prepared them; the API otherwise. */
  HubObjects objects() {
    var clusters = clusterCache;
    var addOns = managedAddOnCache;
    var releases = releaseCache;
    if (clusters == null || addOns == null || releases == null) {
      return HubObjects.fromApi(hub);
    }
    return new HubObjects() {
      @Override
      public List<ManagementCluster> clusters() { return clusters.list().toList(); }

      @Override
      public List<ManagedAddOn> managedAddOns(String addOn) {
        return addOns.list(m -> HubObjects.belongsTo(m, addOn)).toList();
      }

      @Override
      public List<AddOnRelease> releases(String addOn) {
        return releases.list(r -> HubObjects.releaseOf(r, addOn)).toList();
      }

      @Override
      public Optional<FleetAddOn> fleet(String name) {
        return Optional.ofNullable(hub.resources(FleetAddOn.class).withName(name).get());
      }
    };
  }

  /** One pass: placement, plan, writes. Reads through {@code objects}, writes through the hub client. */
  public Result reconcile(FleetAddOn fleet, HubObjects objects) {
    String addOn = fleet.getMetadata().getName();
    FleetAddOnSpec spec = fleet.getSpec() == null ? new FleetAddOnSpec() : fleet.getSpec();
    Long generation = fleet.getMetadata().getGeneration();
    Instant now = clock.instant();
    FleetAddOnStatus old = fleet.getStatus();
    List<Condition> conditions = new ArrayList<>(old == null || old.conditions == null ? List.of() : old.conditions);

    Map<String, ManagementCluster> clusters = new TreeMap<>();
    for (ManagementCluster mc : objects.clusters()) {
      clusters.put(mc.getMetadata().getName(), mc);
    }
    Map<String, ManagedAddOn> byNamespace = new HashMap<>();
    for (ManagedAddOn m : objects.managedAddOns(addOn)) {
      if (addOn.equals(m.getMetadata().getName())) {
        byNamespace.put(m.getMetadata().getNamespace(), m);
      }
    }
    List<String> released = AddOnValidation.releasedVersions(addOn, objects.releases(addOn));

    // 1. placement
    LabelSelector selector = spec.placement == null ? null : spec.placement.clusterSelector;
    Placement.Decision placement;
    ClusterSelection selection;
    try {
      selection = selections.resolve("placement", selector, spec.placement == null ? null : spec.placement.placementRef);
      if (selection.unusable().isPresent()) {
        throw new IllegalArgumentException(selection.unusable().get());
      }
      placement = Placement.decide(selection, clusters.entrySet().stream().collect(Collectors.toMap(
          Map.Entry::getKey, e -> RolloutInputs.labels(e.getValue()))), byNamespace.values().stream()
          .map(m -> new Placement.Existing(m.getMetadata().getNamespace(), ownedBy(m, addOn),
              m.getMetadata().getDeletionTimestamp() != null)).toList());
    } catch (IllegalArgumentException e) {
      // change nothing on the clusters while the placement cannot be read
      String message = e.getMessage();
      Conditions.set(conditions, INVALID_PLACEMENT, Conditions.TRUE, INVALID_PLACEMENT, message, generation, now);
      Conditions.set(conditions, RolloutPlanner.PROGRESSING, Conditions.FALSE, INVALID_PLACEMENT, message,
          generation, now);
      FleetAddOnStatus next = copyCounts(old);
      next.observedGeneration = generation;
      next.conditions = conditions;
      writeStatus(fleet, next);
      return new Result(null, null, maxRecheck);
    }
    Conditions.set(conditions, INVALID_PLACEMENT, Conditions.FALSE, REASON_VALID_PLACEMENT,
        selection.byPlacement() ? "the clusters are those the OCM Placement " + spec.placement.placementRef
            + " decided" : "the cluster selector is valid", generation, now);
    for (String cluster : placement.create()) {
      create(cluster, addOn).ifPresent(m -> byNamespace.put(cluster, m));
    }
    for (String cluster : placement.adopt()) {
      adopt(cluster, addOn).ifPresent(m -> byNamespace.put(cluster, m));
    }
    for (String cluster : placement.delete()) {
      log.info("fleet add-on {}: cluster {} left the placement; deleting its ManagedAddOn", addOn, cluster);
      hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).delete();
      written.remove(cluster + "/" + addOn);
      byNamespace.remove(cluster);
    }

    // 2. plan over the placed clusters whose ManagedAddOn exists and is not going away
    Map<String, ManagedAddOn> members = new TreeMap<>();
    List<ClusterState> states = new ArrayList<>();
    for (String cluster : placement.placed()) {
      ManagedAddOn m = byNamespace.get(cluster);
      if (m != null && m.getMetadata().getDeletionTimestamp() == null) {
        members.put(cluster, m);
        states.add(RolloutInputs.clusterState(clusters.get(cluster), m, desiredSeen(m)));
      }
    }
    Optional<AddOnValidation.Problem> targetProblem = AddOnValidation.versionProblem(addOn, spec.version, released);
    Optional<AddOnValidation.Problem> strategyProblem = AddOnValidation.strategyProblem(spec.rolloutStrategy);
    FleetRollout rollout = FleetRollout.of(fleet);
    Optional<AddOnValidation.Problem> blocker = strategyProblem.or(() -> targetProblem);
    if (blocker.isPresent()) {
      rollout = rollout.blockedBy(blocker.get().reason(), blocker.get().message());
    }
    Plan plan;
    try {
      plan = planner.plan(rollout, released, states, now);
    } catch (IllegalArgumentException e) {
      // a strategy the validation let through but the planner cannot apply: report it the same way
      strategyProblem = Optional.of(new AddOnValidation.Problem(INVALID_ROLLOUT_STRATEGY, e.getMessage()));
      plan = planner.plan(rollout.blockedBy(INVALID_ROLLOUT_STRATEGY, e.getMessage()), released, states, now);
    }

    // 3. the hub's fields of each ManagedAddOn: desired version, and InvalidVersion for a bad pin
    for (Plan.ClusterPlan p : plan.clusters()) {
      ManagedAddOn m = members.get(p.name());
      String pin = m.getSpec() == null ? null : m.getSpec().version;
      Optional<AddOnValidation.Problem> pinProblem = pin == null || pin.isBlank() ? Optional.empty()
          : AddOnValidation.versionProblem(addOn, pin, released);
      // only a change is written: an unchanged desired version read from a lagging cache must not be written back
      String desired = p.changed() ? p.desiredVersion() : null;
      if (!ManagedAddOnHubStatus.needsWrite(m, desired, pinProblem)) {
        continue;
      }
      boolean wrote = addOnStatus.write(p.name(), addOn, desired, pinProblem);
      if (desired != null) {
        // the server holds it now (written, or it already did and the cache lags)
        written.put(key(m), new WrittenDesired(m.getMetadata().getUid(), desired));
        if (wrote) {
          log.info("fleet add-on {}: cluster {} desired version {} -> {} ({})", addOn, p.name(),
              m.getStatus() == null ? null : m.getStatus().desiredVersion, desired, p.state());
        }
      }
    }

    // 4. the FleetAddOn's status
    for (DesiredCondition c : plan.conditions()) {
      Conditions.set(conditions, c.type(), c.status(), c.reason(), c.message(), generation, now);
    }
    if (targetProblem.isPresent()) {
      Conditions.set(conditions, INVALID_VERSION, Conditions.TRUE, targetProblem.get().reason(),
          targetProblem.get().message(), generation, now);
    } else {
      Conditions.set(conditions, INVALID_VERSION, Conditions.FALSE, REASON_VERSION_RELEASED,
          "release " + AddOnRelease.nameFor(addOn, spec.version) + " exists", generation, now);
    }
    if (strategyProblem.isPresent()) {
      Conditions.set(conditions, INVALID_ROLLOUT_STRATEGY, Conditions.TRUE, strategyProblem.get().reason(),
          strategyProblem.get().message(), generation, now);
    } else {
      Conditions.set(conditions, INVALID_ROLLOUT_STRATEGY, Conditions.FALSE, REASON_VALID_ROLLOUT_STRATEGY,
          "the rollout strategy is valid", generation, now);
    }
    FleetAddOnStatus next = new FleetAddOnStatus();
    next.observedGeneration = generation;
    Plan.Counts k = plan.counts();
    next.total = k.total();
    next.succeeded = k.succeeded();
    next.progressing = k.progressing();
    next.failed = k.failed();
    next.pinned = k.pinned();
    next.unknown = k.unknown();
    next.lastKnownGoodVersion = plan.lastKnownGoodVersion();
    for (Plan.GroupProgress g : plan.groups()) {
      FleetAddOnStatus.GroupProgress gp = new FleetAddOnStatus.GroupProgress();
      gp.name = g.name();
      gp.total = g.total();
      gp.succeeded = g.succeeded();
      gp.progressing = g.progressing();
      gp.failed = g.failed();
      next.groups.add(gp);
    }
    next.conditions = conditions;
    writeStatus(fleet, next);

    Duration recheck = maxRecheck;
    if (plan.recheckAt() != null) {
      Duration untilChange = Duration.between(now, plan.recheckAt()).plus(RECHECK_SLACK);
      recheck = untilChange.isNegative() ? RECHECK_SLACK
          : untilChange.compareTo(maxRecheck) < 0 ? untilChange : maxRecheck;
    }
    return new Result(placement, plan, recheck);
  }

  /** The desired version to plan from: the cached status's, unless this hub wrote a newer one the cache lacks. */
  String desiredSeen(ManagedAddOn m) {
    String cached = m.getStatus() == null ? null : m.getStatus().desiredVersion;
    String key = key(m);
    WrittenDesired w = written.get(key);
    if (w == null) {
      return cached;
    }
    if (!Objects.equals(w.uid(), m.getMetadata().getUid()) || Objects.equals(cached, w.desiredVersion())) {
      written.remove(key, w);
      return cached;
    }
    return w.desiredVersion();
  }

  private static String key(ManagedAddOn m) {
    return m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
  }

  static boolean ownedBy(ManagedAddOn m, String fleet) {
    Map<String, String> labels = m.getMetadata().getLabels();
    return labels != null && fleet.equals(labels.get(FLEET_LABEL));
  }

  private Optional<ManagedAddOn> create(String cluster, String addOn) {
    ManagedAddOn m = new ManagedAddOn();
    m.setMetadata(new ObjectMetaBuilder().withName(addOn).withNamespace(cluster).addToLabels(FLEET_LABEL, addOn).build());
    m.getSpec().addOn = addOn;
    try {
      ManagedAddOn created = hub.resource(m).create();
      log.info("fleet add-on {}: placed on cluster {}", addOn, cluster);
      return Optional.of(created);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) { // the cache had not seen it yet
        return Optional.ofNullable(hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).get());
      }
      log.warn("fleet add-on {}: cannot create its ManagedAddOn in namespace {}: {}", addOn, cluster, e.getMessage());
      return Optional.empty();
    }
  }

  /** A ManagedAddOn made by hand where the fleet places the add-on: the fleet takes it over (labels are scalars). */
  private Optional<ManagedAddOn> adopt(String cluster, String addOn) {
    log.info("fleet add-on {}: adopting the existing ManagedAddOn on cluster {}", addOn, cluster);
    return Optional.ofNullable(hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn)
        .patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(
            Map.of("metadata", Map.of("labels", Map.of(FLEET_LABEL, addOn))))));
  }

  private static FleetAddOnStatus copyCounts(FleetAddOnStatus old) {
    FleetAddOnStatus s = new FleetAddOnStatus();
    if (old != null) {
      s.total = old.total;
      s.succeeded = old.succeeded;
      s.progressing = old.progressing;
      s.failed = old.failed;
      s.pinned = old.pinned;
      s.unknown = old.unknown;
      s.lastKnownGoodVersion = old.lastKnownGoodVersion;
      s.groups = old.groups;
    }
    return s;
  }

  /**
   * The hub alone writes FleetAddOn status, so it is replaced whole, with a JSON Patch (the CRUD mock appends
   * arrays on merge patches), and only when it changed.
   */
  private void writeStatus(FleetAddOn fleet, FleetAddOnStatus next) {
    var json = hub.getKubernetesSerialization();
    if (fleet.getStatus() != null && json.asJson(fleet.getStatus()).equals(json.asJson(next))) {
      return;
    }
    // the only writer of this status, recomputed from scratch every pass
    StatusWriter.write(hub, fleet, next, StatusWriter.Precondition.LAST_WRITE_WINS);
  }
}
