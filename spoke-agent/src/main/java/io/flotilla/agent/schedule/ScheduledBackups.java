package io.flotilla.agent.schedule;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupExecutor;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;

import java.time.Clock;
import java.util.Objects;
import java.util.UUID;

/**
 * Scheduled backups on this management cluster, hub or no hub (docs/architecture.md, Topology: "DR must not depend on the hub being
 * up"). Everything a scheduled backup needs is on the spoke: the schedule ({@link ScheduleCache}), the BackupStores
 * ({@link StoreCopies}), the record (created by {@link ScheduleRunner} in the agent's namespace and written by the
 * same {@link BackupExecutor} as on-demand backups, with its crash journal) and the queue to the hub
 * ({@link RecordForwarder}). The hub only supplies the schedule and receives the records.
 *
 * <p>Starting needs no hub: an agent restarted during a hub outage goes on from the local copy.
 */
public final class ScheduledBackups implements AutoCloseable {
  private final String namespace;
  private final ScheduleCache cache;
  private final StoreCopies stores;
  private final BackupExecutor executor;
  private final ScheduleRunner runner;
  private final RecordForwarder forwarder;
  private boolean started;

  /** @param identity this agent's identity (as for the heartbeat); the executor id adds a per-process suffix */
  public ScheduledBackups(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      StoreConnector.S3Factory s3, String identity) {
    Objects.requireNonNull(hub, "hub");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(config, "config");
    Clock clock = Clock.systemUTC();
    this.namespace = config.backup().agentNamespace();
    this.cache = new ScheduleCache(hub, local, config.clusterName(), namespace);
    this.stores = new StoreCopies(hub, local);
    HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records = new HubRecords<>(local,
        HostedClusterBackup.class, HostedClusterBackupStatus::new, HostedClusterBackup.OBJECTS_FINALIZER, clock,
        "flotilla-agent/" + config.clusterName());
    // Stores from the spoke's copies (StoreCopies), credentials and keys from the spoke's Secrets: no hub read.
    this.executor = new BackupExecutor(local, config.clusterName(), config.version(), config.backup(),
        new StoreConnector(local, local, s3, config.clusterName(), config.backup().agentNamespace()), records, clock,
        identity + "/schedule/" + UUID.randomUUID().toString().substring(0, 8), config.work());
    this.runner = new ScheduleRunner(local, namespace, cache, new ScheduleRunner.BackupStep() {
      @Override
      public void take(HostedClusterBackup record) {
        executor.execute(record);
      }

      @Override
      public void fail(HostedClusterBackup record, String reason, String message) {
        executor.fail(record, reason, message);
      }
    }, config.backup().concurrency(), config.backup().scheduleTick(), clock, config.work());
    this.forwarder = new RecordForwarder(hub, local, config.clusterName(), namespace, config.backup().scheduleTick(),
        clock);
  }

  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("scheduled backups already started");
    }
    started = true;
    cache.start();
    stores.start();
    // backups an earlier process left half done: resume their hosted clusters, tidy the bucket, fail the records
    executor.recoverInterrupted(namespace, name -> false);
    runner.start();
    forwarder.start();
  }

  /** Whether a schedule copy from an earlier hub answer is on the spoke (so running without the hub makes sense). */
  public boolean hasLocalSchedule() {
    return cache.hasLocalCopy();
  }

  public ScheduleRunner runner() {
    return runner;
  }

  public RecordForwarder forwarder() {
    return forwarder;
  }

  @Override
  public synchronized void close() {
    forwarder.close();
    runner.close();
    stores.close();
    cache.close();
  }
}
