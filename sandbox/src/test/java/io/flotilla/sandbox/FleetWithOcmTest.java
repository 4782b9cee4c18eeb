package io.flotilla.sandbox;

import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `sandbox up --ocm`: the fleet's management clusters and hosted clusters are OCM ManagedClusters, and a cluster
 * whose lease stops goes Unknown with the unreachable taint (docs/architecture.md, The sandbox; docs/ocm-facts.md
 * §2.3, §I2.6).
 */
class FleetWithOcmTest {
  @TempDir static Path dir;
  static Fleet fleet;

  @BeforeAll
  static void up() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")) || System.getenv(EtcdLauncher.ENV_VAR) != null, "etcd missing");
    fleet = Fleet.up(Fleet.Options.defaults(dir).withClusters(1).withHostedPerCluster(1).withEtcdSeedBytes(64 * 1024)
        .withHeartbeat(Duration.ofSeconds(1), 5).withOcm(true), line -> { });
  }

  @AfterAll
  static void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  /** Must show: the management clusters are ManagedClusters with the hosting claim. */
  @Test
  void managementClustersAreManagedClustersWithTheHostingClaimAndTheirHostedClustersAreImported() {
    ManagedCluster mc1 = managedCluster("mc-1");
    assertThat(Conditions.isTrue(mc1.getStatus().conditions, ManagedCluster.AVAILABLE)).isTrue();
    assertThat(mc1.claim(ClusterClaim.HOSTING_CLUSTER)).contains("true");
    assertThat(mc1.getMetadata().getLabels()).containsEntry("name", "mc-1")
        .containsEntry(ManagedCluster.CLUSTER_SET_LABEL, "default");
    assertThat(fleet.hub().namespaces().withName("mc-1").get().getMetadata().getLabels())
        .containsEntry("open-cluster-management.io/cluster-name", "mc-1");

    String hc = fleet.hostedClusters("mc-1").get(0);
    ManagedCluster hosted = managedCluster(hc);
    assertThat(hosted.getMetadata().getAnnotations())
        .containsEntry(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, "Hosted")
        .containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-1");
    assertThat(Conditions.isTrue(hosted.getStatus().conditions, ManagedCluster.AVAILABLE)).isTrue();
  }

  /** Must show: a cluster's lease stops, its ManagedCluster goes Unknown with the taint. */
  @Test
  void aStoppedLeaseMakesTheManagedClusterUnknownWithTheUnreachableTaintUntilItIsRenewed() {
    fleet.ocm().klusterlet("mc-1").stop();
    try {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        ManagedCluster mc = managedCluster("mc-1");
        assertThat(Conditions.statusOf(mc.getStatus().conditions, ManagedCluster.AVAILABLE)).isEqualTo("Unknown");
        assertThat(mc.getSpec().taints).extracting(t -> t.key).contains(ManagedCluster.TAINT_UNREACHABLE);
      });
      // the hub-manager reads OCM's clusters here: Available needs OCM and the agent both (OcmAvailability), so the
      // ManagementCluster leaves Available though Flotilla's own agent still renews its lease
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fleet.isAvailable("mc-1")).isFalse());
    } finally {
      fleet.ocm().klusterlet("mc-1").start();
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      ManagedCluster mc = managedCluster("mc-1");
      assertThat(Conditions.isTrue(mc.getStatus().conditions, ManagedCluster.AVAILABLE)).isTrue();
      assertThat(mc.getSpec().taints).isNullOrEmpty();
      assertThat(fleet.isAvailable("mc-1")).isTrue();
    });
  }

  private static ManagedCluster managedCluster(String name) {
    return fleet.hub().resources(ManagedCluster.class).withName(name).get();
  }
}
