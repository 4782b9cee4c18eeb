package io.flotilla.agent.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.time.Duration;

/**
 * Builds the sync S3 client for a BackupStore. The retry strategy is set explicitly rather than inherited from SDK
 * defaults, so the number of attempts and the back-off a backup gets are visible here and stable across SDK updates.
 */
public final class S3Clients {
  /** Attempts per request (first try included): rides out a few seconds of object-store trouble. */
  public static final int MAX_ATTEMPTS = 5;

  private S3Clients() {}

  public static RetryStrategy retryStrategy() {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(MAX_ATTEMPTS)
        // Exponential back-off with full jitter, 100 ms base, capped at 10 s between attempts.
        .backoffStrategy(software.amazon.awssdk.retries.api.BackoffStrategy.exponentialDelay(
            Duration.ofMillis(100), Duration.ofSeconds(10)))
        .build();
  }

  /**
   * @param endpoint null for AWS itself; set for S3-compatible stores
   * @param accessKey,secretKey from the BackupStore's credentials Secret; never logged
   */
  public static S3Client create(URI endpoint, String region, boolean forcePathStyle, String accessKey, String secretKey) {
    var builder = S3Client.builder()
        .region(Region.of(region == null || region.isBlank() ? "us-east-1" : region))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .forcePathStyle(forcePathStyle)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(retryStrategy())
            .apiCallAttemptTimeout(Duration.ofMinutes(2))
            .build());
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder.build();
  }


}
