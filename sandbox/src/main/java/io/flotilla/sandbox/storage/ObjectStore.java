package io.flotilla.sandbox.storage;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

/**
 * An embedded S3 endpoint: S3Proxy over a filesystem blob store, on 127.0.0.1, with SigV4 authentication and a
 * randomly generated key pair. Speaks the real S3 protocol (multipart uploads, presigned URLs), so the spoke agent's
 * backup code runs unchanged against it.
 */
public final class ObjectStore implements AutoCloseable {
  private static final String REGION = "us-east-1";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final S3Proxy proxy;
  private final BlobStore blobStore;
  private final URI endpoint;
  private final String bucket;
  private final String accessKey;
  private final String secretKey;

  private ObjectStore(S3Proxy proxy, BlobStore blobStore, URI endpoint, String bucket, String accessKey, String secretKey) {
    this.proxy = proxy;
    this.blobStore = blobStore;
    this.endpoint = endpoint;
    this.bucket = bucket;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public static ObjectStore start(Path dataDir, String bucket) {
    io.flotilla.sandbox.QuietLogging.apply();
    String accessKey = "FLOTILLA" + randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 12);
    String secretKey = randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
    try {
      Files.createDirectories(dataDir);
      Properties properties = new Properties();
      properties.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
      properties.setProperty("jclouds.identity", accessKey);
      properties.setProperty("jclouds.credential", secretKey);
      BlobStore blobStore = BlobStores.create("filesystem", properties);
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(blobStore)
          .awsAuthentication(AuthenticationType.AWS_V4, accessKey, secretKey)
          .endpoint(URI.create("http://127.0.0.1:0"))
          .ignoreUnknownHeaders(true)
          .stopTimeout(0)
          .build();
      proxy.start();
      awaitStarted(proxy);
      URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
      if (!blobStore.containerExists(bucket)) {
        blobStore.createContainer(bucket);
      }
      return new ObjectStore(proxy, blobStore, endpoint, bucket, accessKey, secretKey);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create object store directory " + dataDir, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy", e);
    }
  }

  private static void awaitStarted(S3Proxy proxy) throws InterruptedException {
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    while (!"STARTED".equals(proxy.getState())) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("S3Proxy did not start within " + STARTUP_TIMEOUT + ", state " + proxy.getState());
      }
      Thread.sleep(10);
    }
  }

  public URI endpoint() { return endpoint; }

  public String region() { return REGION; }

  public String bucket() { return bucket; }

  public String accessKey() { return accessKey; }

  public String secretKey() { return secretKey; }

  /** A path-style S3 client with this store's credentials; the caller closes it. */
  public S3Client newClient() {
    return S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  /** A presigner for this store (presigned GET URLs for restores); the caller closes it. */
  public S3Presigner newPresigner() {
    return S3Presigner.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(credentials())
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  private StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop S3Proxy", e);
    } finally {
      blobStore.close();
    }
  }

  private static String randomString(String alphabet, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  @Override
  public String toString() { return "ObjectStore[" + endpoint + ", bucket " + bucket + "]"; }
}
