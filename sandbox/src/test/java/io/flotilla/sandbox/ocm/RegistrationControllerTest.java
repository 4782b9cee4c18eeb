package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.testing.MutableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OCM registration as the simulator plays it, driven by direct calls on a clock the test moves: the hub's
 * {@link RegistrationController} and a management cluster's {@link Klusterlet} and hypershift-addon claims, against a
 * sandbox hub and spoke (docs/ocm-facts.md §2.3, §I2.1–§I2.3, §I2.6).
 */
class RegistrationControllerTest {
  private static final Instant T0 = Instant.parse("2026-12-10T12:00:00Z");
  static MockApiServer hub;
  static MockApiServer spoke;
  static KubernetesClient spokeAgentClient;
  static ControllerQueue queue;
  final MutableClock clock = new MutableClock(T0);
  final RegistrationController registration = new RegistrationController(hub.adminClient(), clock);

  @BeforeAll
  static void start() {
    hub = MockApiServer.start("hub");
    spoke = MockApiServer.start("mc-1");
    spokeAgentClient = new KubernetesClientBuilder().withConfig(new ConfigBuilder(spoke.adminClient().getConfiguration())
        .withRequestRetryBackoffLimit(0).build()).build();
    queue = new ControllerQueue("test-agents");
  }

  @AfterAll
  static void stop() {
    queue.close();
    spokeAgentClient.close();
    spoke.close();
    hub.close();
  }

  @Test
  void anAcceptedClusterGetsItsNamespaceFinalizersDefaultSetLeaseAndIsUnreachableUntilItsKlusterletSpeaks() {
    createManagedCluster("mc-accept", 60);

    Optional<Instant> recheck = registration.sync("mc-accept");

    // §I2.2: the cluster namespace, named after it and labelled with it
    assertThat(hub.adminClient().namespaces().withName("mc-accept").get().getMetadata().getLabels())
        .containsEntry(Ocm.CLUSTER_NAME_LABEL, "mc-accept");
    ManagedCluster mc = get("mc-accept");
    assertThat(mc.getMetadata().getFinalizers()).contains(Ocm.CLEANUP_FINALIZER, RegistrationController.GC_FINALIZER);
    // §I2.3: a cluster with no set joins the default one (OCM's webhook)
    assertThat(mc.getMetadata().getLabels()).containsEntry(ManagedCluster.CLUSTER_SET_LABEL, "default")
        .containsEntry("name", "mc-accept");
    Condition accepted = mc.condition(ManagedCluster.HUB_ACCEPTED).orElseThrow();
    assertThat(accepted.getStatus()).isEqualTo("True");
    assertThat(accepted.getReason()).isEqualTo("HubClusterAdminAccepted");
    // §2.3: the hub creates the lease when it is missing
    Lease lease = lease("mc-accept");
    assertThat(lease.getSpec().getRenewTime().toInstant()).isEqualTo(T0);
    assertThat(lease.getMetadata().getLabels()).containsEntry(Ocm.CLUSTER_NAME_LABEL, "mc-accept");
    // §I2.1: Available missing → unreachable, NoSelect, from now
    assertThat(taintKeys(mc)).containsExactly(ManagedCluster.TAINT_UNREACHABLE);
    assertThat(mc.getSpec().taints.get(0).effect).isEqualTo("NoSelect");
    assertThat(mc.getSpec().taints.get(0).timeAdded).isEqualTo(Time.format(T0));
    assertThat(recheck).isEmpty(); // the lease's own event brings the next pass
    assertThat(registration.sync("mc-accept")).contains(T0.plus(Duration.ofMinutes(5)));
  }

  @Test
  void theKlusterletJoinsAndSaysAvailableThenTheTaintGoes() {
    createManagedCluster("mc-join", 60);
    registration.sync("mc-join");
    Klusterlet klusterlet = klusterlet("mc-join");

    klusterlet.renewLease();
    klusterlet.syncStatus();
    registration.sync("mc-join");

    ManagedCluster mc = get("mc-join");
    assertThat(mc.condition(ManagedCluster.JOINED).map(Condition::getReason)).contains("ManagedClusterJoined");
    Condition available = mc.condition(ManagedCluster.AVAILABLE).orElseThrow();
    assertThat(available.getStatus()).isEqualTo("True");
    assertThat(available.getReason()).isEqualTo("ManagedClusterAvailable");
    assertThat(taintKeys(mc)).isEmpty();
  }

