package io.flotilla.agent.restore;

import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds a backup in the bucket, which is the source of truth: by name (the folder of a backup taken on cluster C is
 * {@code <prefix>/C/<hc-ns>/<hc>/<name>/}), or the newest committed backup of a hosted cluster taken on any cluster.
 * Only folders with a {@code manifest.json} count.
 */
public final class BackupLocator {
  private final BackupCatalog catalog;
  private final String prefix;

  public BackupLocator(BackupCatalog catalog, String storePrefix) {
    this.catalog = catalog;
    this.prefix = storePrefix == null ? "" : storePrefix;
  }

  public record Found(BackupCatalog.BackupRef ref, BackupManifest manifest) {}

  public Optional<Found> byName(String cluster, String backup) throws IOException {
    String clusterFolder = new BackupLayout(prefix, cluster, "x", "x", "x").folder().replaceFirst("x/x/x/$", "");
    for (BackupCatalog.BackupRef ref : catalog.list(clusterFolder)) {
      if (ref.folder().endsWith("/" + backup + "/")) {
        return Optional.of(new Found(ref, catalog.read(ref)));
      }
    }
    return Optional.empty();
  }

  public Optional<Found> newest(String hcNamespace, String hcName) throws IOException {
    Found best = null;
    for (BackupCatalog.BackupRef ref : catalog.list(prefix)) {
      String[] parts = ref.folder().split("/");
      // ... <cluster>/<hc-ns>/<hc>/<backup>/
      if (parts.length < 4 || !parts[parts.length - 3].equals(hcNamespace) || !parts[parts.length - 2].equals(hcName)) {
        continue;
      }
      BackupManifest m = catalog.read(ref);
      if (best == null || BackupManifest.NEWEST_LAST.compare(m, best.manifest()) > 0) {
        best = new Found(ref, m);
      }
    }
    return Optional.ofNullable(best);
  }
}
