package io.flotilla.agent.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * {@code manifest.json}, the backup's commit marker and its self-description: enough to verify and restore a backup
 * from the bucket alone, without the hub. Field order is fixed and nulls are written, so the JSON is stable and diffs
 * cleanly. Object names are relative to the backup's folder, so a backup copied elsewhere stays valid.
 *
 * <p>Never contains key material: {@code wrappedDataKey} is useless without the KEK named by {@code keyId}.
 *
 * <p>{@code clusterUID} (the writer's {@link ClusterIdentity} UID) and {@code policy} (the BackupPolicy that scheduled
 * the backup) were added later in format 1: manifests without them still read, with nulls.
 *
 * <p>Format 2 adds {@code seal}: an HMAC under the key named by {@code keyId} over everything else in the manifest
 * ({@link ManifestSeal}), so a manifest altered or copied under another backup's name is refused
 * ({@link AuthenticatedManifest}). Client-side encrypted format-2 manifests must carry one; format-1 manifests have
 * none and are read as before, on their checksums ({@code flotilla backup rewrap} seals them).
 */
@JsonPropertyOrder({"formatVersion", "backup", "cluster", "clusterUID", "hostedCluster", "policy", "startedAt",
    "completedAt", "codec", "cipher", "keyId", "wrappedDataKey", "snapshot", "resources", "hostedClusterApiVersion",
    "agentVersion", "seal"})
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(
    int formatVersion,
    String backup,
    String cluster,
    HostedClusterRef hostedCluster,
    String startedAt,
    String completedAt,
    String codec,
    String cipher,
    String keyId,
    String wrappedDataKey,
    ObjectFigures snapshot,
    ObjectFigures resources,
    String hostedClusterApiVersion,
    String agentVersion,
    String clusterUID,
    String policy,
    Seal seal) {

  /** A manifest without writer UID or policy (as written before they existed). */
  public BackupManifest(int formatVersion, String backup, String cluster, HostedClusterRef hostedCluster,
      String startedAt, String completedAt, String codec, String cipher, String keyId, String wrappedDataKey,
      ObjectFigures snapshot, ObjectFigures resources, String hostedClusterApiVersion, String agentVersion) {
    this(formatVersion, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher, keyId, wrappedDataKey,
        snapshot, resources, hostedClusterApiVersion, agentVersion, null, null, null);
  }

  /** An unsealed manifest. */
  public BackupManifest(int formatVersion, String backup, String cluster, HostedClusterRef hostedCluster,
      String startedAt, String completedAt, String codec, String cipher, String keyId, String wrappedDataKey,
      ObjectFigures snapshot, ObjectFigures resources, String hostedClusterApiVersion, String agentVersion,
      String clusterUID, String policy) {
    this(formatVersion, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher, keyId, wrappedDataKey,
        snapshot, resources, hostedClusterApiVersion, agentVersion, clusterUID, policy, null);
  }

  /** This manifest as written by the cluster whose {@link ClusterIdentity} UID is {@code uid} (unsealed). */
  public BackupManifest writtenBy(String uid) {
    return new BackupManifest(formatVersion, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher,
        keyId, wrappedDataKey, snapshot, resources, hostedClusterApiVersion, agentVersion, uid, policy, null);
  }

  /** This manifest for a backup the BackupPolicy {@code policy} scheduled (null: on demand; unsealed). */
  public BackupManifest withPolicy(String policy) {
    return new BackupManifest(formatVersion, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher,
        keyId, wrappedDataKey, snapshot, resources, hostedClusterApiVersion, agentVersion, clusterUID, policy, null);
  }

  /** This manifest with its data key wrapped under another KEK, in the current format (unsealed). */
  public BackupManifest rewrapped(String newKeyId, String newWrappedDataKey) {
    return new BackupManifest(FORMAT_VERSION, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher,
        newKeyId, newWrappedDataKey, snapshot, resources, hostedClusterApiVersion, agentVersion, clusterUID, policy,
        null);
  }

  /** This manifest carrying {@code seal}; see {@link ManifestSeal#seal}. */
  public BackupManifest withSeal(Seal seal) {
    return new BackupManifest(formatVersion, backup, cluster, hostedCluster, startedAt, completedAt, codec, cipher,
        keyId, wrappedDataKey, snapshot, resources, hostedClusterApiVersion, agentVersion, clusterUID, policy, seal);
  }

  /**
   * Bumped on incompatible changes; readers refuse a newer major version. 2: sealed manifests, and data keys wrapped
   * under a label of their own ({@link KeyEncryptionKey#wrapAd}); an agent before it refuses them by this number.
   */
  public static final int FORMAT_VERSION = 2;

  /** The manifest's authentication tag: {@code algorithm} names how {@code mac} (base64) was computed. */
  @JsonPropertyOrder({"algorithm", "mac"})
  public record Seal(String algorithm, String mac) {}

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @JsonPropertyOrder({"namespace", "name"})
  public record HostedClusterRef(String namespace, String name) {}

  /**
   * One stored object. {@code etcdRevision} and {@code keys} are for the snapshot only (null for resources): the
   * revision and live key count read from etcd when the snapshot was taken.
   */
  @JsonPropertyOrder({"object", "rawBytes", "storedBytes", "sha256", "storedSha256", "etcdRevision", "keys"})
  @JsonIgnoreProperties(ignoreUnknown = true)
  /**
   * @param hashKV                the snapshot's etcd at {@code etcdRevision}: HashKV (null in manifests written before it
   *                              was recorded)
   * @param hashKVCompactRevision the compaction revision that hash was computed over
   */
  public record ObjectFigures(String object, long rawBytes, long storedBytes, String sha256, String storedSha256,
      Long etcdRevision, Long keys, Integer hashKV, Long hashKVCompactRevision) {

    /** Figures without an etcd hash (the resources object; manifests written before the hash was recorded). */
    public ObjectFigures(String object, long rawBytes, long storedBytes, String sha256, String storedSha256,
        Long etcdRevision, Long keys) {
      this(object, rawBytes, storedBytes, sha256, storedSha256, etcdRevision, keys, null, null);
    }

    public static ObjectFigures of(String object, SnapshotFigures f, Long etcdRevision, Long keys) {
      return new ObjectFigures(object, f.rawBytes(), f.storedBytes(), f.sha256(), f.storedSha256(), etcdRevision, keys,
          null, null);
    }

    /** The snapshot's figures with the etcd hash at its revision. */
    public static ObjectFigures ofSnapshot(String object, SnapshotFigures f, EtcdState state, EtcdState.Hash hash) {
      return new ObjectFigures(object, f.rawBytes(), f.storedBytes(), f.sha256(), f.storedSha256(), state.revision(),
          state.keys(), hash == null ? null : hash.hash(), hash == null ? null : hash.compactRevision());
    }

    public SnapshotFigures figures() {
      return new SnapshotFigures(rawBytes, storedBytes, sha256, storedSha256);
    }
  }

  /**
   * RFC 3339, UTC, millisecond precision: finer than Kubernetes' whole seconds, because "the newest backup" of a hosted
   * cluster is decided by completedAt and two backups can complete within one second. Compare as instants
   * ({@link #NEWEST_LAST}), not as text: the fraction is omitted when zero.
   */
  public static String time(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /** Orders manifests by completion, oldest first; one without completedAt sorts first. */
  public static final java.util.Comparator<BackupManifest> NEWEST_LAST = java.util.Comparator.comparing(
      BackupManifest::completedAtInstant, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));

  public Instant startedAtInstant() {
    return startedAt == null ? null : Instant.parse(startedAt);
  }

  public Instant completedAtInstant() {
    return completedAt == null ? null : Instant.parse(completedAt);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise manifest", e);
    }
  }

  public String toJsonString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }

  /** @throws IOException when the JSON is malformed or from a newer, incompatible format */
  public static BackupManifest fromJson(byte[] json) throws IOException {
    BackupManifest m = JSON.readValue(json, BackupManifest.class);
    if (m.formatVersion() < 1 || m.formatVersion() > FORMAT_VERSION) {
      throw new IOException("manifest format version " + m.formatVersion() + " is not supported (this agent reads "
          + FORMAT_VERSION + ")");
    }
    return m;
  }

  @Override
  public String toString() {
    // The wrapped data key is harmless without the KEK, but it has no business in logs either.
    return "BackupManifest[" + cluster + "/" + (hostedCluster == null ? "?" : hostedCluster.namespace() + "/"
        + hostedCluster.name()) + "/" + backup + ", " + codec + ", " + cipher + ", key " + keyId + "]";
  }
}
