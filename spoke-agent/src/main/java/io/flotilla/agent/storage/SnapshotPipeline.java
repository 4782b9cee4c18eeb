package io.flotilla.agent.storage;

import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * One pass from a snapshot source to one S3 object, with no temporary file:
 * source → SHA-256 (raw) → compression → encryption → SHA-256 (stored) → multipart upload.
 *
 * <p>Memory is bounded regardless of snapshot size: the source's pipe, one copy buffer, the codec's window, one
 * cipher segment (1 MiB) and two upload parts. On any failure the upload is aborted before the exception leaves
 * {@link #upload}; the object exists only when {@code upload} returns.
 */
public final class SnapshotPipeline {
  private final S3Client s3;
  private final String bucket;
  private final Codec codec;
  private final BackupEncryption encryption;
  private final int partSize;

  public SnapshotPipeline(S3Client s3, String bucket, Codec codec, BackupEncryption encryption) {
    this(s3, bucket, codec, encryption, MultipartUploadOutputStream.DEFAULT_PART_SIZE);
  }

  public SnapshotPipeline(S3Client s3, String bucket, Codec codec, BackupEncryption encryption, int partSize) {
    this.s3 = Objects.requireNonNull(s3);
    this.bucket = Objects.requireNonNull(bucket);
    this.codec = Objects.requireNonNull(codec);
    this.encryption = Objects.requireNonNull(encryption);
    this.partSize = partSize;
  }

  /**
   * Streams the source into {@code key}.
   *
   * @param role bound into the ciphertext as associated data (see {@link BackupLayout#SNAPSHOT_ROLE})
   * @param progress total stored bytes acknowledged by the object store, after each part
   * @throws IOException when the source, the codec, the cipher or the upload fails; nothing is left in the bucket
   */
  public SnapshotFigures upload(SnapshotSource source, String key, String role, LongConsumer progress) throws IOException {
    try (MultipartUploadOutputStream upload = new MultipartUploadOutputStream(s3, bucket, key, partSize,
        encryption.sseKmsKeyId(), progress);
         InputStream in = source.open()) {
      Hashing.HashingOutputStream stored = new Hashing.HashingOutputStream(upload);
      Hashing.HashingOutputStream raw;
      // Closing the codec ends the zstd frame, then the cipher's last segment; the shield keeps the upload open.
      try (OutputStream chain = codec.compress(encryption.encrypt(BackupEncryption.closeShield(stored), role))) {
        raw = new Hashing.HashingOutputStream(chain);
        // transferTo, not a read loop: the etcd source then writes its pipe's blocks straight into the chain.
        in.transferTo(raw);
      }
      upload.complete();
      return new SnapshotFigures(raw.count, stored.count, raw.hex(), stored.hex());
    }
  }
}
