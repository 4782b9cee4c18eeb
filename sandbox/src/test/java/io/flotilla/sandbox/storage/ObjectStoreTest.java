package io.flotilla.sandbox.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectStoreTest {
  @TempDir Path tmp;

  @Test
  void putGetMultipartAndPresignedGet() throws Exception {
    try (ObjectStore store = ObjectStore.start(tmp.resolve("s3"), "backups"); S3Client s3 = store.newClient()) {
      assertThat(store.endpoint().getHost()).isEqualTo("127.0.0.1");
      assertThat(store.region()).isEqualTo("us-east-1");
      s3.putObject(b -> b.bucket("backups").key("hello.txt"), RequestBody.fromString("hello"));
      assertThat(s3.getObjectAsBytes(b -> b.bucket("backups").key("hello.txt")).asUtf8String()).isEqualTo("hello");

      // Multipart: two 5 MiB parts (S3's minimum part size) and a small last part.
      byte[] part = new byte[5 << 20];
      Arrays.fill(part, (byte) 'x');
      String uploadId = s3.createMultipartUpload(b -> b.bucket("backups").key("big.db")).uploadId();
      List<CompletedPart> parts = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        byte[] body = n == 3 ? "tail".getBytes(StandardCharsets.UTF_8) : part;
        int partNumber = n;
        String etag = s3.uploadPart(b -> b.bucket("backups").key("big.db").uploadId(uploadId).partNumber(partNumber),
            RequestBody.fromBytes(body)).eTag();
        parts.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
      }
      s3.completeMultipartUpload(b -> b.bucket("backups").key("big.db").uploadId(uploadId)
          .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
      assertThat(s3.headObject(b -> b.bucket("backups").key("big.db")).contentLength()).isEqualTo(2L * part.length + 4);

      String url;
      try (var presigner = store.newPresigner()) {
        url = presigner.presignGetObject(b -> b.signatureDuration(Duration.ofMinutes(5))
            .getObjectRequest(g -> g.bucket("backups").key("hello.txt"))).url().toString();
      }
      HttpResponse<String> response = HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("hello");

      // SigV4 is enforced: a wrong secret is rejected.
      try (S3Client wrong = S3Client.builder().endpointOverride(store.endpoint()).region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(store.accessKey(), "wrong")))
          .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).build()) {
        assertThatThrownBy(() -> wrong.getObjectAsBytes(b -> b.bucket("backups").key("hello.txt")))
            .isInstanceOf(S3Exception.class);
      }
    }
  }
}
