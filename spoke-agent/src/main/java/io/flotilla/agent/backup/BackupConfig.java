package io.flotilla.agent.backup;

import java.time.Duration;
import java.util.Objects;

/**
 * How this agent runs backups.
 *
 * @param agentNamespace  namespace of the agent on its management cluster; the crash journal lives there
 * @param etcd            names of the etcd client Secret and Service in a control-plane namespace
 * @param concurrency     backups run at the same time on this cluster
 * @param bandwidthLimit  raw snapshot bytes per second read from etcd; 0 = unlimited (protects a busy etcd)
 * @param progressInterval how often {@code status.progress} is written to the hub during an upload
 */
public record BackupConfig(String agentNamespace, EtcdAccess etcd, int concurrency, long bandwidthLimit,
    Duration progressInterval) {
  public static final String DEFAULT_NAMESPACE = "flotilla-agent";
  public static final Duration DEFAULT_MAX_PAUSE_WINDOW = Duration.ofMinutes(10);

  public BackupConfig {
    Objects.requireNonNull(agentNamespace, "agentNamespace");
    Objects.requireNonNull(etcd, "etcd");
    Objects.requireNonNull(progressInterval, "progressInterval");
    if (concurrency < 1) {
      throw new IllegalArgumentException("backup concurrency must be at least 1, got " + concurrency);
    }
    if (bandwidthLimit < 0) {
      throw new IllegalArgumentException("bandwidth limit must not be negative, got " + bandwidthLimit);
    }
  }

  public static BackupConfig defaults() {
    return new BackupConfig(DEFAULT_NAMESPACE, EtcdAccess.HYPERSHIFT, 2, 0, Duration.ofSeconds(1));
  }

  public BackupConfig withBandwidthLimit(long bytesPerSecond) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bytesPerSecond, progressInterval);
  }

  public BackupConfig withAgentNamespace(String namespace) {
    return new BackupConfig(namespace, etcd, concurrency, bandwidthLimit, progressInterval);
  }
}
