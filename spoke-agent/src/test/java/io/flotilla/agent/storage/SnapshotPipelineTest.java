package io.flotilla.agent.storage;

import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.flotilla.agent.storage.S3ProxyTestSupport.BUCKET;
import static io.flotilla.agent.storage.S3ProxyTestSupport.exists;
import static io.flotilla.agent.storage.S3ProxyTestSupport.inProgressUploads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotPipelineTest {
  private static final int PART = MultipartUploadOutputStream.MIN_PART_SIZE;
  private static final String ROLE = BackupLayout.SNAPSHOT_ROLE;

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private S3Client s3;

  @BeforeEach
  void setUp() {
    s3 = S3ProxyTestSupport.client(proxy);
  }

  @AfterEach
  void tearDown() {
    s3.close();
  }

  @Test
  void encryptedRoundTripReproducesTheRawBytesAndTheirChecksums() throws Exception {
    // Random-ish bytes mixed in, so the stored object spans several parts even after compression.
    byte[] raw = mixed(24 * 1024 * 1024);
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    SnapshotFigures figures = new SnapshotPipeline(s3, BUCKET, Codec.ZSTD, enc, PART)
        .upload(() -> new ByteArrayInputStream(raw), "k/snap.zst.enc", ROLE, null);

    assertThat(figures.rawBytes()).isEqualTo(raw.length);
    assertThat(figures.sha256()).isEqualTo(sha256(raw));
    byte[] stored = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("k/snap.zst.enc")).asByteArray();
    assertThat(figures.storedBytes()).isEqualTo(stored.length);
    assertThat(figures.storedSha256()).isEqualTo(sha256(stored));

    BackupEncryption reading = BackupEncryption.forReading(EncryptionTest.manifest(enc), kek);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    SnapshotFigures read = new SnapshotReader(s3, BUCKET, Codec.ZSTD, reading).read("k/snap.zst.enc", ROLE, figures, sink);
    assertThat(read).isEqualTo(figures);
    assertThat(sink.toByteArray()).isEqualTo(raw);
  }

  @Test
  void unencryptedRoundTripCompresses() throws Exception {
    byte[] raw = S3ProxyTestSupport.jsonLike(8 * 1024 * 1024, 11);
    SnapshotFigures figures = new SnapshotPipeline(s3, BUCKET, Codec.ZSTD, BackupEncryption.none(), PART)
        .upload(() -> new ByteArrayInputStream(raw), "k/snap.zst", ROLE, null);
    assertThat(figures.storedBytes()).isLessThan(raw.length / 2);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    new SnapshotReader(s3, BUCKET, Codec.ZSTD, BackupEncryption.none()).read("k/snap.zst", ROLE, figures, sink);
    assertThat(sink.toByteArray()).isEqualTo(raw);
  }

  @Test
  void oneFlippedByteIsCaught() throws Exception {
    for (BackupEncryption enc : new BackupEncryption[] {BackupEncryption.none(),
        BackupEncryption.clientSide(KeyEncryptionKey.generateForTest("kek-1"))}) {
      byte[] raw = S3ProxyTestSupport.jsonLike(3 * 1024 * 1024, 12);
      String key = "flip/" + enc.mode();
      SnapshotFigures figures = new SnapshotPipeline(s3, BUCKET, Codec.ZSTD, enc, PART)
          .upload(() -> new ByteArrayInputStream(raw), key, ROLE, null);
      byte[] stored = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
      stored[stored.length / 3] ^= 0x40;
      s3.putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromBytes(stored));

      assertThatThrownBy(() -> new SnapshotReader(s3, BUCKET, Codec.ZSTD, enc)
          .read(key, ROLE, figures, OutputStream.nullOutputStream()))
          .as(enc.toString()).isInstanceOf(IntegrityException.class);
    }
  }

  @Test
  void rawChecksumMismatchIsReportedAgainstTheManifest() throws Exception {
    byte[] raw = S3ProxyTestSupport.jsonLike(100_000, 13);
    SnapshotFigures figures = new SnapshotPipeline(s3, BUCKET, Codec.ZSTD, BackupEncryption.none(), PART)
        .upload(() -> new ByteArrayInputStream(raw), "m/snap", ROLE, null);
    SnapshotFigures wrongManifest = new SnapshotFigures(figures.rawBytes(), figures.storedBytes(),
        "00" + figures.sha256().substring(2), figures.storedSha256());
    assertThatThrownBy(() -> new SnapshotReader(s3, BUCKET, Codec.ZSTD, BackupEncryption.none())
        .read("m/snap", ROLE, wrongManifest, OutputStream.nullOutputStream()))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("raw SHA-256");
  }

  @Test
  void sourceFailingMidStreamLeavesNoObjectAndNoUpload() {
    byte[] raw = mixed(16 * 1024 * 1024);
    SnapshotSource failing = () -> new InputStream() {
      private final InputStream in = new ByteArrayInputStream(raw);
      private long read;

      @Override
      public int read() throws IOException {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (read > 12L * 1024 * 1024) {
          throw new IOException("etcd went away");
        }
        int n = in.read(b, off, len);
        read += Math.max(n, 0);
        return n;
      }
    };
    assertThatThrownBy(() -> new SnapshotPipeline(s3, BUCKET, Codec.ZSTD, BackupEncryption.none(), PART)
        .upload(failing, "x/snap", ROLE, null)).isInstanceOf(IOException.class).hasMessageContaining("etcd went away");
    assertThat(exists(s3, "x/snap")).isFalse();
    assertThat(inProgressUploads(s3)).isZero();
  }

  @Test
  void pipeCarriesProducerErrorsToTheReader() throws Exception {
    BoundedPipe pipe = new BoundedPipe(4, Duration.ofSeconds(30));
    InputStream in = pipe.source(() -> { });
    pipe.sink().write(new byte[] {1, 2, 3});
    pipe.fail(new IOException("connection reset"));
    assertThatThrownBy(() -> in.readAllBytes()).isInstanceOf(IOException.class).hasMessageContaining("connection reset");
  }

  @Test
  void pipeCarriesReaderCloseToTheProducer() throws Exception {
    BoundedPipe pipe = new BoundedPipe(2, Duration.ofSeconds(30));
    AtomicBoolean cancelled = new AtomicBoolean();
    InputStream in = pipe.source(() -> cancelled.set(true));
    AtomicReference<Throwable> producerError = new AtomicReference<>();
    Thread producer = new Thread(() -> {
      try {
        OutputStream sink = pipe.sink();
        for (int i = 0; i < 1000; i++) {
          sink.write(new byte[1024]);
        }
      } catch (IOException e) {
        producerError.set(e);
      }
    });
    producer.start();
    assertThat(in.read(new byte[10])).isEqualTo(10);
    in.close();
    producer.join(10_000);
    assertThat(producer.isAlive()).isFalse();
    assertThat(producerError.get()).isInstanceOf(IOException.class);
    assertThat(cancelled).isTrue();
  }

  @Test
  void pipeDeliversEverythingThenEnds() throws Exception {
    BoundedPipe pipe = new BoundedPipe(3, Duration.ofSeconds(30));
    byte[] data = mixed(1_000_000);
    Thread producer = new Thread(() -> {
      try (OutputStream sink = pipe.sink()) {
        for (int off = 0; off < data.length; off += 32768) {
          sink.write(data, off, Math.min(32768, data.length - off));
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    producer.start();
    assertThat(pipe.source(() -> { }).readAllBytes()).isEqualTo(data);
    producer.join();
  }

  @Test
  void stalledProducerFailsTheRead() {
    BoundedPipe pipe = new BoundedPipe(3, Duration.ofMillis(200));
    assertThatThrownBy(() -> pipe.source(() -> { }).read()).isInstanceOf(IOException.class).hasMessageContaining("stalled");
  }

  static byte[] mixed(int size) {
    byte[] json = S3ProxyTestSupport.jsonLike(size, 21);
    java.util.Random r = new java.util.Random(22);
    for (int i = 0; i < size; i += 4096) {
      byte[] noise = new byte[2048];
      r.nextBytes(noise);
      System.arraycopy(noise, 0, json, i, Math.min(noise.length, size - i));
    }
    return json;
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
