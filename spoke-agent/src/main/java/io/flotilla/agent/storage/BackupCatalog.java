package io.flotilla.agent.storage;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The bucket as the source of truth for backups: writes the commit marker, and finds backups by their
 * {@code manifest.json} (a folder holding only a snapshot object is an interrupted backup, not a backup).
 */
public final class BackupCatalog {
  private final S3Client s3;
  private final String bucket;

  public BackupCatalog(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** A backup found in the bucket: its folder (ending in {@code /}) and manifest key. */
  public record BackupRef(String folder, String manifestKey) {}

  /** A committed backup found in the bucket: where it is and what its manifest says. */
  public record Found(BackupLayout layout, BackupManifest manifest) {}

  /** A {@code manifest.json} that could not be read or parsed: the folder is neither importable nor missing. */
  public record Unreadable(BackupLayout layout, String error) {}

  /** One cluster folder: its identity marker (if written yet) and its backups, in folder order. */
  public record ClusterFolder(String cluster, Optional<ClusterIdentity> identity, List<Found> backups,
      List<Unreadable> unreadable) {}

  /**
   * Another writer's {@code manifest.json} is there, or changed since it was read: this write did not happen. The
   * store refused it (HTTP 412 or 409 to a conditional write). Unchecked, as the S3 client's own errors are; the
   * writers that must tell it from those (the backup's commit, the rewrap) catch it first.
   */
  public static final class ManifestConflict extends RuntimeException {
    public ManifestConflict(String message) {
      super(message);
    }
  }

  /** A {@code manifest.json} as stored: what it says, and its ETag for a later conditional replace. */
  public record StoredManifest(BackupManifest manifest, String eTag) {}

  /**
   * Writes {@code manifest.json}, only if there is none (S3 conditional write, {@code If-None-Match: *}): of two
   * writers committing one folder at once, one fails here, so a committed backup is never overwritten. Call it only
   * after every other object of the backup is complete. A store without conditional writes (HTTP 501) gets a check
   * for the manifest before a plain write, which narrows the race to that interval but cannot close it.
   *
   * @throws ManifestConflict when a manifest is already there
   */
  public void commit(BackupLayout layout, BackupManifest manifest, Optional<String> sseKmsKeyId) {
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(layout.manifestKey())
        .contentType("application/json");
    sseKmsKeyId.ifPresent(id -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(id));
    try {
      s3.putObject(put.copy().ifNoneMatch("*").build(), RequestBody.fromBytes(manifest.toJson()));
    } catch (S3Exception e) {
      if (isConflict(e)) {
        throw new ManifestConflict(layout.manifestKey() + " was written by another writer first");
      }
      if (e.statusCode() != 501) {
        throw e;
      }
      if (exists(layout.manifestKey())) {
        throw new ManifestConflict(layout.manifestKey() + " was written by another writer first");
      }
      s3.putObject(put.build(), RequestBody.fromBytes(manifest.toJson()));
    }
  }

  /**
   * Replaces a committed {@code manifest.json} only if it is still the one read ({@code If-Match: <etag>}), as
   * {@code backup rewrap} does: two rewraps, or a rewrap and a deletion, cannot both win. A store without conditional
   * writes (HTTP 501) is refused rather than overwritten blind.
   *
   * @throws ManifestConflict when the manifest changed or went since {@code read}
   */
  public void replace(BackupLayout layout, StoredManifest read, BackupManifest manifest) {
    try {
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(layout.manifestKey()).contentType("application/json")
          .ifMatch(read.eTag()).build(), RequestBody.fromBytes(manifest.toJson()));
    } catch (S3Exception e) {
      if (isConflict(e) || e.statusCode() == 404) {
        throw new ManifestConflict(layout.manifestKey() + " changed since it was read (ETag " + read.eTag() + ")");
      }
      throw e;
    }
  }

  /** The committed manifest of {@code layout} with its ETag. */
  public StoredManifest readStored(BackupLayout layout) throws IOException {
    var response = s3.getObjectAsBytes(b -> b.bucket(bucket).key(layout.manifestKey()));
    return new StoredManifest(BackupManifest.fromJson(response.asByteArray()), response.response().eTag());
  }

