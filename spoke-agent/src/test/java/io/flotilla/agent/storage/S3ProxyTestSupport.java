package io.flotilla.agent.storage;

import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Shared helpers for tests against an embedded S3Proxy (real S3 protocol, SigV4, multipart); public for the tests of
 * io.flotilla.agent.backup.
 */
public final class S3ProxyTestSupport {
  public static final String BUCKET = "backups";

  private S3ProxyTestSupport() {}

  public static S3ProxyExtension extension() {
    return S3ProxyExtension.builder()
        .withCredentials(AuthenticationType.AWS_V4, "test-access", "test-secret")
        .ignoreUnknownHeaders()
        .build();
  }

  public static S3Client client(S3ProxyExtension proxy) {
    S3Client s3 = S3Clients.create(proxy.getUri(), "us-east-1", true, proxy.getAccessKey(), proxy.getSecretKey());
    s3.createBucket(b -> b.bucket(BUCKET));
    return s3;
  }

  public static boolean exists(S3Client s3, String key) {
    try {
      s3.headObject(b -> b.bucket(BUCKET).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  static int inProgressUploads(S3Client s3) {
    return s3.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().size();
  }

  /** Kubernetes-like JSON, compressible like an etcd snapshot's values (never random bytes). */
  static byte[] jsonLike(int size, long seed) {
    Random r = new Random(seed);
    StringBuilder s = new StringBuilder(size + 1024);
    while (s.length() < size) {
      s.append("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-").append(Long.toHexString(r.nextLong()))
          .append("\",\"namespace\":\"ns-").append(r.nextInt(50)).append("\",\"uid\":\"")
          .append(new java.util.UUID(r.nextLong(), r.nextLong())).append("\"},\"spec\":{\"nodeName\":\"node-")
          .append(r.nextInt(100)).append("\"}}\n");
    }
    return s.substring(0, size).getBytes(StandardCharsets.UTF_8);
  }
}
