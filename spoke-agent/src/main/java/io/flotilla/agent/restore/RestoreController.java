package io.flotilla.agent.restore;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * Watches the HostedClusterRestores in this cluster's namespace on the hub: runs new ones; one left InProgress by a
 * previous agent process is marked Failed ({@code AgentRestarted}), because its relay URL died with that process.
 */
public final class RestoreController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RestoreController.class);

  private final KubernetesClient hub;
  private final AgentConfig config;
  private final HubRecords<HostedClusterRestore, HostedClusterRestoreStatus> records;
  private final SnapshotRelay relay;
  private final RestoreExecutor executor;
  private final RecordWork work;
  private SharedIndexInformer<HostedClusterRestore> informer;

  public RestoreController(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3) {
    this.hub = hub;
    this.config = config;
    Clock clock = Clock.systemUTC();
    this.records = new HubRecords<>(hub, HostedClusterRestore.class, HostedClusterRestoreStatus::new, null, clock,
        "flotilla-agent/" + config.clusterName());
    try {
      this.relay = config.backup().relay() == null ? null : new SnapshotRelay(config.backup().relay(), clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the snapshot relay", e);
    }
    this.executor = new RestoreExecutor(local, new StoreConnector(hub, local, s3), records, relay,
        config.backup().etcd(), clock, config.backup().restoreTimeout(), config.work());
    this.work = new RecordWork("restore-" + config.clusterName(), config.backup().concurrency(), config.work(), key -> { });
  }

  public synchronized void start() {
    informer = hub.resources(HostedClusterRestore.class).inNamespace(config.clusterName())
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(HostedClusterRestore r) { dispatch(r); }
          @Override public void onUpdate(HostedClusterRestore o, HostedClusterRestore r) { dispatch(r); }
          @Override public void onDelete(HostedClusterRestore r, boolean unknown) { }
        }, 60_000L);
  }

  private void dispatch(HostedClusterRestore r) {
    String key = r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    Phase phase = r.getStatus() == null ? null : r.getStatus().phase;
    if (r.getMetadata().getDeletionTimestamp() != null || work.busy(key)) {
      return;
    }
    if (phase == null || phase == Phase.New) {
      work.submit(key, () -> executor.execute(r));
    } else if (phase == Phase.InProgress) {
      work.submit(key, () -> executor.fail(r, BackupFailure.AGENT_RESTARTED, "The agent restarted during the restore;"
          + " its snapshot URL is gone. Delete the partially restored HostedCluster and restore again"));
    }
  }

  /** The relay, when configured (tests read its port). */
  public SnapshotRelay relay() {
    return relay;
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    work.close();
    if (relay != null) {
      relay.close();
    }
  }
}
