package io.flotilla.agent;

import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.agent.work.AgentWork;
import io.flotilla.common.BuildInfo;

import java.time.Duration;
import java.util.Objects;

/**
 * @param clusterName       this management cluster's name on the hub (= its cluster namespace)
 * @param heartbeatInterval default heartbeat interval; ManagementCluster.spec.leaseDurationSeconds overrides it
 * @param version           the agent version reported to the hub
 * @param backup            how backups run on this cluster
 * @param work              what this agent process's work shares: the stop signal with its grace budget, and the
 *                          per-hosted-cluster locks ({@link AgentWork})
 */
public record AgentConfig(String clusterName, Duration heartbeatInterval, String version, BackupConfig backup,
    AgentWork work) {
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
    if (work == null) {
      work = AgentWork.create();
    }
  }

  public AgentConfig(String clusterName, Duration heartbeatInterval, String version, BackupConfig backup) {
    this(clusterName, heartbeatInterval, version, backup, null);
  }

  public AgentConfig(String clusterName, Duration heartbeatInterval, String version) {
    this(clusterName, heartbeatInterval, version, BackupConfig.defaults());
  }

  public AgentConfig withBackup(BackupConfig backup) {
    return new AgentConfig(clusterName, heartbeatInterval, version, backup, work);
  }

  /** The same settings with fresh shared work (a new agent process, or a restarted agent in tests). */
  public AgentConfig withWork(AgentWork work) {
    return new AgentConfig(clusterName, heartbeatInterval, version, backup, work);
  }

  public static AgentConfig of(String clusterName) {
    return new AgentConfig(clusterName, DEFAULT_HEARTBEAT_INTERVAL, BuildInfo.version());
  }
}
