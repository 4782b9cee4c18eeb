package io.flotilla.e2e;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.BuildInfo;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Flow 1 (registration and health), on every backend this machine has. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationScenarioTest {
  @TempDir static Path dir;
  private Backends backends;

  @BeforeAll
  void setUp() { backends = new Backends(dir, 2, 2); }

  @AfterAll
  void tearDown() { backends.close(); }

  static java.util.stream.Stream<String> backends() { return Backends.names(); }

  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void clustersRegisterAndBecomeAvailable(String backend) {
    FleetBackend fleet = backends.get(backend);
    for (String cluster : fleet.clusters()) {
      await(cluster + " Available").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        ManagementCluster mc = fleet.hub().resources(ManagementCluster.class).withName(cluster).get();
        assertThat(mc).isNotNull();
        assertThat(mc.getStatus()).isNotNull();
        assertThat(Conditions.statusOf(mc.getStatus().conditions, ManagementCluster.AVAILABLE)).isEqualTo("True");
        assertThat(mc.getStatus().agentVersion).isEqualTo(BuildInfo.version());
        assertThat(mc.getStatus().hostedClusters).isEqualTo(fleet.hostedClusters(cluster).size());
        assertThat(mc.getStatus().hostedClusterNames)
            .containsExactlyInAnyOrderElementsOf(fleet.hostedClusters(cluster).stream().map(h -> "clusters/" + h).toList());
        assertThat(mc.getStatus().lastHeartbeatTime).isNotBlank();
      });
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void anAgentOutageMakesItsClusterUnknownAndARestartMakesItAvailable(String backend) {
    FleetBackend fleet = backends.get(backend);
    String victim = fleet.clusters().get(0);
    String bystander = fleet.clusters().get(1);
    await().atMost(Duration.ofSeconds(60)).until(() -> "True".equals(available(fleet, victim)));

    fleet.stopAgent(victim);

    // Not before the grace period: one missed heartbeat is no outage.
    await().pollDelay(fleet.heartbeat()).atMost(fleet.heartbeat().multipliedBy(2)).untilAsserted(() ->
        assertThat(available(fleet, victim)).isEqualTo("True"));
    // Within the grace period (plus a reconcile's worth of slack) it is Unknown, not False: nobody knows.
    await().atMost(fleet.gracePeriod().plus(fleet.heartbeat().multipliedBy(3))).untilAsserted(() ->
        assertThat(available(fleet, victim)).isEqualTo("Unknown"));
    assertThat(available(fleet, bystander)).isEqualTo("True");
    ManagementCluster mc = fleet.hub().resources(ManagementCluster.class).withName(victim).get();
    assertThat(Conditions.find(mc.getStatus().conditions, ManagementCluster.AVAILABLE).orElseThrow().getReason())
        .isEqualTo("AgentLeaseUpdateStopped");

    fleet.startAgent(victim);

    await().atMost(fleet.heartbeat().multipliedBy(10)).untilAsserted(() ->
        assertThat(available(fleet, victim)).isEqualTo("True"));
  }

  private static String available(FleetBackend fleet, String cluster) {
    ManagementCluster mc = fleet.hub().resources(ManagementCluster.class).withName(cluster).get();
    return mc == null || mc.getStatus() == null ? "Unknown"
        : Conditions.statusOf(mc.getStatus().conditions, ManagementCluster.AVAILABLE);
  }
}
