package io.flotilla.agent.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Streams bytes of unknown length into one S3 object as a multipart upload, with no temporary file.
 *
 * <p>Memory is bounded to two part buffers: one filling on the writer's thread, one uploading on a background
 * thread. A writer that outruns the network blocks until the previous part is sent. Each part is retried by the
 * S3 client's retry strategy (see {@link S3Clients}); the body is replayable from the buffer, so retries need no
 * copy.
 *
 * <p>Nothing becomes visible until {@link #complete()}. Any failure, and {@link #close()} without {@code complete()},
 * aborts the upload, so an interrupted backup leaves neither an object nor a dangling upload that keeps billing.
 */
public final class MultipartUploadOutputStream extends OutputStream {
  /** S3 allows parts of 5 MiB..5 GiB except the last; 8 MiB is the SDK's own default. */
  public static final int DEFAULT_PART_SIZE = 8 << 20;
  public static final int MIN_PART_SIZE = 5 << 20;
  private static final int MAX_PARTS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(MultipartUploadOutputStream.class);

  private final S3Client s3;
  private final String bucket;
  private final String key;
  private final String uploadId;
  private final LongConsumer progress;
  private final ExecutorService uploader;
  private final List<CompletedPart> parts = new ArrayList<>();

  private byte[] filling;
  private byte[] spare;
  private int fillCount;
  private Future<?> inFlight;
  private long bytesWritten;
  private volatile long bytesUploaded;
  private boolean completed;
  private boolean closed;
  private Throwable failure;

  /**
   * Starts the multipart upload (CreateMultipartUpload).
   *
   * @param sseKmsKeyId when present, the upload requests server-side encryption {@code aws:kms} with this key
   * @param progress called on the upload thread with the total bytes uploaded after each part
   */
  public MultipartUploadOutputStream(S3Client s3, String bucket, String key, int partSize, Optional<String> sseKmsKeyId,
      LongConsumer progress) throws UploadFailedException {
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("part size must be at least " + MIN_PART_SIZE + " bytes");
    }
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.progress = progress == null ? b -> { } : progress;
    CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder().bucket(bucket).key(key);
    sseKmsKeyId.ifPresent(id -> create.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(id));
    try {
      this.uploadId = s3.createMultipartUpload(create.build()).uploadId();
    } catch (RuntimeException e) {
      throw new UploadFailedException("cannot start upload of s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
    this.filling = new byte[partSize];
    this.spare = new byte[partSize];
    this.uploader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "s3-upload-" + key.substring(Math.max(0, key.length() - 40)));
      t.setDaemon(true);
      return t;
    });
  }

  public String uploadId() {
    return uploadId;
  }

  public String key() {
    return key;
  }

  /** Bytes accepted by {@link #write}. */
  public long bytesWritten() {
    return bytesWritten;
  }

  /** Bytes acknowledged by the object store. */
  public long bytesUploaded() {
    return bytesUploaded;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    while (len > 0) {
      int n = Math.min(len, filling.length - fillCount);
      System.arraycopy(b, off, filling, fillCount, n);
      fillCount += n;
      off += n;
      len -= n;
      bytesWritten += n;
      if (fillCount == filling.length) {
        sendFilledPart();
      }
    }
  }

  /**
   * Uploads the last part and completes the upload: only now does the object exist.
   *
   * @throws UploadFailedException when any part or the completion failed; the upload is then aborted
   */
  public void complete() throws IOException {
    ensureOpen();
    // S3 needs at least one part; an empty object is one empty part.
    if (fillCount > 0 || parts.isEmpty() && inFlight == null) {
      sendFilledPart();
    }
    awaitInFlight();
    try {
      s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build());
      completed = true;
    } catch (RuntimeException e) {
      throw fail(new UploadFailedException("cannot complete upload of s3://" + bucket + "/" + key + ": " + e.getMessage(), e));
    } finally {
      if (completed) {
        closed = true;
        uploader.shutdown();
      }
    }
  }

  /** Aborts unless {@link #complete()} succeeded. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (inFlight != null) {
      inFlight.cancel(true);
    }
    uploader.shutdownNow();
    abort();
  }

  private void ensureOpen() throws IOException {
    if (failure != null) {
      throw new UploadFailedException("upload of s3://" + bucket + "/" + key + " already failed", failure);
    }
    if (closed) {
      throw new IOException("upload of s3://" + bucket + "/" + key + " is closed");
    }
  }

  private void sendFilledPart() throws IOException {
    // At most one part in flight: wait for it before handing over the next buffer.
    awaitInFlight();
    int partNumber = parts.size() + 1;
    if (partNumber > MAX_PARTS) {
      throw fail(new UploadFailedException("object s3://" + bucket + "/" + key + " exceeds " + MAX_PARTS + " parts", null));
    }
    byte[] body = filling;
    int length = fillCount;
    filling = spare;
    spare = body;
    fillCount = 0;
    inFlight = uploader.submit(() -> {
      // A ContentStreamProvider replays the buffer on every retry attempt without copying it.
      UploadPartResponse response = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(key)
              .uploadId(uploadId).partNumber(partNumber).contentLength((long) length).build(),
          RequestBody.fromContentProvider(() -> new ByteArrayInputStream(body, 0, length), (long) length,
              "application/octet-stream"));
      synchronized (parts) {
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(response.eTag())
            .checksumCRC32(response.checksumCRC32()).build());
      }
      bytesUploaded += length;
      progress.accept(bytesUploaded);
      return null;
    });
    // The spare buffer is still in use by the upload just submitted until awaitInFlight(); nothing writes into it.
  }

  private void awaitInFlight() throws IOException {
    if (inFlight == null) {
      return;
    }
    try {
      inFlight.get();
      inFlight = null;
    } catch (ExecutionException e) {
      inFlight = null;
      Throwable cause = e.getCause();
      throw fail(new UploadFailedException("part upload to s3://" + bucket + "/" + key + " failed after retries: "
          + cause.getMessage(), cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail(new UploadFailedException("interrupted while uploading s3://" + bucket + "/" + key, e));
    }
  }

  private UploadFailedException fail(UploadFailedException e) {
    failure = e;
    close();
    return e;
  }

  private void abort() {
    try {
      s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(key).uploadId(uploadId).build());
      LOG.info("aborted multipart upload of s3://{}/{}", bucket, key);
    } catch (RuntimeException e) {
      // The crash-recovery sweep (ListMultipartUploads) finds it later; nothing more to do here.
      LOG.warn("could not abort multipart upload of s3://{}/{}: {}", bucket, key, e.toString());
    }
  }
}
