package io.flotilla.hub.cluster.ocm;

import static io.flotilla.hub.cluster.ocm.OcmHub.condition;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.EventRecorder;
import io.flotilla.hub.cluster.ClusterAvailability;
import io.flotilla.hub.cluster.ManagementClusterReconciler;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ManagementClusterReconciler on an OCM hub, called directly against the CRUD mock. */
@EnableKubernetesMockClient(crud = true)
class ManagementClusterReconcilerOcmTest {
  KubernetesClient client;
  OcmHub hub;
  ManagementClusterReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new OcmHub(client);
    reconciler = new ManagementClusterReconciler(client, new ClusterAvailability(), Duration.ofSeconds(60), hub.clock,
        true);
  }

  /** One pass, reading what the operator's informers would hand it. */
  ManagementCluster pass(String name) {
    ManagementCluster mc = hub.managementCluster(name);
    reconciler.reconcile(mc, hub.lease(name), hub.managedCluster(name));
    return hub.managementCluster(name);
  }

  @Test
  void aClusterOcmRegisteredIsAvailableWithoutClusterAdd() {
    hub.managedCluster("mc1", OcmHub::hosting);
    hub.ocmManagementCluster("mc1");

    // no cluster add: no Flotilla ServiceAccount, and no "run flotilla cluster add" either
    ManagementCluster mc = pass("mc1");
    assertThat(condition(mc, ManagementCluster.JOINED).getReason())
        .isEqualTo(ManagementClusterReconciler.REASON_REGISTERED_THROUGH_OCM);
    assertThat(condition(mc, ManagementCluster.JOINED).getStatus()).isEqualTo("True");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getReason()).isEqualTo("AgentNeverConnected");
    assertThat(client.serviceAccounts().inNamespace("mc1").list().getItems()).isEmpty();

    // the agent, delivered as an OCM add-on, starts renewing its lease
    hub.heartbeat("mc1", hub.clock.instant());
    mc = pass("mc1");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getStatus()).isEqualTo("True");
    assertThat(condition(mc, ManagementCluster.JOINED).getReason()).isEqualTo(ManagementClusterReconciler.REASON_JOINED);
  }

  @Test
  void aClusterWhoseLeaseStopsGoesUnknownWithOcmsReasonAndBackWhenItAnswers() {
    hub.managedCluster("mc1", OcmHub::hosting);
    hub.ocmManagementCluster("mc1");
    hub.heartbeat("mc1", hub.clock.instant());
    assertThat(condition(pass("mc1"), ManagementCluster.AVAILABLE).getStatus()).isEqualTo("True");

    // the klusterlet's lease stops: OCM says Unknown and taints the cluster, while the agent's lease is still fresh
    hub.editManagedCluster("mc1", OcmHub::leaseStopped);
    ManagementCluster mc = pass("mc1");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getStatus()).isEqualTo("Unknown");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getReason())
        .isEqualTo(ManagedCluster.REASON_LEASE_UPDATE_STOPPED);
    assertThat(client.v1().events().inNamespace(EventRecorder.CLUSTER_SCOPED_NAMESPACE).list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ClusterUnavailable"));
    // an outage unregisters nothing
    assertThat(hub.managementCluster("mc1")).isNotNull();

    hub.editManagedCluster("mc1", OcmHub::leaseRenewed);
    hub.heartbeat("mc1", hub.clock.instant());
    assertThat(condition(pass("mc1"), ManagementCluster.AVAILABLE).getStatus()).isEqualTo("True");
  }

  @Test
  void ocmReportingTheApiServerFailingMakesItFalse() {
    hub.managedCluster("mc1", m -> OcmHub.condition(m, ManagedCluster.AVAILABLE, "False",
        "ManagedClusterKubeAPIServerUnavailable", "/livez returned 500"));
    hub.ocmManagementCluster("mc1");
    hub.heartbeat("mc1", hub.clock.instant());
    ManagementCluster mc = pass("mc1");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getStatus()).isEqualTo("False");
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getMessage()).contains("/livez returned 500");
  }

  @Test
  void itsManagedClusterGoneTheManagementClusterGoesButNotItsNamespace() {
    hub.managedCluster("mc1", OcmHub::hosting);
    hub.ocmManagementCluster("mc1");
    pass("mc1");
    client.resources(ManagedCluster.class).withName("mc1").delete();

    reconciler.reconcile(hub.managementCluster("mc1"), hub.lease("mc1"), null);
    assertThat(hub.managementCluster("mc1")).isNull();
    assertThat(client.namespaces().withName("mc1").get()).isNotNull();
  }

  @Test
  void aLostClusterOutlivesItsManagedClusterForTheFailover() {
    hub.managedCluster("mc1", OcmHub::hosting);
    hub.ocmManagementCluster("mc1");
    client.resources(ManagementCluster.class).withName("mc1")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"lost\":true}}");
    client.resources(ManagedCluster.class).withName("mc1").delete();

    reconciler.reconcile(hub.managementCluster("mc1"), null, null);
    ManagementCluster mc = hub.managementCluster("mc1");
    assertThat(mc).isNotNull();
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getReason()).isEqualTo("DeclaredLost");
    assertThat(condition(mc, ManagementCluster.JOINED).getReason())
        .isEqualTo(ManagementClusterReconciler.REASON_MANAGED_CLUSTER_NOT_JOINED);
  }

  @Test
  void oneMadeByClusterAddIsNeverDeletedButSeesItsManagedClustersAvailability() {
    ManagementCluster byHand = new ManagementCluster();
    byHand.getMetadata().setName("mc1");
    byHand.setStatus(null);
    client.resource(byHand).create();
    hub.managedCluster("mc1", OcmHub::leaseStopped);
    hub.heartbeat("mc1", hub.clock.instant());
    assertThat(condition(pass("mc1"), ManagementCluster.AVAILABLE).getReason())
        .isEqualTo(ManagedCluster.REASON_LEASE_UPDATE_STOPPED);

    client.resources(ManagedCluster.class).withName("mc1").delete();
    reconciler.reconcile(hub.managementCluster("mc1"), hub.lease("mc1"), null);
    ManagementCluster mc = hub.managementCluster("mc1");
    assertThat(mc).isNotNull();
    assertThat(condition(mc, ManagementCluster.AVAILABLE).getStatus()).isEqualTo("True");
  }
}
