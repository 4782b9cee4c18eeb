package io.flotilla.agent.restore;

import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds a backup in the bucket, which is the source of truth: by name (the folder of a backup taken on cluster C is
 * {@code <prefix>/C/<hc-ns>/<hc>/<name>/}), or the newest committed backup of a hosted cluster in one cluster's folder.
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
    for (BackupCatalog.BackupRef ref : catalog.list(clusterFolder(cluster))) {
      if (ref.folder().endsWith("/" + backup + "/")) {
        return Optional.of(new Found(ref, catalog.read(ref)));
      }
    }
    return Optional.empty();
  }

  /** Backups of the hosted cluster exist under more than one cluster's folder and none was named. */
  public static final class AmbiguousSource extends Exception {
    public AmbiguousSource(String message) {
      super(message);
    }
  }

  /**
   * The newest committed backup of a hosted cluster: in {@code sourceCluster}'s folder, or, when that is null, in the
   * one cluster folder that holds backups of it.
   *
   * @throws AmbiguousSource backups of {@code <hcNamespace>/<hcName>} are under several clusters and none was named:
   *                         names repeat across management clusters, so picking one could restore another tenant's
   *                         control plane
   */
  public Optional<Found> newest(String hcNamespace, String hcName, String sourceCluster)
      throws IOException, AmbiguousSource {
    java.util.Map<String, Found> newestByCluster = new java.util.TreeMap<>();
    String where = sourceCluster == null ? prefix : clusterFolder(sourceCluster);
    for (BackupCatalog.BackupRef ref : catalog.list(where)) {
      String[] parts = ref.folder().split("/");
      // ... <cluster>/<hc-ns>/<hc>/<backup>/
      if (parts.length < 4 || !parts[parts.length - 3].equals(hcNamespace) || !parts[parts.length - 2].equals(hcName)) {
        continue;
      }
      String cluster = parts[parts.length - 4];
      if (sourceCluster != null && !sourceCluster.equals(cluster)) {
        continue;
      }
      BackupManifest m = catalog.read(ref);
      Found best = newestByCluster.get(cluster);
      if (best == null || BackupManifest.NEWEST_LAST.compare(m, best.manifest()) > 0) {
        newestByCluster.put(cluster, new Found(ref, m));
      }
    }
    if (newestByCluster.size() > 1) {
      throw new AmbiguousSource("backups of " + hcNamespace + "/" + hcName + " exist under more than one cluster ("
          + String.join(", ", newestByCluster.keySet()) + "); hosted-cluster names are unique per management cluster "
          + "only, so set spec.sourceCluster to the cluster it was taken on");
    }
    return newestByCluster.values().stream().findFirst();
  }

  private String clusterFolder(String cluster) {
    return new BackupLayout(prefix, cluster, "x", "x", "x").folder().replaceFirst("x/x/x/$", "");
  }
}
