package io.flotilla.agent.backup;

import java.time.Duration;
import java.util.Objects;

/**
 * How this agent runs backups and restores.
 *
 * @param agentNamespace  namespace of the agent on its management cluster; the crash journal lives there
 * @param etcd            names of the etcd client Secret and Service in a control-plane namespace
 * @param concurrency     backups run at the same time on this cluster
 * @param bandwidthLimit  raw snapshot bytes per second read from etcd; 0 = unlimited (protects a busy etcd)
 * @param progressInterval how often {@code status.progress} is written to the hub during an upload
 * @param relay           where restores serve snapshots to etcd-init; null = this agent cannot restore
 * @param restoreTimeout  how long a restored hosted cluster may take to report its etcd restored and Available
 */
public record BackupConfig(String agentNamespace, EtcdAccess etcd, int concurrency, long bandwidthLimit,
    Duration progressInterval, io.flotilla.agent.restore.RelayConfig relay, Duration restoreTimeout) {
  public static final String DEFAULT_NAMESPACE = "flotilla-agent";
  public static final Duration DEFAULT_MAX_PAUSE_WINDOW = Duration.ofMinutes(10);

  public BackupConfig {
    Objects.requireNonNull(agentNamespace, "agentNamespace");
    Objects.requireNonNull(etcd, "etcd");
    Objects.requireNonNull(progressInterval, "progressInterval");
    Objects.requireNonNull(restoreTimeout, "restoreTimeout");
    if (concurrency < 1) {
      throw new IllegalArgumentException("backup concurrency must be at least 1, got " + concurrency);
    }
    if (bandwidthLimit < 0) {
      throw new IllegalArgumentException("bandwidth limit must not be negative, got " + bandwidthLimit);
    }
  }

  public static BackupConfig defaults() {
    return new BackupConfig(DEFAULT_NAMESPACE, EtcdAccess.HYPERSHIFT, 2, 0, Duration.ofSeconds(1), null,
        Duration.ofMinutes(20));
  }

  public BackupConfig withBandwidthLimit(long bytesPerSecond) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bytesPerSecond, progressInterval, relay, restoreTimeout);
  }

  public BackupConfig withAgentNamespace(String namespace) {
    return new BackupConfig(namespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout);
  }

  public BackupConfig withRelay(io.flotilla.agent.restore.RelayConfig relay) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout);
  }
}
