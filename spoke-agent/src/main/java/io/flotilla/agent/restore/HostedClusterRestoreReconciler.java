package io.flotilla.agent.restore;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;

import java.io.IOException;
import java.io.UncheckedIOException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.time.Clock;
import java.util.Objects;

/**
 * The agent's HostedClusterRestore reconciler: runs new restores onto this cluster (long: handed to {@link RecordWork}),
 * resumes a Paused one (spec.resume: false) when asked, and fails one an earlier agent process left InProgress, whose
 * snapshot URL went with that process. A Paused restore survives a restart: nothing runs, and the URL it will serve is
 * in its HostedCluster's spec. No finalizer: a restore leaves nothing in the bucket to clean up.
 */
public final class HostedClusterRestoreReconciler implements Reconciler<HostedClusterRestore>, AutoCloseable {
  public static final String NAME = "hostedclusterrestore";

  private final HubRecords<HostedClusterRestore, HostedClusterRestoreStatus> records;
  private final SnapshotRelay relay;
  private final RestoreExecutor executor;
  private final RecordWork work;

  public HostedClusterRestoreReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      StoreConnector.S3Factory s3) {
    this(hub, local, config, s3, new RecordWork("restore-" + config.clusterName(), config.backup().concurrency(),
        config.work()));
  }

  /** @param work where runs go ({@link RecordWork#inline} in tests that call the reconciler directly) */
  public HostedClusterRestoreReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      StoreConnector.S3Factory s3, RecordWork work) {
    Clock clock = Clock.systemUTC();
    this.records = new HubRecords<>(hub, HostedClusterRestore.class, HostedClusterRestoreStatus::new, null, clock,
        "flotilla-agent/" + config.clusterName());
    try {
      this.relay = config.backup().relay() == null ? null : new SnapshotRelay(config.backup().relay(), clock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the snapshot relay", e);
    }
    this.executor = new RestoreExecutor(local, new StoreConnector(hub, local, s3, config.clusterName(), config.backup().agentNamespace()), records, relay,
        config.backup().etcd(), clock, config.backup().restoreTimeout(), config.work());
    this.work = Objects.requireNonNull(work);
  }

  @Override
  public UpdateControl<HostedClusterRestore> reconcile(HostedClusterRestore r, Context<HostedClusterRestore> context) {
    String key = RecordWork.key(r);
    Phase phase = r.getStatus() == null ? null : r.getStatus().phase;
    if (r.getMetadata().getDeletionTimestamp() == null && !work.busy(key)) {
      if (phase == null || phase == Phase.New) {
        work.submit(key, () -> executor.execute(r));
      } else if (phase == Phase.Paused && r.isResumeRequested()) {
        work.submit(key, () -> executor.resume(r));
      } else if (phase == Phase.InProgress) {
        work.submit(key, () -> executor.fail(r, BackupFailure.AGENT_RESTARTED, "The agent restarted during the "
            + "restore; its snapshot URL is gone. Delete the partially restored HostedCluster and restore again"));
      }
    }
    return work.control(r);
  }

  /** The relay, when configured (tests read its port). */
  public SnapshotRelay relay() {
    return relay;
  }

  /** A running restore stops at its next wait and is recorded Failed/AgentStopped; then the relay closes. */
  @Override
  public void close() {
    work.close();
    if (relay != null) {
      relay.close();
    }
  }
}
