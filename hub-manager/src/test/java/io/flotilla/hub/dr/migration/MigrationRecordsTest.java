package io.flotilla.hub.dr.migration;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The restore record a migration asks for, from its spec. */
class MigrationRecordsTest {
  static final NamespacedName HC = new NamespacedName("clusters", "hc-1");

  @ParameterizedTest(name = "destination.resume={0}, from backup={1} → restore resume={2}, sourceCluster={3}")
  @CsvSource(nullValues = "null", value = {
      // a planned migration restores its own backup and resumes
      "null,  true,  null,  null",
      // a fail-over takes the newest backup from the source's folder
      "null,  false, null,  mc-1",
      "true,  false, null,  mc-1",
      // resume: false passes on, so the destination's hosted cluster waits paused for the fencing
      "false, false, false, mc-1",
      "false, true,  false, null"})
  void theRestoreRecordCarriesTheSourceFolderAndTheResumeChoice(Boolean resume, boolean fromBackup,
      Boolean restoreResume, String sourceCluster) {
    HostedClusterMigrationSpec spec = new HostedClusterMigrationSpec();
    spec.hostedCluster = HC;
    spec.source = new HostedClusterMigrationSpec.Source();
    spec.source.cluster = "mc-1";
    spec.destination = new HostedClusterMigrationSpec.Destination();
    spec.destination.cluster = "mc-2";
    spec.destination.resume = resume;
    var action = new MigrationPlan.CreateRestore("mc-2", "m-restore",
        fromBackup ? new NamespacedName("mc-1", "m-backup") : null, fromBackup ? null : HC, "default");

    HostedClusterRestore r = (HostedClusterRestore) MigrationRecords.toRecord(action, "m", "uid-1", spec);

    assertThat(r.getSpec().resume).isEqualTo(restoreResume);
    assertThat(r.getSpec().sourceCluster).isEqualTo(sourceCluster);
    assertThat(r.getSpec().latest).isEqualTo(fromBackup ? null : Boolean.TRUE);
    assertThat(r.getMetadata().getLabels()).containsEntry(HostedClusterMigration.MIGRATION_LABEL, "m");
  }
}
