package io.flotilla.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing;
import io.flotilla.testing.MockApiServers;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The hub-manager on an OCM hub (cluster source auto, found by discovery), as it runs: OCM's clusters become
 * ManagementClusters through the operator's event sources, without {@code flotilla cluster add}.
 */
@EnableKubernetesMockClient(crud = true)
class OcmModeTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  KubernetesClient client;

  void managedCluster(String name, Consumer<ManagedCluster> change) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
    ManagedCluster mc = client.resources(ManagedCluster.class).withName(name).get();
    if (mc == null) {
      mc = new ManagedCluster();
      mc.getMetadata().setName(name);
      mc.getSpec().hubAcceptsClient = true;
      mc = client.resource(mc).create();
    }
    if (mc.getStatus() == null) {
      mc.setStatus(new ManagedCluster.Status());
      mc.getStatus().conditions = new ArrayList<>();
    }
    change.accept(mc);
    ManagedCluster.Status status = mc.getStatus();
    mc = client.resource(mc).update();
    mc.setStatus(status);
    client.resource(mc).updateStatus();
  }

  static void available(ManagedCluster mc, String status, String reason) {
    Conditions.set(mc.getStatus().conditions, ManagedCluster.AVAILABLE, status, reason, "klusterlet", null,
        Instant.now());
    Conditions.set(mc.getStatus().conditions, ManagedCluster.JOINED, "True", "ManagedClusterJoined", "joined", null,
        Instant.now());
  }

  static void hosting(ManagedCluster mc) {
    ManagedCluster.ClusterClaimValue claim = new ManagedCluster.ClusterClaimValue();
    claim.name = ClusterClaim.HOSTING_CLUSTER;
    claim.value = "true";
    mc.getStatus().clusterClaims = List.of(claim);
    available(mc, "True", "ManagedClusterAvailable");
  }

  String available(String cluster) {
    ManagementCluster mc = client.resources(ManagementCluster.class).withName(cluster).get();
    return mc == null || mc.getStatus() == null ? null
        : Conditions.find(mc.getStatus().conditions, ManagementCluster.AVAILABLE)
            .map(c -> c.getStatus() + "/" + c.getReason()).orElse(null);
  }

  @Test
  void ocmsClustersBecomeManagementClustersWithoutClusterAdd() {
    MockApiServers.applyCrds(client, "managementclusters.cluster.flotilla.io", "fleetaddons.addon.flotilla.io",
        "managedaddons.addon.flotilla.io", "addonreleases.addon.flotilla.io",
        "managedclusters.cluster.open-cluster-management.io", "placementdecisions.cluster.open-cluster-management.io");
    managedCluster("mc1", OcmModeTest::hosting);
    managedCluster("spoke", mc -> available(mc, "True", "ManagedClusterAvailable"));

    HubManagerConfig config = HubManagerConfig.defaults().withLeaderElection(false).withExitOnLostLeadership(false);
    try (HubManager manager = new HubManager(client, config)) {
      manager.start();
      assertThat(manager.readsOcm()).isTrue();

      await().atMost(WAIT).untilAsserted(() -> assertThat(client.resources(ManagementCluster.class).withName("mc1")
          .get().getMetadata().getLabels()).containsEntry(ManagementClusterSourcing.SOURCE_LABEL, "ocm"));
      // the agent (an OCM add-on) heartbeats: Available, and no namespace, ServiceAccount or token was made
      client.leases().inNamespace("mc1").resource(new LeaseBuilder().withNewMetadata()
          .withName(ClusterRegistration.AGENT_LEASE).withNamespace("mc1").endMetadata()
          .withNewSpec().withHolderIdentity("mc1").withLeaseDurationSeconds(60)
          .withRenewTime(Instant.now().atZone(ZoneOffset.UTC)).endSpec().build()).create();
      await().atMost(WAIT).untilAsserted(() -> assertThat(available("mc1")).isEqualTo("True/AgentHeartbeat"));
      assertThat(client.serviceAccounts().inNamespace("mc1").list().getItems()).isEmpty();
      assertThat(client.resources(ManagementCluster.class).withName("spoke").get()).isNull();
      // the hypershift-addon installed later claims it a hosting cluster: a status change, no new generation
      managedCluster("spoke", OcmModeTest::hosting);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(client.resources(ManagementCluster.class).withName("spoke").get()).isNotNull());

      // a FleetAddOn placed by an OCM Placement follows its decisions
      AddOnRelease release = new AddOnRelease();
      release.getMetadata().setName(AddOnRelease.nameFor("foo", "1.0.0"));
      release.getSpec().addOn = "foo";
      release.getSpec().version = "1.0.0";
      client.resource(release).create();
      FleetAddOn fleet = new FleetAddOn();
      fleet.getMetadata().setName("foo");
      fleet.getSpec().version = "1.0.0";
      fleet.getSpec().placement.placementRef = new PlacementRef("ops", "canary");
      client.resource(fleet).create();
      PlacementDecision pd = new PlacementDecision();
      pd.getMetadata().setName("canary-decision-1");
      pd.getMetadata().setNamespace("ops");
      pd.getMetadata().setLabels(java.util.Map.of(PlacementDecision.PLACEMENT_LABEL, "canary"));
      pd = client.resource(pd).create();
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = "mc1";
      pd.setStatus(new PlacementDecision.Status());
      pd.getStatus().decisions.add(d);
      client.resource(pd).updateStatus();
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(client.resources(ManagedAddOn.class).inNamespace("mc1").withName("foo").get()).isNotNull());

      // its klusterlet's lease stops: OCM says Unknown and taints it; the ManagementCluster follows, and stays
      managedCluster("mc1", mc -> {
        available(mc, "Unknown", ManagedCluster.REASON_LEASE_UPDATE_STOPPED);
        ManagedCluster.Taint t = new ManagedCluster.Taint();
        t.key = ManagedCluster.TAINT_UNREACHABLE;
        t.effect = ManagedCluster.EFFECT_NO_SELECT;
        mc.getSpec().taints = List.of(t);
      });
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(available("mc1")).isEqualTo("Unknown/" + ManagedCluster.REASON_LEASE_UPDATE_STOPPED));

      // its ManagedCluster deleted: the ManagementCluster goes, OCM's namespace stays
      client.resources(ManagedCluster.class).withName("mc1").delete();
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(client.resources(ManagementCluster.class).withName("mc1").get()).isNull());
      assertThat(client.namespaces().withName("mc1").get()).isNotNull();
    }
  }

  @Test
  void aHubWithoutOcmStaysStandalone() {
    MockApiServers.applyCrds(client, "managementclusters.cluster.flotilla.io");
    HubManagerConfig config = HubManagerConfig.defaults().withLeaderElection(false).withExitOnLostLeadership(false);
    try (HubManager manager = new HubManager(client, config)) {
      manager.start();
      assertThat(manager.readsOcm()).isFalse();
    }
  }
}
