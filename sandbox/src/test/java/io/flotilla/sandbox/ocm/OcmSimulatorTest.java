package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.flotilla.sandbox.ocm.OcmFixtures.binding;
import static io.flotilla.sandbox.ocm.OcmFixtures.placement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The wiring: the simulator started on a hub with one management cluster reacts to events and time on its own
 * (1 s leases, so the grace period is 5 s). The rules themselves are held by the controller and decision tests.
 */
class OcmSimulatorTest {
  static MockApiServer hub;
  static MockApiServer mc1;
  static OcmSimulator ocm;

  @BeforeAll
  static void start() {
    hub = MockApiServer.start("hub");
    mc1 = MockApiServer.start("mc-1");
    ocm = new OcmSimulator(hub.adminClient(), new OcmSimulator.Options(1, Duration.ofMillis(200), Duration.ofSeconds(1),
        Clock.systemUTC()));
    ocm.start();
    ocm.join("mc-1", mc1.adminClient(), Map.of("flotilla.io/sandbox", "true"));
    mc1.adminClient().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("clusters").endMetadata()
        .build()).create();
    hub.adminClient().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("flotilla-system")
        .endMetadata().build()).create();
    hub.adminClient().resource(binding("flotilla-system", "default")).create();
    hub.adminClient().resource(placement("flotilla-system", "everything")).create();
  }

  @AfterAll
  static void stop() {
    ocm.close();
    mc1.close();
    hub.close();
  }

  @Test
  void aManagementClusterJoinsWithTheHostingClaimAndGoesUnknownWhenItsLeaseStops() {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ManagedCluster mc = managedCluster("mc-1");
      assertThat(status(mc, ManagedCluster.JOINED)).isEqualTo("True");
      assertThat(status(mc, ManagedCluster.AVAILABLE)).isEqualTo("True");
      assertThat(mc.claim(ClusterClaim.HOSTING_CLUSTER)).contains("true");
      assertThat(mc.getSpec().taints).isNullOrEmpty();
      assertThat(mc.getSpec().leaseDurationSeconds).isEqualTo(1);
      assertThat(mc.getMetadata().getLabels()).containsEntry("name", "mc-1").containsEntry("flotilla.io/sandbox", "true");
      assertThat(decided("everything")).contains("mc-1");
    });

    ocm.klusterlet("mc-1").stop();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ManagedCluster mc = managedCluster("mc-1");
      assertThat(status(mc, ManagedCluster.AVAILABLE)).isEqualTo("Unknown");
      assertThat(mc.getSpec().taints).extracting(t -> t.key).containsExactly(ManagedCluster.TAINT_UNREACHABLE);
      assertThat(decided("everything")).doesNotContain("mc-1");
    });

    ocm.klusterlet("mc-1").start();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ManagedCluster mc = managedCluster("mc-1");
      assertThat(status(mc, ManagedCluster.AVAILABLE)).isEqualTo("True");
      assertThat(mc.getSpec().taints).isNullOrEmpty();
      assertThat(decided("everything")).contains("mc-1");
    });
  }

  @Test
  void aHostedClusterIsImportedRunsItsKlusterletOnItsManagementClusterAndGoesWithIt() {
    KubernetesClient spoke = mc1.adminClient();
    HostedClusterImportTest.hostedCluster(spoke, "hc-1", Map.of());
    HostedClusterImportTest.available(spoke, "hc-1");

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      ManagedCluster mc = managedCluster("hc-1");
      assertThat(mc).isNotNull();
      assertThat(mc.getMetadata().getAnnotations()).containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-1");
      assertThat(status(mc, ManagedCluster.AVAILABLE)).isEqualTo("True");
      assertThat(mc.claim(ClusterClaim.HOSTED_CLUSTER)).contains("true");
      assertThat(managedCluster("mc-1").claim(ClusterClaim.ZERO_HOSTED_CLUSTER_COUNT)).contains("false");
    });
    assertThat(ocm.klusterlet("hc-1").isRunning()).isTrue();

    spoke.resources(HostedCluster.class).inNamespace("clusters").withName("hc-1").delete();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(managedCluster("hc-1")).isNull());
  }

  @Test
  void aManagedClusterDeletedWhileItsHostedClusterStaysIsNotImportedAgain() throws InterruptedException {
    KubernetesClient spoke = mc1.adminClient();
    HostedClusterImportTest.hostedCluster(spoke, "hc-2", Map.of());
    HostedClusterImportTest.available(spoke, "hc-2");
    await().atMost(Duration.ofSeconds(20)).until(() -> managedCluster("hc-2") != null);

    hub.adminClient().resources(ManagedCluster.class).withName("hc-2").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> managedCluster("hc-2") == null);

    // auto-import reacts to a HostedCluster's creation only (docs/ocm-facts.md §I6.3): five retry intervals pass
    Thread.sleep(1_000);
    assertThat(managedCluster("hc-2")).isNull();
  }

  private static ManagedCluster managedCluster(String name) {
    return hub.adminClient().resources(ManagedCluster.class).withName(name).get();
  }

  private static String status(ManagedCluster mc, String type) {
    return mc.getStatus() == null ? null : Conditions.find(mc.getStatus().conditions, type)
        .map(io.fabric8.kubernetes.api.model.Condition::getStatus).orElse(null);
  }

  private static List<String> decided(String placement) {
    return hub.adminClient().resources(PlacementDecision.class).inNamespace("flotilla-system")
        .withLabel(PlacementDecision.PLACEMENT_LABEL, placement).list().getItems().stream()
        .flatMap(pd -> pd.getStatus() == null ? java.util.stream.Stream.empty() : pd.getStatus().decisions.stream())
        .map(d -> d.clusterName).toList();
  }
}
