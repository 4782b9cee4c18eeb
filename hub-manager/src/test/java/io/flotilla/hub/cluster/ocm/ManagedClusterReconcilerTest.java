package io.flotilla.hub.cluster.ocm;

import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.CREATE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.DELETE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.KEEP;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.LEAVE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.NONE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.SYNC;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action;
import io.flotilla.hub.cluster.selection.PlacementDecisions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ManagedClusterReconciler called directly against the CRUD mock: which ManagementClusters OCM's clusters make. */
@EnableKubernetesMockClient(crud = true)
class ManagedClusterReconcilerTest {
  static final PlacementRef MGMT = new PlacementRef("ops", "management");

  KubernetesClient client;
  OcmHub hub;
  ManagedClusterReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new OcmHub(client);
    reconciler = new ManagedClusterReconciler(client, MGMT);
  }

  /** One pass, reading what the operator's informers and the decisions query would hand it. */
  Action pass(String name) {
    return reconciler.reconcile(hub.managedCluster(name), hub.managementCluster(name),
        PlacementDecisions.read(client, MGMT)).action();
  }

  @Test
  void aHostingClusterGetsAManagementClusterAndNothingElse() {
    hub.managedCluster("mc1", m -> {
      OcmHub.hosting(m);
      m.getMetadata().getLabels().put("cloud", "aws");
    });
    int namespaces = client.namespaces().list().getItems().size();

    assertThat(pass("mc1")).isEqualTo(CREATE);
    ManagementCluster mc = hub.managementCluster("mc1");
    assertThat(mc.getMetadata().getLabels()).containsEntry(ManagementClusterSourcing.SOURCE_LABEL, "ocm")
        .containsEntry("cloud", "aws").containsEntry("name", "mc1");
    assertThat(mc.getMetadata().getAnnotations())
        .containsEntry(ManagementClusterSourcing.MANAGED_CLUSTER_ANNOTATION, "mc1")
        .containsEntry(ManagementClusterSourcing.SELECTED_BY_ANNOTATION, "hosting-cluster")
        .containsEntry(ManagementClusterSourcing.MIRRORED_LABELS_ANNOTATION, "cloud,name");
    assertThat(mc.getMetadata().getOwnerReferences()).isNullOrEmpty();
    // the namespace is OCM's; no ServiceAccount, Role, token or Secret of Flotilla's
    assertThat(client.namespaces().list().getItems()).hasSize(namespaces);
    assertThat(client.serviceAccounts().inNamespace("mc1").list().getItems()).isEmpty();
    assertThat(client.rbac().roles().inNamespace("mc1").list().getItems()).isEmpty();
    assertThat(client.rbac().clusterRoles().list().getItems()).isEmpty();
    assertThat(client.secrets().inNamespace("mc1").list().getItems()).isEmpty();

    assertThat(pass("mc1")).isEqualTo(SYNC);
  }

  @Test
  void theHypershiftAddOnsLabelMarksAHostingClusterToo() {
    hub.managedCluster("mc1", m -> m.getMetadata().getLabels()
        .put(ManagedCluster.addOnFeatureLabel(ManagedClusters.HYPERSHIFT_ADDON), "available"));
    assertThat(pass("mc1")).isEqualTo(CREATE);
  }

  @Test
  void anyOtherClusterGetsNoneAndNeitherDoesOneNotAccepted() {
    hub.managedCluster("plain", m -> { });
    hub.managedCluster("pending", m -> {
      OcmHub.hosting(m);
      m.getSpec().hubAcceptsClient = false;
    });
    assertThat(pass("plain")).isEqualTo(NONE);
    assertThat(pass("pending")).isEqualTo(NONE);
    assertThat(client.resources(ManagementCluster.class).list().getItems()).isEmpty();
  }

  @Test
  void theConfiguredPlacementMakesThemTooAndAClusterItDropsGoesUnlessUnreachable() {
    hub.managedCluster("mc1", m -> { });
    hub.managedCluster("mc2", m -> { });
    hub.decision("ops", "management", 1, "mc1", "mc2");
    assertThat(pass("mc1")).isEqualTo(CREATE);
    assertThat(pass("mc2")).isEqualTo(CREATE);
    assertThat(hub.managementCluster("mc1").getMetadata().getAnnotations())
        .containsEntry(ManagementClusterSourcing.SELECTED_BY_ANNOTATION, "placement ops/management");

    // mc2's lease stops: OCM taints it and the Placement drops it; mc1 is dropped while it answers
    hub.editManagedCluster("mc2", OcmHub::leaseStopped);
    hub.decision("ops", "management", 1);
    assertThat(pass("mc2")).isEqualTo(KEEP);
    assertThat(pass("mc1")).isEqualTo(DELETE);
    assertThat(hub.managementCluster("mc1")).isNull();
    assertThat(hub.managementCluster("mc2")).isNotNull();
    // a cluster namespace is never deleted by Flotilla
    assertThat(client.namespaces().withName("mc1").get()).isNotNull();

    // back and still not placed: it goes
    hub.editManagedCluster("mc2", OcmHub::leaseRenewed);
    assertThat(pass("mc2")).isEqualTo(DELETE);
  }

  @Test
  void aManagementClusterMadeByClusterAddIsLeftAsItIs() {
    ManagementCluster byHand = new ManagementCluster();
    byHand.getMetadata().setName("mc1");
    byHand.getMetadata().setLabels(Map.of("env", "prod"));
    byHand.setStatus(null);
    client.resource(byHand).create();
    hub.managedCluster("mc1", OcmHub::hosting);

    assertThat(pass("mc1")).isEqualTo(LEAVE);
    assertThat(hub.managementCluster("mc1").getMetadata().getLabels()).isEqualTo(Map.of("env", "prod"));
    hub.editManagedCluster("mc1", m -> m.getStatus().clusterClaims = null);
    assertThat(pass("mc1")).isEqualTo(LEAVE);
    assertThat(hub.managementCluster("mc1")).isNotNull();
  }

  @Test
  void labelsFollowTheManagedClusterAndOthersLabelsStay() {
    hub.managedCluster("mc1", m -> {
      OcmHub.hosting(m);
      m.getMetadata().getLabels().put("cloud", "aws");
      m.getMetadata().getLabels().put("region", "eu");
    });
    pass("mc1");
    client.resources(ManagementCluster.class).withName("mc1").edit(mc -> {
      mc.getMetadata().getLabels().put("team", "dr");
      return mc;
    });

    hub.editManagedCluster("mc1", m -> {
      m.getMetadata().getLabels().remove("region");
      m.getMetadata().getLabels().put("cloud", "gcp");
    });
    assertThat(pass("mc1")).isEqualTo(SYNC);
    ManagementCluster mc = hub.managementCluster("mc1");
    assertThat(mc.getMetadata().getLabels()).isEqualTo(Map.of("cloud", "gcp", "name", "mc1", "team", "dr",
        ManagementClusterSourcing.SOURCE_LABEL, "ocm"));
    assertThat(mc.getMetadata().getAnnotations())
        .containsEntry(ManagementClusterSourcing.MIRRORED_LABELS_ANNOTATION, "cloud,name");
  }

  @Test
  void aLostClusterIsKeptWhenItStopsQualifying() {
    hub.managedCluster("mc1", OcmHub::hosting);
    pass("mc1");
    client.resources(ManagementCluster.class).withName("mc1").edit(mc -> {
      mc.getSpec().lost = true;
      return mc;
    });
    hub.editManagedCluster("mc1", m -> m.getStatus().clusterClaims = null);
    assertThat(pass("mc1")).isEqualTo(KEEP);
    assertThat(hub.managementCluster("mc1").getSpec().lost).isTrue();
  }
}
