package io.flotilla.hub.acm;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.testing.MockApiServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The ACM hub-backup label controllers called directly against the CRUD mock. */
class HubBackupLabelReconcilerTest {
  KubernetesMockServer server;
  KubernetesClient hub;

  @BeforeEach
  void up() {
    server = MockApiServers.startCrud();
    hub = server.createClient();
    MockApiServers.applyCrds(hub, "backupstores.dr.flotilla.io", "managementclusters.cluster.flotilla.io");
  }

  @AfterEach
  void down() {
    hub.close();
    server.destroy();
  }

  @Test
  void configurationIsGenericHubDataAndAManagementClusterComesBackOnActivation() {
    BackupStore store = hub.resource(store("default", null)).create();
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName("mc-1");
    mc = hub.resource(mc).create();

    new HubBackupLabelReconciler.Stores(hub).reconcile(store, null);
    new HubBackupLabelReconciler.Clusters(hub).reconcile(mc, null);

    assertThat(hub.resources(BackupStore.class).withName("default").get().getMetadata().getLabels())
        .containsEntry(HubBackupLabel.LABEL, HubBackupLabel.GENERIC);
    assertThat(hub.resources(ManagementCluster.class).withName("mc-1").get().getMetadata().getLabels())
        .containsEntry(HubBackupLabel.LABEL, HubBackupLabel.ACTIVATION);
  }

  @Test
  void aLabelAnAdminSetStaysAsItIs() {
    BackupStore store = hub.resource(store("offsite", HubBackupLabel.ACTIVATION)).create();
    String version = store.getMetadata().getResourceVersion();

    new HubBackupLabelReconciler.Stores(hub).reconcile(store, null);

    BackupStore after = hub.resources(BackupStore.class).withName("offsite").get();
    assertThat(after.getMetadata().getLabels()).containsEntry(HubBackupLabel.LABEL, HubBackupLabel.ACTIVATION);
    assertThat(after.getMetadata().getResourceVersion()).as("not written").isEqualTo(version);
  }

  private static BackupStore store(String name, String label) {
    BackupStore s = new BackupStore();
    s.getMetadata().setName(name);
    if (label != null) {
      s.getMetadata().setLabels(Map.of(HubBackupLabel.LABEL, label));
    }
    s.getSpec().bucket = "flotilla-backups";
    s.getSpec().credentialsSecret = new NamespacedName("flotilla-system", "s3");
    return s;
  }
}