  /** Must show: a cluster's lease stops, its ManagedCluster goes Unknown with the taint (docs/ocm-facts.md §2.3, §I4.3). */
  @Test
  void aStoppedLeaseMakesTheClusterUnknownAndUnreachableAndARenewedOneUndoesIt() {
    createManagedCluster("mc-lease", 60);
    registration.sync("mc-lease");
    Klusterlet klusterlet = klusterlet("mc-lease");
    klusterlet.renewLease();
    klusterlet.syncStatus();
    registration.sync("mc-lease");

    // the klusterlet stops renewing; within the grace period of 5 × 60 s nothing changes
    clock.advance(Duration.ofSeconds(299));
    assertThat(registration.sync("mc-lease")).contains(T0.plusSeconds(300));
    assertThat(Conditions.statusOf(get("mc-lease").getStatus().conditions, ManagedCluster.AVAILABLE)).isEqualTo("True");

    clock.advance(Duration.ofSeconds(1));
    registration.sync("mc-lease");

    ManagedCluster mc = get("mc-lease");
    Condition available = mc.condition(ManagedCluster.AVAILABLE).orElseThrow();
    assertThat(available.getStatus()).isEqualTo("Unknown");
    assertThat(available.getReason()).isEqualTo("ManagedClusterLeaseUpdateStopped");
    assertThat(available.getMessage()).isEqualTo("Registration agent stopped updating its lease.");
    assertThat(available.getLastTransitionTime()).isEqualTo(Time.format(T0.plusSeconds(300)));
    assertThat(taintKeys(mc)).containsExactly(ManagedCluster.TAINT_UNREACHABLE);
    assertThat(mc.getSpec().taints.get(0).timeAdded).isEqualTo(Time.format(T0.plusSeconds(300)));

    // it comes back: the lease is renewed and the klusterlet says Available; the hub takes the taint away
    clock.advance(Duration.ofSeconds(30));
    klusterlet.renewLease();
    klusterlet.syncStatus();
    registration.sync("mc-lease");

    mc = get("mc-lease");
    assertThat(Conditions.statusOf(mc.getStatus().conditions, ManagedCluster.AVAILABLE)).isEqualTo("True");
    assertThat(taintKeys(mc)).isEmpty();
  }

  @Test
  void anApiServerThatDoesNotAnswerMakesTheClusterUnavailableWithItsTaint() {
    createManagedCluster("mc-down", 60);
    registration.sync("mc-down");
    Klusterlet klusterlet = klusterlet("mc-down");
    spoke.unavailable(true);
    try {
      klusterlet.syncStatus();
    } finally {
      spoke.unavailable(false);
    }
    registration.sync("mc-down");

    ManagedCluster mc = get("mc-down");
    Condition available = mc.condition(ManagedCluster.AVAILABLE).orElseThrow();
    assertThat(available.getStatus()).isEqualTo("False");
    assertThat(available.getReason()).isEqualTo("ManagedClusterKubeAPIServerUnavailable");
    assertThat(available.getMessage()).contains("503");
    assertThat(taintKeys(mc)).containsExactly(ManagedCluster.TAINT_UNAVAILABLE);
  }