  /** The bucket's copy of key {@code keyId}, if an agent stored one ({@link KeyEnvelope}). */
  public Optional<KeyEnvelope> keyEnvelope(String storePrefix, String keyId) throws IOException {
    try {
      return Optional.of(KeyEnvelope.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket)
          .key(BackupLayout.keyEnvelopeKey(storePrefix, keyId))).asByteArray()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  /**
   * Stores {@code mine} unless a copy of that key id is there already (conditional create), then returns the copy in
   * force: whoever's was written first. A store without conditional writes is refused: two agents generating one key
   * id at once would then leave the fleet with two different keys under it.
   */
  public KeyEnvelope putKeyEnvelope(String storePrefix, KeyEnvelope mine) throws IOException {
    String key = BackupLayout.keyEnvelopeKey(storePrefix, mine.keyId());
    try {
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*")
          .build(), RequestBody.fromBytes(mine.toJson()));
    } catch (S3Exception e) {
      if (e.statusCode() == 501) {
        throw new IOException("the store does not support conditional writes (If-None-Match), so agents cannot agree "
            + "on one generated key; provide the key in every spoke's key Secret instead (activeKeySource: Provided)");
      }
      if (!isConflict(e)) {
        throw e; // 412/409: another agent's copy got there first; the read-back returns it
      }
    }
    return keyEnvelope(storePrefix, mine.keyId()).orElseThrow(() -> new IOException(key + " vanished right after it "
        + "was written"));
  }

  private static boolean isConflict(S3Exception e) {
    return e.statusCode() == 412 || e.statusCode() == 409;
  }

