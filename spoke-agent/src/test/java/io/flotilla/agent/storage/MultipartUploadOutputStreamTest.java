package io.flotilla.agent.storage;

import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.flotilla.agent.storage.S3ProxyTestSupport.BUCKET;
import static io.flotilla.agent.storage.S3ProxyTestSupport.exists;
import static io.flotilla.agent.storage.S3ProxyTestSupport.inProgressUploads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartUploadOutputStreamTest {
  private static final int PART = MultipartUploadOutputStream.MIN_PART_SIZE;

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private S3Client real;
  private final FaultyS3 faults = new FaultyS3();
  private S3Client s3;

  @BeforeEach
  void setUp() {
    real = S3ProxyTestSupport.client(proxy);
    s3 = faults.wrap(real);
  }

  @AfterEach
  void tearDown() {
    real.close();
  }

  @Test
  void uploadsTwentyMebibytesInSeveralPartsAndTheObjectMatches() throws IOException {
    byte[] data = S3ProxyTestSupport.jsonLike(21 * 1024 * 1024 + 123, 7);
    List<Long> progress = new CopyOnWriteArrayList<>();
    try (MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "a/obj", PART, Optional.empty(),
        progress::add)) {
      // Odd-sized writes, so parts are filled across write boundaries.
      for (int off = 0; off < data.length; off += 70_001) {
        out.write(data, off, Math.min(70_001, data.length - off));
      }
      assertThat(exists(real, "a/obj")).isFalse();
      out.complete();
    }

    assertThat(real.getObjectAsBytes(b -> b.bucket(BUCKET).key("a/obj")).asByteArray()).isEqualTo(data);
    assertThat(faults.partsAttempted).containsExactly(1, 2, 3, 4, 5);
    assertThat(progress).last().isEqualTo((long) data.length);
    assertThat(progress).isSorted();
    assertThat(inProgressUploads(real)).isZero();
  }

  @Test
  void emptyStreamMakesAnEmptyObject() throws IOException {
    try (MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "empty", PART, Optional.empty(), null)) {
      out.complete();
    }
    assertThat(real.getObjectAsBytes(b -> b.bucket(BUCKET).key("empty")).asByteArray()).isEmpty();
  }

  @Test
  void failureOnPartThreeLeavesNoObjectAndNoUpload() throws IOException {
    faults.failPart = 3;
    byte[] data = S3ProxyTestSupport.jsonLike(21 * 1024 * 1024, 8);
    MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "b/obj", PART, Optional.empty(), null);
    assertThat(inProgressUploads(real)).isEqualTo(1);

    assertThatThrownBy(() -> {
      try (out) {
        out.write(data);
        out.complete();
      }
    }).isInstanceOf(UploadFailedException.class).hasMessageContaining("injected failure on part 3");

    assertThat(exists(real, "b/obj")).isFalse();
    assertThat(inProgressUploads(real)).isZero();
    assertThat(faults.partsAttempted).doesNotContain(5);
  }

  @Test
  void closeWithoutCompleteAbortsTheUpload() throws IOException {
    try (MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "c/obj", PART, Optional.empty(), null)) {
      out.write(S3ProxyTestSupport.jsonLike(PART * 2 + 10, 9));
      // an exception between the writes and complete(): nothing may be left
    }
    assertThat(exists(real, "c/obj")).isFalse();
    assertThat(inProgressUploads(real)).isZero();
  }

  @Test
  void unreachableStoreFailsClearlyAtStart() {
    S3Client dead = S3Clients.create(java.net.URI.create("http://127.0.0.1:1"), "us-east-1", true, "a", "b");
    assertThatThrownBy(() -> new MultipartUploadOutputStream(dead, BUCKET, "d/obj", PART, Optional.empty(), null))
        .isInstanceOf(UploadFailedException.class).hasMessageContaining("cannot start upload");
  }

  @Test
  void sseKmsIsRequestedWhenConfigured() throws IOException {
    faults.stripSse = true;
    try (MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "e/obj", PART,
        Optional.of("arn:aws:kms:eu-west-1:111122223333:key/k1"), null)) {
      out.write(new byte[] {1, 2, 3});
      out.complete();
    }
    assertThat(faults.creates).hasSize(1);
    assertThat(faults.creates.get(0).serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
    assertThat(faults.creates.get(0).ssekmsKeyId()).isEqualTo("arn:aws:kms:eu-west-1:111122223333:key/k1");
  }

  @Test
  void storeThatRefusesSseKmsFailsClearlyAndLeavesNothing() {
    assertThatThrownBy(() -> new MultipartUploadOutputStream(s3, BUCKET, "g/obj", PART, Optional.of("k1"), null))
        .isInstanceOf(UploadFailedException.class).hasMessageContaining("Server-side encryption is not supported");
    assertThat(inProgressUploads(real)).isZero();
  }

  @Test
  void noSseHeadersWithoutKms() throws IOException {
    try (MultipartUploadOutputStream out = new MultipartUploadOutputStream(s3, BUCKET, "f/obj", PART, Optional.empty(), null)) {
      out.complete();
    }
    assertThat(faults.creates.get(0).serverSideEncryption()).isNull();
    assertThat(faults.creates.get(0).ssekmsKeyId()).isNull();
  }

  @Test
  void retryStrategyIsExplicit() {
    assertThat(S3Clients.retryStrategy().maxAttempts()).isEqualTo(5);
  }
}
