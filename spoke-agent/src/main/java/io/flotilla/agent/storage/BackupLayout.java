package io.flotilla.agent.storage;

import java.util.Objects;

/**
 * Where one backup lives in the bucket: {@code <prefix>/<cluster>/<hc-namespace>/<hc-name>/<backup>/} holding
 * <ul>
 *   <li>{@code etcd-snapshot.db.<ext>[.enc]}: the etcd snapshot, compressed, then encrypted when client-side;</li>
 *   <li>{@code resources.tar.<ext>[.enc]}: the Kubernetes objects a restore needs;</li>
 *   <li>{@code manifest.json}: written last, the commit marker. A folder without it is not a backup.</li>
 * </ul>
 * An empty prefix puts the cluster folder at the bucket root. Segments are Kubernetes names, so they never contain
 * {@code /}; that is checked, because a slash would make one backup's folder look like another's.
 *
 * <p>Each cluster folder {@code <prefix>/<cluster>/} also holds {@code cluster-identity.json}
 * ({@link ClusterIdentity}): which cluster owns the folder. {@code <prefix>/_keyring/} holds the bucket's copies of
 * rotated keys ({@link KeyEnvelope}); no cluster can be named {@code _keyring} (Kubernetes names start with a letter or
 * digit), so it is never a cluster folder.
 */
public record BackupLayout(String prefix, String cluster, String hostedClusterNamespace, String hostedClusterName,
    String backup) {
  public static final String MANIFEST = "manifest.json";
  public static final String SNAPSHOT_BASE = "etcd-snapshot.db";
  public static final String RESOURCES_BASE = "resources.tar";
  /** Associated data bound into each object's ciphertext. */
  public static final String SNAPSHOT_ROLE = "etcd-snapshot";
  public static final String RESOURCES_ROLE = "resources";
  /** In each cluster folder: the identity of the cluster that owns it. */
  public static final String IDENTITY = "cluster-identity.json";
  /** Under the store prefix: rotated keys, each wrapped under the key it replaced. */
  public static final String KEYRING_FOLDER = "_keyring";

  public BackupLayout {
    prefix = normalisePrefix(prefix);
    segment("cluster", cluster);
    segment("hosted cluster namespace", hostedClusterNamespace);
    segment("hosted cluster name", hostedClusterName);
    segment("backup", backup);
  }

  /** The folder, ending in {@code /}. */
  public String folder() {
    return prefix + cluster + "/" + hostedClusterNamespace + "/" + hostedClusterName + "/" + backup + "/";
  }

  /** Object name (relative to {@link #folder()}) of the snapshot, as recorded in the manifest. */
  public static String snapshotName(Codec codec, BackupEncryption encryption) {
    return SNAPSHOT_BASE + "." + codec.extension() + encryption.objectSuffix();
  }

  public static String resourcesName(Codec codec, BackupEncryption encryption) {
    return RESOURCES_BASE + "." + codec.extension() + encryption.objectSuffix();
  }

  public String snapshotKey(Codec codec, BackupEncryption encryption) {
    return folder() + snapshotName(codec, encryption);
  }

  public String resourcesKey(Codec codec, BackupEncryption encryption) {
    return folder() + resourcesName(codec, encryption);
  }

  public String manifestKey() {
    return folder() + MANIFEST;
  }

  /** {@code <prefix>/<cluster>/}: every backup a cluster took, and its identity marker. */
  public static String clusterFolder(String prefix, String cluster) {
    segment("cluster", cluster);
    return normalisePrefix(prefix) + cluster + "/";
  }

  /** Key of the bucket's copy of the store key {@code keyId} ({@link KeyEnvelope}). */
  public static String keyEnvelopeKey(String prefix, String keyId) {
    if (keyId == null || !KeyRing.KEY_ID.matcher(keyId).matches()) {
      throw new IllegalArgumentException("not a valid key id: '" + keyId + "'");
    }
    return normalisePrefix(prefix) + KEYRING_FOLDER + "/" + keyId + ".json";
  }

  /** Key of the cluster folder's identity marker. */
  public static String identityKey(String prefix, String cluster) {
    return clusterFolder(prefix, cluster) + IDENTITY;
  }

  /**
   * The layout whose folder is {@code folder} (ending in {@code /}) under {@code prefix}; empty when the folder is not
   * exactly {@code <prefix><cluster>/<hc-namespace>/<hc-name>/<backup>/}.
   */
  public static java.util.Optional<BackupLayout> ofFolder(String prefix, String folder) {
    String p = normalisePrefix(prefix);
    if (folder == null || !folder.startsWith(p) || !folder.endsWith("/")) {
      return java.util.Optional.empty();
    }
    String[] parts = folder.substring(p.length(), folder.length() - 1).split("/", -1);
    if (parts.length != 4) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(new BackupLayout(p, parts[0], parts[1], parts[2], parts[3]));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  /** A manifest's relative object name resolved within this backup's folder. */
  public String resolve(String objectName) {
    segment("object name", objectName);
    return folder() + objectName;
  }

  /** {@code ""} or {@code "a/b/"}: no leading slash, exactly one trailing slash. */
  public static String normalisePrefix(String prefix) {
    if (prefix == null) {
      return "";
    }
    String p = prefix.strip();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? "" : p + "/";
  }

  private static void segment(String what, String value) {
    Objects.requireNonNull(value, what);
    if (value.isEmpty() || value.contains("/") || value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(what + " is not a valid path segment: '" + value + "'");
    }
  }
}
