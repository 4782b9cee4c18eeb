package io.flotilla.hub.addon;

import io.flotilla.testing.MockApiServers;

import io.flotilla.testing.MutableClock;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.cluster.v1alpha1.ManagementClusterStatus;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A hub on the fabric8 CRUD mock with the add-on CRDs, and the moves of the other parties (operator, agent). */
final class AddOnHub {
  static final String[] CRDS = {"managementclusters.cluster.flotilla.io", "managedaddons.addon.flotilla.io",
      "fleetaddons.addon.flotilla.io", "addonreleases.addon.flotilla.io"};

  final KubernetesClient client;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

  AddOnHub(KubernetesClient client) {
    this.client = client;
    MockApiServers.applyCrds(client, CRDS);
  }

  /** A registered cluster (namespace + ManagementCluster) whose Available condition is True or Unknown. */
  ManagementCluster cluster(String name, boolean available, String... labels) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getMetadata().setLabels(labels(labels));
    mc = client.resource(mc).create();
    return setAvailable(name, available);
  }

  ManagementCluster setAvailable(String name, boolean available) {
    ManagementCluster mc = client.resources(ManagementCluster.class).withName(name).get();
    ManagementClusterStatus s = mc.getStatus() == null ? new ManagementClusterStatus() : mc.getStatus();
    Conditions.set(s.conditions, ManagementCluster.AVAILABLE, available ? Conditions.TRUE : Conditions.UNKNOWN,
        available ? "AgentHeartbeat" : "AgentLeaseUpdateStopped", "test", 1L, clock.instant());
    mc.setStatus(s);
    return client.resource(mc).updateStatus();
  }

  void relabel(String cluster, String... labels) {
    client.resources(ManagementCluster.class).withName(cluster).edit(mc -> {
      mc.getMetadata().setLabels(labels(labels));
      return mc;
    });
  }

  void release(String addOn, String... versions) {
    for (String v : versions) {
      AddOnRelease r = new AddOnRelease();
      r.getMetadata().setName(AddOnRelease.nameFor(addOn, v));
      r.getSpec().addOn = addOn;
      r.getSpec().version = v;
      client.resource(r).create();
    }
  }

  FleetAddOn fleet(String addOn, String version, RolloutStrategy strategy, FleetAddOnSpec.FailureStrategy failure,
                   String... selector) {
    FleetAddOn f = new FleetAddOn();
    f.getMetadata().setName(addOn);
    f.getSpec().version = version;
    f.getSpec().rolloutStrategy = strategy;
    f.getSpec().failureStrategy = failure;
    if (selector.length > 0) {
      f.getSpec().placement.clusterSelector = new LabelSelectorBuilder().withMatchLabels(labels(selector)).build();
    }
    return client.resource(f).create();
  }

  FleetAddOn fleet(String name) { return client.resources(FleetAddOn.class).withName(name).get(); }

  /** Page {@code n} of an OCM Placement's decision, as OCM's placement controller writes it (object, then status). */
  void decision(String namespace, String placement, int n, String... clusters) {
    io.flotilla.api.foreign.ocm.PlacementDecision pd = new io.flotilla.api.foreign.ocm.PlacementDecision();
    pd.getMetadata().setName(placement + "-decision-" + n);
    pd.getMetadata().setNamespace(namespace);
    pd.getMetadata().setLabels(Map.of(io.flotilla.api.foreign.ocm.PlacementDecision.PLACEMENT_LABEL, placement));
    pd = client.resource(pd).createOr(op -> op.update());
    pd.setStatus(new io.flotilla.api.foreign.ocm.PlacementDecision.Status());
    for (String c : clusters) {
      io.flotilla.api.foreign.ocm.PlacementDecision.Decision d = new io.flotilla.api.foreign.ocm.PlacementDecision.Decision();
      d.clusterName = c;
      pd.getStatus().decisions.add(d);
    }
    client.resource(pd).updateStatus();
  }

  FleetAddOn editFleet(String name, java.util.function.Consumer<FleetAddOnSpec> change) {
    return client.resources(FleetAddOn.class).withName(name).edit(f -> {
      change.accept(f.getSpec());
      return f;
    });
  }

  ManagedAddOn addOn(String cluster, String addOn) {
    return client.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).get();
  }

  List<ManagedAddOn> addOns(String addOn) {
    return client.resources(ManagedAddOn.class).inAnyNamespace().list().getItems().stream()
        .filter(m -> m.getMetadata().getName().equals(addOn)).toList();
  }

  String desired(String cluster, String addOn) {
    ManagedAddOn m = addOn(cluster, addOn);
    return m == null || m.getStatus() == null ? null : m.getStatus().desiredVersion;
  }

  void pin(String cluster, String addOn, String version) {
    client.resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).edit(m -> {
      m.getSpec().version = version;
      return m;
    });
  }

  /**
   * What a spoke agent writes: its own status fields (never desiredVersion), by GET and PUT of /status, as the agent
   * does. {@code phase} null means no operation.
   */
  ManagedAddOn agentReports(String cluster, String addOn, String current, ManagedAddOnStatus.Type type,
                            ManagedAddOnStatus.Phase phase, String to) {
    ManagedAddOn m = addOn(cluster, addOn);
    ManagedAddOnStatus s = m.getStatus() == null ? new ManagedAddOnStatus() : m.getStatus();
    if (s.operation != null && !(to.equals(s.operation.toVersion) && s.operation.phase == ManagedAddOnStatus.Phase.InProgress)) {
      List<ManagedAddOnStatus.Operation> h = new ArrayList<>();
      h.add(s.operation);
      h.addAll(s.history);
      s.history = h;
    }
    ManagedAddOnStatus.Operation op = new ManagedAddOnStatus.Operation();
    op.type = type;
    op.phase = phase;
    op.fromVersion = s.currentVersion;
    op.toVersion = to;
    op.startedAt = phase == ManagedAddOnStatus.Phase.InProgress || s.operation == null ? Time.format(clock.instant())
        : s.operation.startedAt;
    op.completedAt = phase == ManagedAddOnStatus.Phase.InProgress ? null : Time.format(clock.instant());
    s.operation = op;
    s.currentVersion = current;
    if (phase == ManagedAddOnStatus.Phase.Succeeded) {
      s.previousVersion = s.lastKnownGoodVersion;
      s.lastKnownGoodVersion = to;
    }
    Conditions.set(s.conditions, ManagedAddOn.AVAILABLE,
        phase == ManagedAddOnStatus.Phase.Failed ? Conditions.FALSE : Conditions.TRUE, "Agent", "agent says", 1L,
        clock.instant());
    m.setStatus(s);
    return client.resource(m).updateStatus();
  }

  /** The agent installed {@code version} and it succeeded. */
  void agentInstalled(String cluster, String addOn, String version) {
    agentReports(cluster, addOn, version, ManagedAddOnStatus.Type.Install, ManagedAddOnStatus.Phase.Succeeded, version);
  }

  static RolloutStrategy progressive(int maxConcurrency, int maxFailures) {
    RolloutStrategy s = new RolloutStrategy();
    s.type = RolloutStrategy.Type.Progressive;
    s.maxConcurrency = new IntOrString(maxConcurrency);
    s.maxFailures = new IntOrString(maxFailures);
    return s;
  }

  static Map<String, String> labels(String... kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

}
