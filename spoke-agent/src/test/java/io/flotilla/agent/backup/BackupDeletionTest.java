package io.flotilla.agent.backup;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.flotilla.agent.backup.BackupDeletion.Outcome.DELETE_OBJECTS;
import static io.flotilla.agent.backup.BackupDeletion.Outcome.KEEP_OBJECTS;
import static io.flotilla.agent.backup.BackupDeletion.Outcome.REFUSE;
import static org.assertj.core.api.Assertions.assertThat;

/** What deleting a backup record may do to the bucket, without a cluster or a bucket. */
class BackupDeletionTest {
  static final String OWN = "flotilla/mc-1/clusters/hc-1/b1/";

  static HostedClusterBackup record(String hcName, String location) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace("mc-1");
    b.getMetadata().setName("b1");
    b.getSpec().hostedCluster = hcName == null ? null : new NamespacedName("clusters", hcName);
    if (location != null) {
      b.setStatus(new HostedClusterBackupStatus());
      b.getStatus().location = new HostedClusterBackupStatus.Location();
      b.getStatus().location.keyPrefix = location;
    }
    return b;
  }

  @Test
  void onlyItsOwnFolderIsDeletedAndNeverBecauseItsNamespaceWent() {
    record Row(String what, HostedClusterBackup b, String prefix, boolean nsDeleting, BackupDeletion.Outcome outcome,
               String folder) {}
    List<Row> rows = List.of(
        new Row("its own folder", record("hc-1", OWN), "flotilla", false, DELETE_OBJECTS, OWN),
        new Row("the prefix written with a slash", record("hc-1", OWN), "flotilla/", false, DELETE_OBJECTS, OWN),
        new Row("never reported a location: where it would have written", record("hc-1", null), "flotilla", false,
            DELETE_OBJECTS, OWN),
        new Row("the namespace is being deleted", record("hc-1", OWN), "flotilla", true, KEEP_OBJECTS, OWN),
        new Row("namespace deleted, store unreadable", record("hc-1", OWN), null, true, KEEP_OBJECTS, OWN),
        new Row("an empty location is the whole bucket", record("hc-1", ""), "flotilla", false, REFUSE, null),
        new Row("a parent folder", record("hc-1", "flotilla/mc-1/"), "flotilla", false, REFUSE, null),
        new Row("another cluster's folder", record("hc-1", "flotilla/mc-3/clusters/hc-1/b1/"), "flotilla", false,
            REFUSE, null),
        new Row("another backup's folder", record("hc-1", "flotilla/mc-1/clusters/hc-1/b2/"), "flotilla", false,
            REFUSE, null),
        new Row("another hosted cluster's folder", record("hc-1", "flotilla/mc-1/clusters/hc-10/b1/"), "flotilla", false,
            REFUSE, null),
        new Row("no hosted cluster, nothing written", record(null, null), "flotilla", false, KEEP_OBJECTS, null),
        new Row("no hosted cluster but a location", record(null, OWN), "flotilla", false, REFUSE, null));
    for (Row row : rows) {
      BackupDeletion.Decision d = BackupDeletion.decide(row.b(), "mc-1", row.prefix(), row.nsDeleting());
      assertThat(d.outcome()).as(row.what() + ": " + d.message()).isEqualTo(row.outcome());
      assertThat(d.folder()).as(row.what()).isEqualTo(row.folder());
      assertThat(d.message()).as(row.what()).isNotBlank();
    }
  }
}
