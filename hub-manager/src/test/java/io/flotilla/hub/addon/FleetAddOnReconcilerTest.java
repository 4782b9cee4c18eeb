package io.flotilla.hub.addon;

import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase.Failed;
import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase.InProgress;
import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase.Succeeded;
import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Rollback;
import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Upgrade;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.rollout.RolloutPlanner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fleet reconcile pass against the CRUD mock, called directly; the test plays operator and agents. */
@EnableKubernetesMockClient(crud = true)
class FleetAddOnReconcilerTest {
  static final String V0 = "1.0.0";
  static final String V1 = "1.1.0";
  static final String V2 = "1.2.0";

  KubernetesClient client;
  AddOnHub hub;
  FleetAddOnReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new AddOnHub(client);
    hub.release("foo", V0, V1, V2);
    reconciler = new FleetAddOnReconciler(client, hub.clock, Duration.ofMinutes(5));
  }

  FleetAddOnReconciler.Result reconcile(String fleet) {
    return reconciler.reconcile(hub.fleet(fleet), HubObjects.fromApi(client));
  }

  Map<String, String> desired(String addOn) {
    Map<String, String> out = new TreeMap<>();
    for (ManagedAddOn m : hub.addOns(addOn)) {
      out.put(m.getMetadata().getNamespace(), m.getStatus() == null ? null : m.getStatus().desiredVersion);
    }
    return out;
  }

  Condition condition(String fleet, String type) {
    return Conditions.find(hub.fleet(fleet).getStatus().conditions, type).orElseThrow();
  }

  @Test
  void placementFollowsClusterLabels() {
    hub.cluster("mc1", true, "env", "prod");
    hub.cluster("mc2", true, "env", "dev");
    hub.cluster("mc3", true, "env", "prod", "tier", "gold");
    FleetAddOn f = hub.fleet("foo", V0, new RolloutStrategy(), FailureStrategy.Pause);
    client.resources(FleetAddOn.class).withName("foo").edit(x -> {
      // set-based: the mock ignores these in list calls, so they must be evaluated client-side
      x.getSpec().placement.clusterSelector = new LabelSelectorBuilder().addNewMatchExpression().withKey("env")
          .withOperator("In").withValues("prod").endMatchExpression().build();
      return x;
    });

    reconcile("foo");
    assertThat(desired("foo")).containsOnlyKeys("mc1", "mc3");
    ManagedAddOn m = hub.addOn("mc1", "foo");
    assertThat(m.getSpec().addOn).isEqualTo("foo");
    assertThat(m.getMetadata().getLabels()).containsEntry(FleetAddOnReconciler.FLEET_LABEL, "foo");
    assertThat(desired("foo")).containsEntry("mc1", V0); // strategy All: installed at once

    hub.relabel("mc3", "env", "dev");
    hub.relabel("mc2", "env", "prod");
    FleetAddOnReconciler.Result r = reconcile("foo");
    assertThat(r.placement().delete()).containsExactly("mc3");
    assertThat(r.placement().create()).containsExactly("mc2");
    assertThat(desired("foo")).containsOnlyKeys("mc1", "mc2");
    assertThat(hub.fleet("foo").getStatus().total).isEqualTo(2);
  }

  @Test
  void aPlacementRefPlacesOnTheClustersItsDecisionsName() {
    io.flotilla.testing.MockApiServers.applyCrd(client, "placementdecisions.cluster.open-cluster-management.io");
    hub.cluster("mc1", true, "env", "prod");
    hub.cluster("mc2", true, "env", "prod");
    hub.cluster("mc3", true);
    hub.fleet("foo", V0, new RolloutStrategy(), FailureStrategy.Pause);
    hub.editFleet("foo", s -> s.placement.placementRef = new io.flotilla.api.common.PlacementRef("ops", "canary"));
    // two pages, as OCM writes them; a cluster the decisions name but Flotilla does not know is not placed
    hub.decision("ops", "canary", 1, "mc1");
    hub.decision("ops", "canary", 2, "mc3", "unknown");
    reconciler = new FleetAddOnReconciler(client, hub.clock, Duration.ofMinutes(5),
        io.flotilla.hub.cluster.selection.ClusterSelections.ocm(client));

    assertThat(reconcile("foo").placement().placed()).containsExactly("mc1", "mc3");
    assertThat(desired("foo")).containsOnlyKeys("mc1", "mc3");
    assertThat(condition("foo", FleetAddOnReconciler.INVALID_PLACEMENT).getMessage())
        .isEqualTo("the clusters are those the OCM Placement ops/canary decided");

    // the Placement decides again: labels still do not matter
    hub.decision("ops", "canary", 2, "mc2");
    FleetAddOnReconciler.Result r = reconcile("foo");
    assertThat(r.placement().delete()).containsExactly("mc3");
    assertThat(desired("foo")).containsOnlyKeys("mc1", "mc2");
  }

  @Test
  void aPlacementRefOnAHubWithoutOcmChangesNothingAndSaysWhy() {
    hub.cluster("mc1", true);
    hub.fleet("foo", V0, new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    assertThat(desired("foo")).containsOnlyKeys("mc1");

    hub.editFleet("foo", s -> s.placement.placementRef = new io.flotilla.api.common.PlacementRef(null, "canary"));
    assertThat(reconcile("foo").placement()).isNull();
    assertThat(desired("foo")).containsOnlyKeys("mc1");
    Condition invalid = condition("foo", FleetAddOnReconciler.INVALID_PLACEMENT);
    assertThat(invalid.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(invalid.getMessage()).startsWith("placement.placementRef names the OCM Placement flotilla-system/canary,"
        + " but this hub-manager does not read OCM");

    hub.editFleet("foo", s -> s.placement.clusterSelector = new LabelSelectorBuilder().addToMatchLabels("env", "x")
        .build());
    reconcile("foo");
    assertThat(condition("foo", FleetAddOnReconciler.INVALID_PLACEMENT).getMessage())
        .startsWith("placement.clusterSelector and placement.placementRef are both set");
    assertThat(desired("foo")).containsOnlyKeys("mc1");
  }

  @Test
  void aHandMadeManagedAddOnInThePlacementIsAdopted() {
    hub.cluster("mc1", true);
    ManagedAddOn m = new ManagedAddOn();
    m.getMetadata().setName("foo");
    m.getMetadata().setNamespace("mc1");
    m.getSpec().addOn = "foo";
    client.resource(m).create();
    hub.fleet("foo", V0, new RolloutStrategy(), FailureStrategy.Pause);

    assertThat(reconcile("foo").placement().adopt()).containsExactly("mc1");
    assertThat(hub.addOn("mc1", "foo").getMetadata().getLabels()).containsEntry(FleetAddOnReconciler.FLEET_LABEL, "foo");
    assertThat(hub.desired("mc1", "foo")).isEqualTo(V0);
    // a later removal from the placement deletes it like any other
    hub.editFleet("foo", s -> s.placement.clusterSelector = new LabelSelectorBuilder().addToMatchLabels("env", "x").build());
    reconcile("foo");
    assertThat(hub.addOn("mc1", "foo")).isNull();
  }

  @Test
  void desiredVersionsAdvanceWaveByWaveAsAgentsReport() {
    List<String> names = List.of("mc1", "mc2", "mc3", "mc4", "mc5");
    for (String n : names) {
      hub.cluster(n, true);
    }
    hub.fleet("foo", V0, new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    names.forEach(n -> hub.agentInstalled(n, "foo", V0));
    reconcile("foo");
    assertThat(condition("foo", RolloutPlanner.COMPLETE).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(hub.fleet("foo").getStatus().lastKnownGoodVersion).isEqualTo(V0);

    hub.editFleet("foo", s -> s.rolloutStrategy = AddOnHub.progressive(2, 0));
    hub.editFleet("foo", s -> s.version = V1);
    int waves = 0;
    for (int round = 0; round < 10; round++) {
      reconcile("foo");
      List<String> inFlight = names.stream().filter(n -> V1.equals(hub.desired(n, "foo"))
          && !succeeded(n, V1)).toList();
      if (inFlight.isEmpty()) {
        break;
      }
      waves++;
      assertThat(inFlight).as("wave %d", waves).hasSizeLessThanOrEqualTo(2);
      // the agents work on what they were told: first in progress (nothing new may start), then done
      for (String n : inFlight) {
        hub.agentReports(n, "foo", V0, Upgrade, InProgress, V1);
      }
      reconcile("foo");
      assertThat(names.stream().filter(n -> V1.equals(hub.desired(n, "foo")) && !succeeded(n, V1)))
          .hasSize(inFlight.size());
      hub.clock.advance(Duration.ofMinutes(1));
      for (String n : inFlight) {
        hub.agentReports(n, "foo", V1, Upgrade, Succeeded, V1);
      }
    }
    assertThat(waves).isEqualTo(3); // 2 + 2 + 1
    reconcile("foo");
    var status = hub.fleet("foo").getStatus();
    assertThat(status.total).isEqualTo(5);
    assertThat(status.succeeded).isEqualTo(5);
    assertThat(status.progressing).isZero();
    assertThat(status.lastKnownGoodVersion).isEqualTo(V1);
    assertThat(status.observedGeneration).isEqualTo(hub.fleet("foo").getMetadata().getGeneration());
    assertThat(condition("foo", RolloutPlanner.COMPLETE).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(condition("foo", RolloutPlanner.PROGRESSING).getReason()).isEqualTo(RolloutPlanner.REASON_COMPLETE);
  }

  boolean succeeded(String cluster, String version) {
    var s = hub.addOn(cluster, "foo").getStatus();
    return s != null && s.operation != null && version.equals(s.operation.toVersion) && s.operation.phase == Succeeded;
  }

  @Test
  void failureBudgetPausesAndRollbackReturnsFailedClustersToLastKnownGood() {
    List<String> names = List.of("mc1", "mc2", "mc3", "mc4");
    for (String n : names) {
      hub.cluster(n, true);
    }
    hub.fleet("foo", V1, AddOnHub.progressive(2, 0), FailureStrategy.Pause);
    reconcile("foo");
    // jump straight to: everyone runs 1.1.0
    names.forEach(n -> client.resources(ManagedAddOn.class).inNamespace(n).withName("foo").editStatus(m -> {
      m.getStatus().desiredVersion = V1;
      return m;
    }));
    names.forEach(n -> hub.agentInstalled(n, "foo", V1));
    reconcile("foo");
    assertThat(hub.fleet("foo").getStatus().lastKnownGoodVersion).isEqualTo(V1);

    hub.editFleet("foo", s -> s.version = V2);
    reconcile("foo");
    assertThat(desired("foo")).containsEntry("mc1", V2).containsEntry("mc2", V2).containsEntry("mc3", V1);
    hub.agentReports("mc1", "foo", V2, Upgrade, Failed, V2);
    reconcile("foo");
    assertThat(condition("foo", RolloutPlanner.ROLLOUT_PAUSED).getReason())
        .isEqualTo(RolloutPlanner.REASON_FAILURE_BUDGET_SPENT);
    assertThat(condition("foo", RolloutPlanner.ROLLOUT_PAUSED).getMessage()).contains("mc1");
    assertThat(desired("foo")).as("Pause: nothing new starts, the failed cluster stays")
        .containsEntry("mc1", V2).containsEntry("mc3", V1).containsEntry("mc4", V1);
    assertThat(hub.fleet("foo").getStatus().failed).isEqualTo(1);

    hub.editFleet("foo", s -> s.failureStrategy = FailureStrategy.Rollback);
    reconcile("foo");
    assertThat(hub.desired("mc1", "foo")).as("rolled back to its last-known-good version").isEqualTo(V1);
    hub.agentReports("mc1", "foo", V1, Rollback, Succeeded, V1);
    reconcile("foo");
    assertThat(hub.desired("mc1", "foo")).as("and not retried").isEqualTo(V1);
    assertThat(hub.fleet("foo").getStatus().failed).isEqualTo(1);
    assertThat(desired("foo")).containsEntry("mc3", V1).containsEntry("mc4", V1);
  }

  @Test
  void pinsAreHonouredAndAPinWithoutReleaseIsReportedNotApplied() {
    hub.cluster("mc1", true);
    hub.cluster("mc2", true);
    hub.cluster("mc3", true);
    hub.fleet("foo", V1, new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    hub.pin("mc1", "foo", V0);
    hub.pin("mc2", "foo", "1.9.0");
    reconcile("foo");

    assertThat(desired("foo")).containsEntry("mc1", V0).containsEntry("mc2", V1).containsEntry("mc3", V1);
    assertThat(hub.fleet("foo").getStatus().pinned).isEqualTo(2);
    Condition invalid = Conditions.find(hub.addOn("mc2", "foo").getStatus().conditions, ManagedAddOn.INVALID_VERSION)
        .orElseThrow();
    assertThat(invalid.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(invalid.getReason()).isEqualTo("InvalidVersion");
    assertThat(invalid.getMessage()).isEqualTo("no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0, 1.2.0");
    assertThat(Conditions.find(hub.addOn("mc1", "foo").getStatus().conditions, ManagedAddOn.INVALID_VERSION))
        .as("a good pin gets no condition").isEmpty();

    hub.pin("mc2", "foo", V2);
    reconcile("foo");
    assertThat(hub.desired("mc2", "foo")).isEqualTo(V2);
    assertThat(Conditions.find(hub.addOn("mc2", "foo").getStatus().conditions, ManagedAddOn.INVALID_VERSION)
        .orElseThrow().getStatus()).isEqualTo(Conditions.FALSE);
  }

  @Test
  void aTargetWithoutReleasePlansNothing() {
    hub.cluster("mc1", true);
    hub.fleet("foo", "1.9.0", new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    assertThat(desired("foo")).containsEntry("mc1", null);
    Condition c = condition("foo", FleetAddOnReconciler.INVALID_VERSION);
    assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(c.getMessage()).isEqualTo("no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0, 1.2.0");
    assertThat(condition("foo", RolloutPlanner.PROGRESSING).getReason()).isEqualTo("InvalidVersion");

    hub.editFleet("foo", s -> s.version = V1);
    reconcile("foo");
    assertThat(hub.desired("mc1", "foo")).isEqualTo(V1);
    assertThat(condition("foo", FleetAddOnReconciler.INVALID_VERSION).getStatus()).isEqualTo(Conditions.FALSE);
  }

  @Test
  void aStrategyThatMakesNoSensePlansNothing() {
    hub.cluster("mc1", true);
    RolloutStrategy s = AddOnHub.progressive(1, 0);
    s.maxConcurrency = new IntOrString(0);
    hub.fleet("foo", V1, s, FailureStrategy.Pause);
    reconcile("foo");
    assertThat(desired("foo")).containsEntry("mc1", null);
    Condition c = condition("foo", FleetAddOnReconciler.INVALID_ROLLOUT_STRATEGY);
    assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(c.getMessage()).contains("maxConcurrency");
  }

  @Test
  void anUnknownClusterIsNotStartedAndNotCountedAsFailed() {
    hub.cluster("mc1", true);
    hub.cluster("mc2", false);
    hub.fleet("foo", V1, new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    assertThat(desired("foo")).containsEntry("mc1", V1).containsEntry("mc2", null);
    var status = hub.fleet("foo").getStatus();
    assertThat(status.unknown).isEqualTo(1);
    assertThat(status.failed).isZero();

    hub.setAvailable("mc2", true);
    reconcile("foo");
    assertThat(hub.desired("mc2", "foo")).isEqualTo(V1);
  }

  @Test
  void aReconcileReschedulesAtTheNextSoakEnd() {
    hub.cluster("mc1", true);
    hub.cluster("mc2", true);
    RolloutStrategy s = AddOnHub.progressive(1, 0);
    s.minSuccessTime = "10m";
    hub.fleet("foo", V1, s, FailureStrategy.Pause);
    reconciler = new FleetAddOnReconciler(client, hub.clock, Duration.ofHours(1));
    reconcile("foo");
    hub.agentReports("mc1", "foo", V1, io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Install, Succeeded, V1);
    hub.clock.advance(Duration.ofMinutes(4));
    FleetAddOnReconciler.Result r = reconcile("foo");
    assertThat(r.recheckAfter()).isBetween(Duration.ofMinutes(6), Duration.ofMinutes(6).plusSeconds(1));
    assertThat(new FleetAddOnReconciler(client, hub.clock, Duration.ofMinutes(5))
        .reconcile(hub.fleet("foo"), HubObjects.fromApi(client)).recheckAfter()).as("capped").isEqualTo(Duration.ofMinutes(5));
    assertThat(hub.desired("mc2", "foo")).isNull();
    hub.clock.advance(Duration.ofMinutes(6));
    reconcile("foo");
    assertThat(hub.desired("mc2", "foo")).isEqualTo(V1);
  }

  @Test
  void aCacheThatHasNotSeenTheHubsOwnWriteYetDoesNotStartMoreClusters() {
    hub.cluster("mc1", false); // Unknown at first, so mc2 goes first
    hub.cluster("mc2", true);
    hub.cluster("mc3", true);
    hub.fleet("foo", V1, AddOnHub.progressive(1, 0), FailureStrategy.Pause);
    reconcile("foo"); // creates the ManagedAddOns and starts mc2
    assertThat(desired("foo")).containsEntry("mc1", null).containsEntry("mc2", V1);
    hub.setAvailable("mc1", true); // now mc1 would be first in line
    // the hub's informer cache as it was before that write: no desired version anywhere yet
    List<ManagedAddOn> stale = hub.addOns("foo").stream().map(m -> {
      ManagedAddOn copy = client.getKubernetesSerialization().clone(m);
      copy.getStatus().desiredVersion = null;
      return copy;
    }).toList();
    HubObjects api = HubObjects.fromApi(client);
    HubObjects lagging = new HubObjects() {
      @Override public List<io.flotilla.api.cluster.v1alpha1.ManagementCluster> clusters() { return api.clusters(); }
      @Override public List<ManagedAddOn> managedAddOns(String addOn) { return stale; }
      @Override public List<io.flotilla.api.addon.v1alpha1.AddOnRelease> releases(String addOn) { return api.releases(addOn); }
      @Override public java.util.Optional<FleetAddOn> fleet(String name) { return api.fleet(name); }
    };
    reconciler.reconcile(hub.fleet("foo"), lagging);
    assertThat(desired("foo")).as("mc2 still holds the only slot").containsEntry("mc1", null)
        .containsEntry("mc2", V1).containsEntry("mc3", null);

    // a fresh reconciler (e.g. a new leader) starts from a fresh cache instead, and agrees
    new FleetAddOnReconciler(client, hub.clock, Duration.ofMinutes(5)).reconcile(hub.fleet("foo"), api);
    assertThat(desired("foo")).containsEntry("mc1", null).containsEntry("mc3", null);
  }

  @Test
  void deletingTheFleetDeletesItsManagedAddOns() {
    hub.cluster("mc1", true);
    hub.cluster("mc2", true);
    hub.fleet("foo", V1, new RolloutStrategy(), FailureStrategy.Pause);
    reconcile("foo");
    assertThat(hub.addOns("foo")).hasSize(2);
    reconciler.cleanup(hub.fleet("foo"), null);
    assertThat(hub.addOns("foo")).isEmpty();
  }
}
