package io.flotilla.agent.storage;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The reverse of {@link SnapshotPipeline}, for {@code backup verify} and restore: download → SHA-256 (stored) →
 * decrypt → decompress → SHA-256 (raw) → sink, streaming with bounded memory. Sizes and digests are checked against
 * the manifest's figures at the end; the sink has then received every byte, so a caller writing to a file must
 * discard it when this throws.
 */
public final class SnapshotReader {
  private static final int COPY_BUFFER = 64 << 10;

  private final S3Client s3;
  private final String bucket;
  private final Codec codec;
  private final BackupEncryption encryption;

  public SnapshotReader(S3Client s3, String bucket, Codec codec, BackupEncryption encryption) {
    this.s3 = Objects.requireNonNull(s3);
    this.bucket = Objects.requireNonNull(bucket);
    this.codec = Objects.requireNonNull(codec);
    this.encryption = Objects.requireNonNull(encryption);
  }

  /**
   * @param expected the manifest's figures
   * @return what was read
   * @throws IntegrityException when a size or SHA-256 differs, or the ciphertext or compressed frame is corrupt
   * @throws IOException on transport errors
   */
  public SnapshotFigures read(String key, String role, SnapshotFigures expected, OutputStream sink) throws IOException {
    try (ResponseInputStream<GetObjectResponse> object = s3.getObject(b -> b.bucket(bucket).key(key))) {
      Hashing.HashingInputStream stored = new Hashing.HashingInputStream(new TransportTagging(object));
      Hashing.HashingInputStream raw;
      try {
        raw = new Hashing.HashingInputStream(codec.decompress(encryption.decrypt(stored, role)));
        byte[] buffer = new byte[COPY_BUFFER];
        for (int n; (n = raw.read(buffer)) >= 0; ) {
          sink.write(buffer, 0, n);
        }
        // Drain anything the decoder did not need, so the stored digest covers the whole object.
        while (stored.read(buffer) >= 0) {
          // keep hashing
        }
      } catch (IOException | RuntimeException e) {
        // Decoders may wrap what they read; a network error anywhere in the chain stays a network error.
        for (Throwable t = e; t != null; t = t.getCause()) {
          if (t instanceof TransportException transport) {
            throw transport.getCause();
          }
        }
        // Not a transport error: the cipher's tag check or the zstd decoder rejected the bytes.
        throw new IntegrityException("s3://" + bucket + "/" + key + " is corrupt or was tampered with: " + e.getMessage(), e);
      }
      SnapshotFigures actual = new SnapshotFigures(raw.count, stored.count, raw.hex(), stored.hex());
      if (expected != null) {
        check(key, "stored size", expected.storedBytes(), actual.storedBytes());
        check(key, "stored SHA-256", expected.storedSha256(), actual.storedSha256());
        check(key, "raw size", expected.rawBytes(), actual.rawBytes());
        check(key, "raw SHA-256", expected.sha256(), actual.sha256());
      }
      return actual;
    }
  }

  private void check(String key, String what, Object expected, Object actual) throws IntegrityException {
    if (!Objects.equals(expected, actual)) {
      throw new IntegrityException("checksum mismatch for s3://" + bucket + "/" + key + ": " + what + " is " + actual
          + ", manifest says " + expected);
    }
  }

  /** Marks IOExceptions from the network so they are not mistaken for corrupt data. */
  private static final class TransportException extends IOException {
    TransportException(IOException cause) {
      super(cause);
    }

    @Override
    public synchronized IOException getCause() {
      return (IOException) super.getCause();
    }
  }

  private static final class TransportTagging extends FilterInputStream {
    TransportTagging(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        throw new TransportException(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw new TransportException(e);
      }
    }
  }
}
