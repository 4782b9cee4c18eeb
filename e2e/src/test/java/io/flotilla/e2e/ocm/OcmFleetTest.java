package io.flotilla.e2e.ocm;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.ocm.addon.AgentDeploymentRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13's OCM fleet (docs/architecture.md, OCM mode): the sandbox with OCM simulated, where the management clusters
 * are ManagedClusters with the hosting claim, the agents are deployed by the flotilla add-on (manifests/ocm/) through a
 * Placement and run with the add-on registration's hub credential, and no `cluster add` ever runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OcmFleetTest {
  @TempDir
  static Path dir;
  Fleet fleet;

  @BeforeAll
  void up() {
    // Fleet.up returns once every ManagementCluster is Available: with OCM, made from ManagedClusters, no `cluster add`
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(1).withOcm(true));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  @Order(1)
  void managementClustersAreHostingManagedClustersAvailableWithoutClusterAdd() {
    for (String cluster : fleet.clusterNames()) {
      ManagedCluster mc = fleet.hub().resources(ManagedCluster.class).withName(cluster).get();
      assertThat(mc.getStatus().clusterClaims).as(cluster)
          .anySatisfy(c -> {
            assertThat(c.name).isEqualTo(ClusterClaim.HOSTING_CLUSTER);
            assertThat(c.value).isEqualTo("true");
          });
      assertThat(fleet.availability(cluster)).as(cluster).isEqualTo(Conditions.TRUE);
      // ClusterRegistration.join would label its ServiceAccount managed-by flotilla; the only one here is the add-on
      // token driver's (AddOnManager's RegistrationPlan), which mints the registration credential
      var sa = fleet.hub().serviceAccounts().inNamespace(cluster).withName(ClusterRegistration.AGENT_SERVICE_ACCOUNT).get();
      if (sa != null) {
        assertThat(sa.getMetadata().getLabels()).as(cluster)
            .containsEntry("addon.open-cluster-management.io/token-infrastructure", "true")
            .doesNotContainKey(ClusterRegistration.MANAGED_BY_LABEL);
      }
    }
    assertThat(fleet.hub().resources(ManagementCluster.class).list().getItems())
        .extracting(m -> m.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(fleet.clusterNames());
  }

  @Test
  @Order(2)
  void theAgentsRunFromTheTemplateWithTheHubMintedRegistrationToken() throws Exception {
    for (String cluster : fleet.clusterNames()) {
      Deployment d = fleet.spokeClient(cluster).apps().deployments().inNamespace(AgentDeploymentRunner.NAMESPACE)
          .withName(AgentDeploymentRunner.DEPLOYMENT).get();
      assertThat(d).as(cluster).isNotNull();
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
          .contains("--cluster-name=" + cluster);
      Secret secret = fleet.spokeClient(cluster).secrets().inNamespace(AgentDeploymentRunner.NAMESPACE)
          .withName(AgentDeploymentRunner.SECRET).get();
      String fromSecret = new String(Base64.getDecoder().decode(secret.getData().get("kubeconfig")), StandardCharsets.UTF_8);
      Path file = fleet.options().dir().toAbsolutePath().resolve("agents").resolve(cluster + "-hub.kubeconfig");
      assertThat(Files.readString(file)).isEqualTo(fromSecret);
      assertThat(Files.getPosixFilePermissions(file)).extracting(Object::toString)
          .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
      String token = new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
      assertThat(fromSecret).contains(token);
      assertThat(fleet.hubServer().issuedToken(token)).as("the hub minted %s's token", cluster).isTrue();
    }
  }

  @Test
  @Order(3)
  void aBackupCompletes() {
    HostedClusterBackup b = new HostedClusterBackup();
    String hc = fleet.hostedClusters("mc-1").get(0);
    b.setMetadata(new ObjectMetaBuilder().withName(hc + "-ocm").withNamespace("mc-1").build());
    b.getSpec().hostedCluster = new NamespacedName(Fleet.HOSTED_CLUSTER_NAMESPACE, hc);
    b.getSpec().store = Fleet.BACKUP_STORE;
    fleet.hub().resource(b).create();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      HostedClusterBackup now = fleet.hub().resources(HostedClusterBackup.class).inNamespace("mc-1")
          .withName(hc + "-ocm").get();
      return now.getStatus() != null && (now.getStatus().phase == Phase.Completed || now.getStatus().phase == Phase.Failed);
    });
    HostedClusterBackup done = fleet.hub().resources(HostedClusterBackup.class).inNamespace("mc-1").withName(hc + "-ocm").get();
    assertThat(done.getStatus().phase).as(String.valueOf(done.getStatus().conditions)).isEqualTo(Phase.Completed);
  }

  @Test
  @Order(10)
  void aStoppedLeaseMakesTheManagedClusterUnknownAndUnreachableAndTheManagementClusterUnknown() {
    fleet.ocm().klusterlet("mc-2").stop();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      ManagedCluster mc = fleet.hub().resources(ManagedCluster.class).withName("mc-2").get();
      assertThat(Conditions.statusOf(mc.getStatus().conditions, ManagedCluster.AVAILABLE)).isEqualTo(Conditions.UNKNOWN);
      assertThat(mc.getSpec().taints).anySatisfy(t -> assertThat(t.key).isEqualTo(ManagedCluster.TAINT_UNREACHABLE));
      assertThat(fleet.availability("mc-2")).isEqualTo(Conditions.UNKNOWN);
    });
    assertThat(fleet.availability("mc-1")).isEqualTo(Conditions.TRUE);
  }
}
