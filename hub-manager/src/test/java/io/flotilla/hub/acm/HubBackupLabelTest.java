package io.flotilla.hub.acm;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HubBackupLabelTest {
  @Test
  void configurationIsGenericHubDataAndAManagementClusterComesBackOnActivation() {
    BackupPolicy policy = new BackupPolicy();
    policy.getMetadata().setLabels(Map.of("team", "dr"));
    assertThat(HubBackupLabel.stamp(policy).getMetadata().getLabels())
        .containsEntry(HubBackupLabel.LABEL, HubBackupLabel.GENERIC).containsEntry("team", "dr");
    assertThat(HubBackupLabel.stamp(new ManagementCluster()).getMetadata().getLabels())
        .containsEntry(HubBackupLabel.LABEL, HubBackupLabel.ACTIVATION);
  }

  @Test
  void aValueAnAdminChoseStands() {
    BackupPolicy policy = new BackupPolicy();
    policy.getMetadata().setLabels(Map.of(HubBackupLabel.LABEL, HubBackupLabel.ACTIVATION));
    assertThat(HubBackupLabel.stamp(policy).getMetadata().getLabels())
        .containsEntry(HubBackupLabel.LABEL, HubBackupLabel.ACTIVATION);
  }
}
