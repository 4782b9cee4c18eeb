package io.flotilla.cli;

import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which backups {@code flotilla backup rewrap --all --store S} asks their agents to rewrap: the store's Completed
 * backups not known to be under its active key. Backups of a lost cluster are left out (no agent will answer; they
 * keep their key, which must then stay in the rings), as are backups under the active key already.
 */
record RewrapSelection(List<HostedClusterBackup> rewrap, List<String> skipped) {

  static RewrapSelection of(List<HostedClusterBackup> records, BackupStore store, Set<String> lostClusters) {
    String name = store.getMetadata().getName();
    BackupStoreSpec.Encryption enc = store.getSpec().encryption;
    String active = enc == null ? null : enc.activeKeyId;
    List<HostedClusterBackup> rewrap = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (HostedClusterBackup b : records) {
      if (!name.equals(b.getSpec() == null ? null : b.getSpec().store)) {
        continue;
      }
      String id = b.getMetadata().getNamespace() + "/" + b.getMetadata().getName();
      Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
      String keyId = b.getStatus() == null ? null : b.getStatus().keyId;
      if (phase != Phase.Completed) {
        continue; // nothing stored to rewrap (yet)
      }
      if (lostClusters.contains(b.getMetadata().getNamespace())) {
        skipped.add(id + ": its cluster is lost, no agent will rewrap it (it keeps key '" + Objects.requireNonNullElse(
            keyId, "?") + "'; keep that key in the rings)");
      } else if (active != null && active.equals(keyId)) {
        skipped.add(id + ": already under the active key '" + active + "'");
      } else {
        rewrap.add(b);
      }
    }
    return new RewrapSelection(List.copyOf(rewrap), List.copyOf(skipped));
  }
}
