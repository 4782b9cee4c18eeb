package io.flotilla.agent.storage;

import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
