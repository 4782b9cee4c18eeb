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
 * @param scheduleTick    how often the backup schedule is checked, and scheduled records not yet on the hub are
 *                        retried; 1 s (the default) suits six-field schedules with seconds
 */
public record BackupConfig(String agentNamespace, EtcdAccess etcd, int concurrency, long bandwidthLimit,
    Duration progressInterval, io.flotilla.agent.restore.RelayConfig relay, Duration restoreTimeout,
    Duration scheduleTick) {
  public static final String DEFAULT_NAMESPACE = "flotilla-agent";
  public static final Duration DEFAULT_MAX_PAUSE_WINDOW = io.flotilla.common.PauseWindow.DEFAULT;
  public static final Duration DEFAULT_SCHEDULE_TICK = Duration.ofSeconds(1);

  public BackupConfig {
    Objects.requireNonNull(agentNamespace, "agentNamespace");
    Objects.requireNonNull(etcd, "etcd");
    Objects.requireNonNull(progressInterval, "progressInterval");
    Objects.requireNonNull(restoreTimeout, "restoreTimeout");
    if (scheduleTick == null) {
      scheduleTick = DEFAULT_SCHEDULE_TICK;
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("backup concurrency must be at least 1, got " + concurrency);
    }
    if (bandwidthLimit < 0) {
      throw new IllegalArgumentException("bandwidth limit must not be negative, got " + bandwidthLimit);
    }
    if (scheduleTick.isZero() || scheduleTick.isNegative()) {
      throw new IllegalArgumentException("schedule tick must be positive, got " + scheduleTick);
    }
  }

  /** Without a schedule tick: the default. */
  public BackupConfig(String agentNamespace, EtcdAccess etcd, int concurrency, long bandwidthLimit,
      Duration progressInterval, io.flotilla.agent.restore.RelayConfig relay, Duration restoreTimeout) {
    this(agentNamespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout,
        DEFAULT_SCHEDULE_TICK);
  }

  public static BackupConfig defaults() {
    return new BackupConfig(DEFAULT_NAMESPACE, EtcdAccess.HYPERSHIFT, 2, 0, Duration.ofSeconds(1), null,
        Duration.ofMinutes(20));
  }

  public BackupConfig withBandwidthLimit(long bytesPerSecond) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bytesPerSecond, progressInterval, relay, restoreTimeout,
        scheduleTick);
  }

  public BackupConfig withAgentNamespace(String namespace) {
    return new BackupConfig(namespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout,
        scheduleTick);
  }

  public BackupConfig withRelay(io.flotilla.agent.restore.RelayConfig relay) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout,
        scheduleTick);
  }

  public BackupConfig withScheduleTick(Duration tick) {
    return new BackupConfig(agentNamespace, etcd, concurrency, bandwidthLimit, progressInterval, relay, restoreTimeout,
        tick);
  }
}
