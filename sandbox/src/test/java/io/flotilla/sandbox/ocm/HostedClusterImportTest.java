package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hypershift-addon's auto-import and deletion coupling against a sandbox hub and two management clusters, by
 * direct calls (docs/ocm-facts.md §I2.6, §I4.3, §I6.3).
 */
class HostedClusterImportTest {
  static MockApiServer hub;
  static MockApiServer mc1;
  static MockApiServer mc2;
  static HostedClusterImport onMc1;
  static HostedClusterImport onMc2;

  @BeforeAll
  static void start() {
    hub = MockApiServer.start("hub");
    mc1 = MockApiServer.start("mc-1");
    mc2 = MockApiServer.start("mc-2");
    onMc1 = new HostedClusterImport("mc-1", mc1.adminClient(), hub.adminClient());
    onMc2 = new HostedClusterImport("mc-2", mc2.adminClient(), hub.adminClient());
    for (MockApiServer s : new MockApiServer[] {mc1, mc2}) {
      s.adminClient().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("clusters").endMetadata()
          .build()).create();
    }
  }

  @AfterAll
  static void stop() {
    mc2.close();
    mc1.close();
    hub.close();
  }

  @Test
  void aHostedClusterIsImportedInHostedModeOnceItsControlPlaneIsAvailable() {
    hostedCluster(mc1.adminClient(), "hc-import", Map.of("team", "payments"));

    assertThat(onMc1.imports("clusters", "hc-import")).as("not available yet: look again later").isTrue();
    assertThat(managedCluster("hc-import")).isNull();

    available(mc1.adminClient(), "hc-import");
    assertThat(onMc1.imports("clusters", "hc-import")).isFalse();

    ManagedCluster mc = managedCluster("hc-import");
    assertThat(mc.getMetadata().getAnnotations())
        .containsEntry(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, "Hosted")
        .containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-1")
        .containsEntry(ManagedCluster.CREATED_VIA_ANNOTATION, "hypershift");
    assertThat(mc.getMetadata().getLabels()).containsEntry("team", "payments").containsEntry("name", "hc-import")
        .containsEntry(ManagedCluster.CLUSTER_SET_LABEL, "default");
    assertThat(mc.getSpec().hubAcceptsClient).isTrue();
  }

  /** §I4.3: deleting the HostedCluster deletes its ManagedCluster; appearing on another cluster imports it from there. */
  @Test
  void aDeletedHostedClusterTakesItsManagedClusterAlongAndOneCreatedElsewhereIsImportedFromThere() {
    hostedCluster(mc1.adminClient(), "hc-move", Map.of());
    available(mc1.adminClient(), "hc-move");
    onMc1.imports("clusters", "hc-move");

    mc1.adminClient().resources(HostedCluster.class).inNamespace("clusters").withName("hc-move").delete();
    onMc1.deleted(null, "hc-move");
    assertThat(managedCluster("hc-move")).isNull();

    hostedCluster(mc2.adminClient(), "hc-move", Map.of());
    available(mc2.adminClient(), "hc-move");
    onMc2.imports("clusters", "hc-move");

    assertThat(managedCluster("hc-move").getMetadata().getAnnotations())
        .containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-2");
  }

  /**
   * A copy that becomes available elsewhere while the ManagedCluster exists changes nothing, and the source's deletion
   * then deletes the ManagedCluster whichever cluster it names: the trap a migration meets (docs/ocm-facts.md §I6.3).
   */
  @Test
  void aCopyElsewhereDoesNotMoveTheManagedClusterAndTheSourcesDeletionStillDeletesIt() {
    hostedCluster(mc1.adminClient(), "hc-copy", Map.of());
    available(mc1.adminClient(), "hc-copy");
    onMc1.imports("clusters", "hc-copy");
    hostedCluster(mc2.adminClient(), "hc-copy", Map.of());
    available(mc2.adminClient(), "hc-copy");

    assertThat(onMc2.imports("clusters", "hc-copy")).isFalse();
    assertThat(managedCluster("hc-copy").getMetadata().getAnnotations())
        .containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-1");

    mc1.adminClient().resources(HostedCluster.class).inNamespace("clusters").withName("hc-copy").delete();
    onMc1.deleted(null, "hc-copy");

    assertThat(managedCluster("hc-copy")).isNull();
  }

  @Test
  void aManagedClusterHiveCreatedIsNeverDeleted() {
    ManagedCluster hive = HostedClusterImports.managedCluster(HostedClusterImportsTest.hostedCluster("hc-hive", null, null),
        "mc-1");
    hive.getMetadata().getAnnotations().put(ManagedCluster.CREATED_VIA_ANNOTATION, "hive");
    hub.adminClient().resource(hive).create();

    onMc1.deleted(null, "hc-hive");

    assertThat(managedCluster("hc-hive")).isNotNull();
  }

  @Test
  void aHostedClusterFoundBeingDeletedIsNotImported() {
    HostedCluster hc = hostedCluster(mc1.adminClient(), "hc-dying", Map.of());
    hc.getMetadata().setFinalizers(java.util.List.of("hypershift.openshift.io/finalizer"));
    mc1.adminClient().resource(hc).update();
    available(mc1.adminClient(), "hc-dying");
    mc1.adminClient().resources(HostedCluster.class).inNamespace("clusters").withName("hc-dying").delete();

    assertThat(onMc1.imports("clusters", "hc-dying")).isFalse();
    assertThat(managedCluster("hc-dying")).isNull();
  }

  // ---- helpers

  static HostedCluster hostedCluster(KubernetesClient mc, String name, Map<String, String> labels) {
    HostedCluster hc = HostedClusterImportsTest.hostedCluster(name, labels, null);
    return mc.resource(hc).create();
  }

  static void available(KubernetesClient mc, String name) {
    HostedCluster hc = mc.resources(HostedCluster.class).inNamespace("clusters").withName(name).get();
    hc.getStatus().conditions.add(new ConditionBuilder().withType(HostedCluster.AVAILABLE).withStatus("True")
        .withReason(HostedCluster.REASON_AS_EXPECTED).withMessage("").withLastTransitionTime("2026-12-10T12:00:00Z")
        .build());
    mc.resource(hc).updateStatus();
  }

  private static ManagedCluster managedCluster(String name) {
    return hub.adminClient().resources(ManagedCluster.class).withName(name).get();
  }
}