  /** Must show: the management clusters are ManagedClusters with the hosting claim (docs/ocm-facts.md §I2.3, §I2.6). */
  @Test
  void theKlusterletReportsTheHypershiftAddonsClaimsOnceJoinedButNotSpokeOnlyOnes() {
    createManagedCluster("mc-claims", 60);
    registration.sync("mc-claims");
    new HostingClusterClaims(spokeAgentClient).sync();
    ClusterClaim spokeOnly = RegistrationDecisionsTest.claim("local.example.com", "x");
    spokeOnly.getMetadata().setLabels(Map.of(ClusterClaim.SPOKE_ONLY_LABEL, "true"));
    spoke.adminClient().resource(spokeOnly).createOr(o -> o.update());

    klusterlet("mc-claims").syncStatus();

    ManagedCluster mc = get("mc-claims");
    assertThat(mc.claim(ClusterClaim.HOSTING_CLUSTER)).contains("true");
    assertThat(mc.claim(ClusterClaim.ZERO_HOSTED_CLUSTER_COUNT)).contains("true");
    assertThat(mc.claim(ClusterClaim.FULL_HOSTED_CLUSTER_COUNT)).contains("false");
    assertThat(mc.claim("local.example.com")).isEmpty();
    ClusterClaim onSpoke = spoke.adminClient().resources(ClusterClaim.class).withName(ClusterClaim.HOSTING_CLUSTER).get();
    assertThat(onSpoke.getMetadata().getLabels()).containsEntry("velero.io/exclude-from-backup", "true");
  }

  @Test
  void nothingIsRenewedOrReportedBeforeTheHubAccepts() {
    createManagedCluster("mc-new", 60);
    Klusterlet klusterlet = klusterlet("mc-new");

    klusterlet.renewLease();
    klusterlet.syncStatus();

    assertThat(hub.adminClient().leases().inNamespace("mc-new").withName(Ocm.LEASE_NAME).get()).isNull();
    ManagedCluster mc = get("mc-new");
    assertThat(mc.getStatus() == null ? List.of() : mc.getStatus().conditions).isNullOrEmpty();
  }

  @Test
  void aClusterNoLongerAcceptedIsDenied() {
    createManagedCluster("mc-deny", 60);
    registration.sync("mc-deny");
    ManagedCluster mc = get("mc-deny");
    mc.getSpec().hubAcceptsClient = false;
    hub.adminClient().resource(mc).update();

    registration.sync("mc-deny");

    Condition accepted = get("mc-deny").condition(ManagedCluster.HUB_ACCEPTED).orElseThrow();
    assertThat(accepted.getStatus()).isEqualTo("False");
    assertThat(accepted.getReason()).isEqualTo("HubClusterAdminDenied");
  }

  @Test
  void aDeletedClusterGoesOnceTheAddOnsInItsNamespaceAreGone() {
    createManagedCluster("mc-gone", 60);
    registration.sync("mc-gone");
    ManagedClusterAddOn addOn = new ManagedClusterAddOn();
    addOn.setMetadata(new ObjectMetaBuilder().withName("flotilla-agent").withNamespace("mc-gone").build());
    hub.adminClient().resource(addOn).create();

    hub.adminClient().resources(ManagedCluster.class).withName("mc-gone").delete();
    assertThat(get("mc-gone").getMetadata().getDeletionTimestamp()).isNotNull();
    registration.sync("mc-gone");
    assertThat(hub.adminClient().resources(ManagedClusterAddOn.class).inNamespace("mc-gone").list().getItems()).isEmpty();
    registration.sync("mc-gone");

    assertThat(get("mc-gone")).isNull();
  }

  // ---- helpers

  private void createManagedCluster(String name, int leaseDurationSeconds) {
    ManagedCluster mc = new ManagedCluster();
    mc.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(Map.of("name", name)).build());
    mc.getSpec().hubAcceptsClient = true;
    mc.getSpec().leaseDurationSeconds = leaseDurationSeconds;
    hub.adminClient().resource(mc).create();
  }

  private Klusterlet klusterlet(String name) {
    return new Klusterlet(name, hub.adminClient(), new ManagedClusters.Spoke(spokeAgentClient), clock, queue);
  }

  private static ManagedCluster get(String name) {
    return hub.adminClient().resources(ManagedCluster.class).withName(name).get();
  }

  private static Lease lease(String ns) {
    return hub.adminClient().leases().inNamespace(ns).withName(Ocm.LEASE_NAME).get();
  }

  private static List<String> taintKeys(ManagedCluster mc) {
    return mc.getSpec().taints == null ? List.of() : mc.getSpec().taints.stream().map(t -> t.key).toList();
  }
}
