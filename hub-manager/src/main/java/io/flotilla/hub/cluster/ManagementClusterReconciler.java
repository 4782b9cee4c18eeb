package io.flotilla.hub.cluster;

import io.flotilla.common.EventRecorder;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.cluster.v1alpha1.ManagementClusterStatus;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.hub.cluster.ocm.ManagedClusters;
import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing;
import io.flotilla.hub.cluster.ocm.OcmAvailability;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps a ManagementCluster's Joined and Available conditions in step with its agent's heartbeat Lease
 * ({@link ClusterRegistration#AGENT_LEASE} in the cluster namespace). Decisions are in {@link ClusterAvailability};
 * this class reads, writes the hub-owned status fields with a JSON Patch (never the agent's fields),
 * records an Event on every Available transition and re-checks at the lease expiry.
 *
 * <p>When Flotilla reads OCM's clusters (--cluster-source ocm) it also reads the ManagedCluster of the same name:
 * Available combines the two ({@link OcmAvailability}), Joined of a ManagementCluster made from a ManagedCluster
 * follows the ManagedCluster (it has no {@code flotilla cluster add} to wait for), and such a ManagementCluster whose
 * ManagedCluster is gone is deleted ({@link ManagementClusterSourcing}; this reconciler sees every ManagementCluster
 * after a restart, so none outlives its ManagedCluster by a missed event).
 */
@ControllerConfiguration(name = ManagementClusterReconciler.NAME)
public class ManagementClusterReconciler implements Reconciler<ManagementCluster> {
  public static final String NAME = "managementcluster";
  public static final String COMPONENT = "flotilla-hub-manager";
  /** Events about cluster-scoped objects go to the default namespace, as the API server expects. */
  public static final String EVENT_NAMESPACE = EventRecorder.CLUSTER_SCOPED_NAMESPACE;

  public static final String REASON_JOINED = "AgentJoined";
  public static final String REASON_REGISTERED = "Registered";
  public static final String REASON_NOT_REGISTERED = "NotRegistered";
  public static final String REASON_REGISTERED_THROUGH_OCM = "RegisteredThroughOCM";
  public static final String REASON_MANAGED_CLUSTER_NOT_JOINED = "ManagedClusterNotJoined";

  private static final Logger log = LoggerFactory.getLogger(ManagementClusterReconciler.class);
  private static final Duration RECHECK_SLACK = Duration.ofMillis(20);

  private final KubernetesClient hub;
  private final ClusterAvailability availability;
  private final Duration defaultLeaseDuration;
  private final Clock clock;
  private final EventRecorder events;
  private final boolean ocm;

  public ManagementClusterReconciler(KubernetesClient hub, ClusterAvailability availability, Duration defaultLeaseDuration) {
    this(hub, availability, defaultLeaseDuration, Clock.systemUTC());
  }

  public ManagementClusterReconciler(KubernetesClient hub, ClusterAvailability availability, Duration defaultLeaseDuration,
                                     Clock clock) {
    this(hub, availability, defaultLeaseDuration, clock, false);
  }

  /** @param ocm read the ManagedCluster of each ManagementCluster (the hub serves OCM's cluster API) */
  public ManagementClusterReconciler(KubernetesClient hub, ClusterAvailability availability, Duration defaultLeaseDuration,
                                     Clock clock, boolean ocm) {
    this.hub = Objects.requireNonNull(hub);
    this.availability = Objects.requireNonNull(availability);
    this.defaultLeaseDuration = Objects.requireNonNull(defaultLeaseDuration);
    this.clock = Objects.requireNonNull(clock);
    this.events = new EventRecorder(hub, COMPONENT, clock);
    this.ocm = ocm;
  }

  @Override
  public List<EventSource<?, ManagementCluster>> prepareEventSources(EventSourceContext<ManagementCluster> context) {
    var config = InformerEventSourceConfiguration.from(Lease.class, ManagementCluster.class)
        .withName("agent-leases")
        .withWatchAllNamespaces()
        .withFieldSelector(new FieldSelector(new FieldSelector.Field("metadata.name", ClusterRegistration.AGENT_LEASE)))
        // The cluster namespace is named after the cluster; the ManagementCluster is cluster-scoped.
        .withSecondaryToPrimaryMapper(lease -> ClusterRegistration.AGENT_LEASE.equals(lease.getMetadata().getName())
            ? Set.of(new ResourceID(lease.getMetadata().getNamespace()))
            : Set.of())
        .withPrimaryToSecondaryMapper((ManagementCluster mc) ->
            Set.of(new ResourceID(ClusterRegistration.AGENT_LEASE, mc.getMetadata().getName())))
        .build();
    List<EventSource<?, ManagementCluster>> sources = new ArrayList<>();
    sources.add(new InformerEventSource<>(config, context));
    if (ocm) {
      // the ManagedCluster of the same name (both cluster-scoped)
      sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
          .from(ManagedCluster.class, ManagementCluster.class)
          .withName("managed-clusters")
          .withSecondaryToPrimaryMapper(m -> Set.of(new ResourceID(m.getMetadata().getName())))
          .withPrimaryToSecondaryMapper((ManagementCluster mc) -> Set.of(new ResourceID(mc.getMetadata().getName())))
          // OCM rewrites a ManagedCluster's status now and then; only what this reconciler reads matters
          .withOnUpdateFilter((newer, older) -> !ocmView(newer).equals(ocmView(older)))
          .build(), context));
    }
    return sources;
  }

  private static List<Object> ocmView(ManagedCluster m) {
    return java.util.Arrays.asList(m.getMetadata().getDeletionTimestamp(), ManagedClusters.joined(m),
        ManagedClusters.available(m).map(c -> List.of(String.valueOf(c.getStatus()), String.valueOf(c.getReason()),
            String.valueOf(c.getMessage()))).orElse(null));
  }

  @Override
  public UpdateControl<ManagementCluster> reconcile(ManagementCluster mc, Context<ManagementCluster> context) {
    Lease lease = context.getSecondaryResource(Lease.class).orElse(null);
    ManagedCluster managed = ocm ? context.getSecondaryResource(ManagedCluster.class).orElse(null) : null;
    return reconcile(mc, lease, managed);
  }

  /**
   * One pass over {@code mc}, given its agent's Lease and, with OCM, its ManagedCluster (either null when absent).
   * Called by the operator, and directly by tests.
   */
  public UpdateControl<ManagementCluster> reconcile(ManagementCluster mc, Lease lease, ManagedCluster managed) {
    String name = mc.getMetadata().getName();
    Instant now = clock.instant();
    Instant renewTime = renewTime(lease);
    Duration leaseDuration = leaseDuration(mc, lease);
    boolean lost = mc.getSpec() != null && mc.getSpec().isLost();
    boolean fromOcm = ocm && ManagementClusterSourcing.fromOcm(mc.getMetadata().getLabels());

    if (fromOcm && (managed == null || ManagedClusters.deleting(managed))) {
      // whether a ManagedCluster that exists still qualifies is ManagedClusterReconciler's to say (it reads placements)
      ManagementClusterSourcing.Decision gone = ManagementClusterSourcing.decide(managed == null ? null
          : new ManagementClusterSourcing.Managed(ManagedClusters.accepted(managed), true, false, false,
              ManagedClusters.tainted(managed)), new ManagementClusterSourcing.Existing(true, lost));
      if (gone.action() == ManagementClusterSourcing.Action.DELETE) {
        log.info("cluster {}: deleting its ManagementCluster ({}); its namespace is OCM's and stays, and so do its"
            + " backups", name, gone.reason());
        hub.resource(mc).delete();
        return UpdateControl.noUpdate();
      }
    }

    ClusterAvailability.Decision agent = availability.decide(renewTime, leaseDuration, lost, now);
    ClusterAvailability.Decision decision = ocm ? OcmAvailability.combine(agent, lost, ocmAvailable(managed)) : agent;
    Joined joined = renewTime != null ? new Joined(Conditions.TRUE, REASON_JOINED, "The agent has connected to the hub")
        : fromOcm ? joinedThroughOcm(name, managed) : registered(name);

    ManagementClusterStatus old = mc.getStatus();
    String oldAvailable = old == null ? null : Conditions.find(old.conditions, ManagementCluster.AVAILABLE)
        .map(Condition::getStatus).orElse(null);
    HubStatus next = hubStatus(mc, joined, decision, renewTime, now);
    if (!next.equals(HubStatus.of(old))) {
      patchStatus(mc, next);
    }
    if (!Objects.equals(oldAvailable, decision.status())) {
      log.info("cluster {}: Available {} -> {} ({})", name, oldAvailable, decision.status(), decision.reason());
      recordEvent(mc, decision, now);
    }
    UpdateControl<ManagementCluster> control = UpdateControl.noUpdate();
    if (decision.recheckAt() != null) {
      Duration delay = Duration.between(now, decision.recheckAt()).plus(RECHECK_SLACK);
      control.rescheduleAfter(delay.isNegative() ? RECHECK_SLACK : delay);
    }
    return control;
  }

  record Joined(String status, String reason, String message) {}

  /** The fields of the status the hub owns; the agent owns agentVersion, hostedClusters and hostedClusterNames. */
  record HubStatus(List<Condition> conditions, String lastHeartbeatTime, Long observedGeneration) {
    static HubStatus of(ManagementClusterStatus s) {
      return s == null ? new HubStatus(List.of(), null, null)
          : new HubStatus(s.conditions == null ? List.of() : s.conditions, s.lastHeartbeatTime, s.observedGeneration);
    }
  }

  /** Builds the hub-owned status from the conditions, in one place. */
  HubStatus hubStatus(ManagementCluster mc, Joined joined, ClusterAvailability.Decision decision, Instant renewTime,
                      Instant now) {
    ManagementClusterStatus old = mc.getStatus();
    Long generation = mc.getMetadata().getGeneration();
    List<Condition> conditions = new ArrayList<>(old == null || old.conditions == null ? List.of() : old.conditions);
    Conditions.set(conditions, ManagementCluster.JOINED, joined.status(), joined.reason(), joined.message(), generation, now);
    // While status and reason hold, keep the message written at the transition ("stopped renewing N s ago"),
    // so that re-checks do not rewrite the status every time.
    String message = Conditions.find(conditions, ManagementCluster.AVAILABLE)
        .filter(c -> decision.status().equals(c.getStatus()) && decision.reason().equals(c.getReason()))
        .map(Condition::getMessage).orElse(decision.message());
    Conditions.set(conditions, ManagementCluster.AVAILABLE, decision.status(), decision.reason(), message, generation, now);
    // The hub alone writes lastHeartbeatTime, derived from the Lease (second precision, so sub-second renewals
    // do not rewrite the status).
    String heartbeat = renewTime != null ? Time.format(renewTime) : old == null ? null : old.lastHeartbeatTime;
    return new HubStatus(conditions, heartbeat, generation);
  }

  /**
   * Writes only the hub-owned fields. JSON Patch "add" replaces each member (lists included); JSON merge patch is
   * not used for lists because the fabric8 CRUD mock appends arrays on merge instead of replacing them.
   */
  private void patchStatus(ManagementCluster mc, HubStatus status) {
    var ops = hub.resources(ManagementCluster.class).withName(mc.getMetadata().getName()).subresource("status");
    if (mc.getStatus() == null || mc.getStatus().observedGeneration == null) {
      // make sure /status exists (scalars only, merge-safe) so that the "add" paths below resolve. A status the hub
      // never wrote has no observedGeneration; the object read may carry an empty one the server does not have (a
      // deserialized ManagementCluster always has a status), and the sandbox's API server can hold "status": null
      // after another writer's merge patch (seen after HubBackupLabel's), where an "add" below it fails.
      ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(
          Map.of("status", Map.of("observedGeneration", status.observedGeneration()))));
    }
    List<Map<String, Object>> patch = new ArrayList<>();
    patch.add(Map.of("op", "add", "path", "/status/conditions", "value", status.conditions()));
    if (status.lastHeartbeatTime() != null) {
      patch.add(Map.of("op", "add", "path", "/status/lastHeartbeatTime", "value", status.lastHeartbeatTime()));
    }
    if (status.observedGeneration() != null) {
      patch.add(Map.of("op", "add", "path", "/status/observedGeneration", "value", status.observedGeneration()));
    }
    ops.patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(patch));
  }

  /** ManagedClusterConditionAvailable of {@code managed}; null without a ManagedCluster. */
  static OcmAvailability.Ocm ocmAvailable(ManagedCluster managed) {
    if (managed == null) {
      return null;
    }
    return ManagedClusters.available(managed)
        .map(c -> new OcmAvailability.Ocm(c.getStatus(), c.getReason(), c.getMessage()))
        .orElse(OcmAvailability.Ocm.NOT_REPORTED);
  }

  /** A ManagementCluster made from a ManagedCluster is registered by OCM: no cluster add, no token of Flotilla's. */
  private static Joined joinedThroughOcm(String cluster, ManagedCluster managed) {
    return managed != null && ManagedClusters.joined(managed)
        ? new Joined(Conditions.TRUE, REASON_REGISTERED_THROUGH_OCM, "ManagedCluster " + cluster + " has joined the hub;"
            + " waiting for the agent (the flotilla-agent add-on) to renew its lease")
        : new Joined(Conditions.FALSE, REASON_MANAGED_CLUSTER_NOT_JOINED, managed == null
            ? "There is no ManagedCluster " + cluster + " on the hub any more"
            : "ManagedCluster " + cluster + " has not joined the hub yet");
  }

  private Joined registered(String cluster) {
    boolean namespace = hub.namespaces().withName(cluster).get() != null;
    boolean sa = namespace
        && hub.serviceAccounts().inNamespace(cluster).withName(ClusterRegistration.AGENT_SERVICE_ACCOUNT).get() != null;
    return namespace && sa
        ? new Joined(Conditions.TRUE, REASON_REGISTERED, "Cluster namespace and agent ServiceAccount exist; waiting for the agent")
        : new Joined(Conditions.FALSE, REASON_NOT_REGISTERED,
            "Cluster namespace or agent ServiceAccount missing; run 'flotilla cluster add " + cluster + "'");
  }

  private void recordEvent(ManagementCluster mc, ClusterAvailability.Decision decision, Instant now) {
    events.record(mc, decision.available() ? "Normal" : "Warning",
        decision.available() ? "ClusterAvailable" : "ClusterUnavailable", "Heartbeat",
        decision.reason() + ": " + decision.message());
  }

  static Instant renewTime(Lease lease) {
    if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
      return null;
    }
    return lease.getSpec().getRenewTime().toInstant();
  }

  /** spec.leaseDurationSeconds of the cluster, else the lease's own duration, else the configured default. */
  Duration leaseDuration(ManagementCluster mc, Lease lease) {
    if (mc.getSpec() != null && mc.getSpec().leaseDurationSeconds != null && mc.getSpec().leaseDurationSeconds > 0) {
      return Duration.ofSeconds(mc.getSpec().leaseDurationSeconds);
    }
    if (lease != null && lease.getSpec() != null && lease.getSpec().getLeaseDurationSeconds() != null
        && lease.getSpec().getLeaseDurationSeconds() > 0) {
      return Duration.ofSeconds(lease.getSpec().getLeaseDurationSeconds());
    }
    return defaultLeaseDuration;
  }
}