  /** Every backup under {@code prefix} (a store prefix, or deeper: a cluster's or a hosted cluster's folder). */
  public List<BackupRef> list(String prefix) {
    String p = BackupLayout.normalisePrefix(prefix);
    List<BackupRef> found = new ArrayList<>();
    for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(p)).contents()) {
      String key = object.key();
      if (key.endsWith("/" + BackupLayout.MANIFEST)) {
        found.add(new BackupRef(key.substring(0, key.length() - BackupLayout.MANIFEST.length()), key));
      }
    }
    return found;
  }

  public BackupManifest read(BackupRef ref) throws IOException {
    return BackupManifest.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket).key(ref.manifestKey())).asByteArray());
  }

  public BackupManifest read(BackupLayout layout) throws IOException {
    return read(new BackupRef(layout.folder(), layout.manifestKey()));
  }

  /** Whether the backup's commit marker is there, i.e. the folder holds a complete backup. */
  public boolean isCommitted(BackupLayout layout) {
    return exists(layout.manifestKey());
  }

  /**
   * Every cluster folder under the store prefix, or only {@code cluster}'s when it is not null, with the manifests
   * of its committed backups read. Keys that do not fit the layout are not backups and are passed over; a manifest
   * describing another folder than its own (copied or moved) is reported unreadable, not imported.
   */
  public List<ClusterFolder> scan(String storePrefix, String cluster) {
    String prefix = BackupLayout.normalisePrefix(storePrefix);
    String scope = cluster == null ? prefix : BackupLayout.clusterFolder(prefix, cluster);
    Map<String, List<Found>> backups = new TreeMap<>();
    Map<String, List<Unreadable>> unreadable = new TreeMap<>();
    Map<String, ClusterIdentity> identities = new TreeMap<>();
    Map<String, String> badIdentities = new TreeMap<>();
    for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(scope)).contents()) {
      String key = object.key();
      String rest = key.substring(prefix.length());
      int slash = rest.indexOf('/');
      if (slash <= 0) {
        continue;
      }
      String owner = rest.substring(0, slash);
      if (rest.equals(owner + "/" + BackupLayout.IDENTITY)) {
        try {
          identities.put(owner, readIdentity(key));
        } catch (IOException e) {
          badIdentities.put(owner, e.getMessage());
        }
        continue;
      }
      if (!key.endsWith("/" + BackupLayout.MANIFEST)) {
        continue;
      }
      Optional<BackupLayout> layout = BackupLayout.ofFolder(prefix,
          key.substring(0, key.length() - BackupLayout.MANIFEST.length()));
      if (layout.isEmpty()) {
        continue;
      }
      try {
        BackupManifest m = read(layout.get());
        Optional<String> misplaced = AuthenticatedManifest.misplaced(m, layout.get());
        if (misplaced.isPresent()) {
          // a folder copied under another name would be imported as a backup that no restore accepts
          throw new IOException(misplaced.get());
        }
        backups.computeIfAbsent(owner, c -> new ArrayList<>()).add(new Found(layout.get(), m));
      } catch (IOException e) {
        unreadable.computeIfAbsent(owner, c -> new ArrayList<>()).add(new Unreadable(layout.get(), e.getMessage()));
      }
    }
    List<ClusterFolder> folders = new ArrayList<>();
    java.util.SortedSet<String> clusters = new java.util.TreeSet<>(backups.keySet());
    clusters.addAll(unreadable.keySet());
    clusters.addAll(identities.keySet());
    clusters.addAll(badIdentities.keySet());
    for (String c : clusters) {
      List<Unreadable> bad = new ArrayList<>(unreadable.getOrDefault(c, List.of()));
      if (badIdentities.containsKey(c)) {
        // an owner that cannot be read cannot vouch for any writer: every backup of the folder waits
        backups.getOrDefault(c, List.of()).forEach(f -> bad.add(new Unreadable(f.layout(),
            BackupLayout.IDENTITY + " of " + c + " is unreadable: " + badIdentities.get(c))));
        backups.remove(c);
      }
      folders.add(new ClusterFolder(c, Optional.ofNullable(identities.get(c)), List.copyOf(backups.getOrDefault(c,
          List.of())), List.copyOf(bad)));
    }
    return folders;
  }

  /** The identity marker of {@code cluster}'s folder, if one was written. */
  public Optional<ClusterIdentity> identity(String storePrefix, String cluster) throws IOException {
    try {
      return Optional.of(readIdentity(BackupLayout.identityKey(storePrefix, cluster)));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  /**
   * Claims {@code mine.cluster()}'s folder for {@code mine}: writes the identity marker if there is none (only if
   * none, where the store supports conditional writes), then reads back the marker in force. The caller compares it
   * with its own UID: whoever's marker is read back owns the folder, so of two clusters claiming at once one loses.
   *
   * @return the marker in force after the claim
   */
  public ClusterIdentity claim(String storePrefix, ClusterIdentity mine) throws IOException {
    Optional<ClusterIdentity> existing = identity(storePrefix, mine.cluster());
    if (existing.isPresent()) {
      return existing.get();
    }
    String key = BackupLayout.identityKey(storePrefix, mine.cluster());
    try {
      s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*")
          .build(), RequestBody.fromBytes(mine.toJson()));
    } catch (S3Exception e) {
      if (e.statusCode() == 501) {
        // a store without conditional writes: write plainly; the read-back below still settles the owner
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json").build(),
            RequestBody.fromBytes(mine.toJson()));
      } else if (e.statusCode() != 412 && e.statusCode() != 409) {
        throw e; // 412/409: another cluster's marker got there first; the read-back returns it
      }
    }
    return identity(storePrefix, mine.cluster()).orElseThrow(() -> new IOException(key + " vanished right after it was "
        + "written"));
  }

  private ClusterIdentity readIdentity(String key) throws IOException {
    return ClusterIdentity.fromJson(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
  }

  private boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Deletes every object under {@code folder}, manifest first, so a backup stops being a backup before its data goes.
   *
   * @return how many objects were deleted
   */
  public int deleteFolder(String folder) {
    String p = BackupLayout.normalisePrefix(folder);
    List<String> keys = new ArrayList<>();
    for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(p)).contents()) {
      keys.add(object.key());
    }
    keys.sort(java.util.Comparator.comparing((String k) -> !k.endsWith("/" + BackupLayout.MANIFEST)));
    for (String key : keys) {
      s3.deleteObject(b -> b.bucket(bucket).key(key));
    }
    return keys.size();
  }

  /**
   * Aborts multipart uploads left under {@code folder} by an agent that died mid-upload.
   *
   * @return how many were aborted
   */
  public int abortDanglingUploads(String folder) {
    String p = BackupLayout.normalisePrefix(folder);
    int aborted = 0;
    for (MultipartUpload upload : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(p)).uploads()) {
      s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(upload.key())
          .uploadId(upload.uploadId()).build());
      aborted++;
    }
    return aborted;
  }
}
