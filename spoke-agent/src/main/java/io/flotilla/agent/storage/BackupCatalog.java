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

  /** Writes {@code manifest.json}; call it only after every other object of the backup is complete. */
  public void commit(BackupLayout layout, BackupManifest manifest, Optional<String> sseKmsKeyId) {
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(layout.manifestKey())
        .contentType("application/json");
    sseKmsKeyId.ifPresent(id -> put.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(id));
    s3.putObject(put.build(), RequestBody.fromBytes(manifest.toJson()));
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
   * of its committed backups read. Keys that do not fit the layout are not backups and are passed over.
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
        backups.computeIfAbsent(owner, c -> new ArrayList<>()).add(new Found(layout.get(), read(layout.get())));
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
