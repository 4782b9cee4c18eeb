package io.flotilla.agent;

import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.api.common.BuildInfo;

import java.time.Duration;
import java.util.Objects;

/**
 * @param clusterName       this management cluster's name on the hub (= its cluster namespace)
 * @param heartbeatInterval default heartbeat interval; ManagementCluster.spec.leaseDurationSeconds overrides it
 * @param version           the agent version reported to the hub
 * @param backup            how backups run on this cluster
 */
public record AgentConfig(String clusterName, Duration heartbeatInterval, String version, BackupConfig backup) {
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(60);

  public AgentConfig {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
      throw new IllegalArgumentException("heartbeatInterval must be positive, got " + heartbeatInterval);
    }
    if (version == null) {
      version = BuildInfo.version();
    }
    if (backup == null) {
      backup = BackupConfig.defaults();
    }
  }

  public AgentConfig(String clusterName, Duration heartbeatInterval, String version) {
    this(clusterName, heartbeatInterval, version, BackupConfig.defaults());
  }

  public AgentConfig withBackup(BackupConfig backup) {
    return new AgentConfig(clusterName, heartbeatInterval, version, backup);
  }

  public static AgentConfig of(String clusterName) {
    return new AgentConfig(clusterName, DEFAULT_HEARTBEAT_INTERVAL, BuildInfo.version());
  }
}
