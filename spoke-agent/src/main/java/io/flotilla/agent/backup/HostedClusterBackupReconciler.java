package io.flotilla.agent.backup;

import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.AgentConfig;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The agent's HostedClusterBackup reconciler (one JOSDK controller on the hub client, in this cluster's namespace):
 * runs new backups, marks the ones an earlier agent process left InProgress as Failed ({@code AgentRestarted}) after
 * undoing what its journal says it changed, verifies and re-wraps ({@link BackupRewrap}) on request, and deletes a
 * backup's objects before its record goes
 * (the finalizer, JOSDK's {@link Cleaner}). Scheduled records (with the scheduled-time annotation) were run on the spoke
 * and forwarded: only deleted and verified here. The runs themselves are long, so they go to {@link RecordWork}; the
 * decision of what a record needs is {@link #next}.
 */
public final class HostedClusterBackupReconciler implements Reconciler<HostedClusterBackup>, Cleaner<HostedClusterBackup>,
    AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterBackupReconciler.class);
  public static final String NAME = "hostedclusterbackup";
  /** How soon a record whose objects could not be deleted is tried again. */
  static final Duration DELETE_RETRY = Duration.ofSeconds(30);

  private final KubernetesClient hub;
  private final AgentConfig config;
  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final BackupExecutor executor;
  private final BackupVerifier verifier;
  private final BackupRewrap rewrap;
  private final io.flotilla.agent.drill.RestoreDrill drill;
  private final String executorId;
  private final RecordWork work;

  public HostedClusterBackupReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      StoreConnector.S3Factory s3, String identity) {
    this(hub, local, config, s3, identity, new RecordWork("backup-" + config.clusterName(),
        config.backup().concurrency(), config.work()));
  }

  /** @param work where runs go ({@link RecordWork#inline} in tests that call the reconciler directly) */
  public HostedClusterBackupReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      StoreConnector.S3Factory s3, String identity, RecordWork work) {
    this.hub = Objects.requireNonNull(hub);
    this.config = Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    // One id per process: a record InProgress under another id was interrupted by an agent restart.
    this.executorId = identity + "/" + UUID.randomUUID().toString().substring(0, 8);
    this.stores = new StoreConnector(hub, local, s3, config.clusterName(), config.backup().agentNamespace());
    this.records = new HubRecords<>(hub, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "flotilla-agent/" + config.clusterName());
    this.executor = new BackupExecutor(local, config.clusterName(), config.version(), config.backup(), stores, records,
        clock, executorId, config.work());
    this.drill = io.flotilla.agent.drill.RestoreDrill.inTemporaryDirectory(config.work().stop());
    this.verifier = new BackupVerifier(stores, records, clock, drill);
    this.rewrap = new BackupRewrap(stores, records, clock);
    this.work = Objects.requireNonNull(work);
  }

  public String executorId() {
    return executorId;
  }

  /**
   * Undoes what backups of a previous agent process changed on this cluster (see
   * {@link BackupExecutor#recoverInterrupted}); only this controller's records, in the cluster namespace on the hub.
   * Called once before the controller starts.
   */
  public void recoverJournal() {
    executor.recoverInterrupted(config.clusterName(), name -> work.busy(config.clusterName() + "/" + name));
  }

  /**
   * Removes the scratch directories, and stops the scratch etcds, of restore drills an agent process that died left
   * behind (see {@link io.flotilla.agent.drill.ScratchDirectory#sweep}). Called once before the controller starts.
   */
  public void sweepDrills() {
    drill.sweep();
  }

  /** What a record needs from this agent now. */
  enum Next { NOTHING, RUN, FAIL_RESTARTED, VERIFY, REWRAP }

  Next next(HostedClusterBackup b) {
    var status = b.getStatus();
    Phase phase = status == null ? null : status.phase;
    if (scheduled(b)) {
      // Run on the spoke by the schedule and forwarded here (io.flotilla.agent.schedule): never executed from the hub,
      // and never failed for another executor's id (the spoke's executor has its own); it can be verified and rewrapped.
      return onRequest(b, phase);
    }
    if (io.flotilla.agent.storage.CatalogReconciliation.isImported(b) && (phase == null || phase == Phase.New)) {
      return Next.NOTHING; // created from the bucket; the sync writes its Completed status next — never run it
    }
    if (phase == null || phase == Phase.New) {
      return Next.RUN;
    }
    if (phase == Phase.InProgress && !executorId.equals(status.executor)) {
      return Next.FAIL_RESTARTED;
    }
    return onRequest(b, phase);
  }

  /** A Completed backup's requests, one per pass: the verification first, then the rewrap. */
  private Next onRequest(HostedClusterBackup b, Phase phase) {
    if (phase != Phase.Completed) {
      return Next.NOTHING;
    }
    return verifier.requested(b) ? Next.VERIFY : rewrap.requested(b) ? Next.REWRAP : Next.NOTHING;
  }

  @Override
  public UpdateControl<HostedClusterBackup> reconcile(HostedClusterBackup b, Context<HostedClusterBackup> context) {
    String key = RecordWork.key(b);
    if (!work.busy(key)) {
      switch (next(b)) {
        case RUN -> work.submit(key, () -> executor.execute(b));
        case FAIL_RESTARTED -> work.submit(key, () -> failRestarted(b));
        case VERIFY -> work.submit(key, () -> verifier.verify(b));
        case REWRAP -> work.submit(key, () -> rewrap.rewrap(b));
        case NOTHING -> { }
      }
    }
    return work.control(b);
  }

  private void failRestarted(HostedClusterBackup b) {
    recoverJournal();
    HostedClusterBackup now = records.get(b.getMetadata().getNamespace(), b.getMetadata().getName());
    if (now != null && now.getStatus() != null && now.getStatus().phase == Phase.InProgress
        && !executorId.equals(now.getStatus().executor)) {
      executor.fail(now, BackupFailure.AGENT_RESTARTED, "The agent that ran this backup stopped before it "
          + "finished; nothing was committed");
    }
  }

  /** The record is being deleted: its objects go first; a running backup finishes (or fails) before that. */
  @Override
  public DeleteControl cleanup(HostedClusterBackup b, Context<HostedClusterBackup> context) {
    Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
    if (work.busy(b) || phase == Phase.InProgress) {
      if (!work.busy(b) && phase == Phase.InProgress) {
        work.submit(RecordWork.key(b), () -> failRestarted(b));
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(RecordWork.BUSY_RECHECK);
    }
    return switch (deleteObjects(b)) {
      case DONE -> DeleteControl.defaultDelete();
      // waits for a change of the record, or a person removing the finalizer
      case REFUSED -> DeleteControl.noFinalizerRemoval();
      case RETRY -> DeleteControl.noFinalizerRemoval().rescheduleAfter(DELETE_RETRY);
    };
  }

  /** How the clean-up of a deleted record ended. */
  enum Deleted { DONE, RETRY, REFUSED }

  /** Deletes the backup's objects from the bucket as {@link BackupDeletion} allows. */
  Deleted deleteObjects(HostedClusterBackup b) {
    String ns = b.getMetadata().getNamespace();
    String name = b.getMetadata().getName();
    if (namespaceDeleting(ns)) {
      BackupDeletion.Decision keep = BackupDeletion.decide(b, config.clusterName(), null, true);
      log.info("backup {}/{} deleted with its namespace: {}", ns, name, keep.message());
      return Deleted.DONE;
    }
    try {
      try (StoreConnector.Connection store = stores.connect(b.getSpec().store)) {
        BackupDeletion.Decision d = BackupDeletion.decide(b, config.clusterName(), store.spec().prefix, false);
        switch (d.outcome()) {
          case REFUSE -> {
            log.warn("backup {}/{}: {}", ns, name, d.message());
            records.event(b, "Warning", BackupDeletion.REASON_LOCATION_NOT_OWN_FOLDER, d.message());
            return Deleted.REFUSED;
          }
          case KEEP_OBJECTS -> log.info("backup {}/{} deleted: {}", ns, name, d.message());
          case DELETE_OBJECTS -> {
            store.catalog().abortDanglingUploads(d.folder());
            int deleted = store.catalog().deleteFolder(d.folder());
            log.info("backup {}/{} deleted: {} objects removed from {}", ns, name, deleted, d.folder());
          }
        }
      }
      return Deleted.DONE;
    } catch (BackupFailure e) {
      if (BackupFailure.STORE_NOT_FOUND.equals(e.reason())) {
        // the store is gone, so are its objects as far as we can tell: do not hold the record forever
        log.warn("backup {}/{}: store {} no longer exists; releasing the record", ns, name, b.getSpec().store);
        return Deleted.DONE;
      }
      log.warn("backup {}/{}: cannot delete its objects yet ({}): {}", ns, name, e.reason(), e.getMessage());
      records.event(b, "Warning", "DeleteFailed", e.reason() + ": " + e.getMessage());
      return Deleted.RETRY;
    } catch (SdkException e) {
      log.warn("backup {}/{}: cannot delete its objects yet: {}", ns, name, StoreConnector.firstLine(e.getMessage()));
      return Deleted.RETRY;
    }
  }

  /** The record's cluster namespace on the hub is going (or gone): its records go with it, their objects stay. */
  private boolean namespaceDeleting(String namespace) {
    var n = hub.namespaces().withName(namespace).get();
    return n == null || n.getMetadata().getDeletionTimestamp() != null;
  }

  /** A record the spoke's schedule created: it carries the scheduled time. */
  static boolean scheduled(HostedClusterBackup b) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    return a != null && a.containsKey(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION);
  }

  /** Running backups finish, or resume their hosted cluster and mark themselves Failed (AgentStopped). */
  @Override
  public void close() {
    work.close();
  }
}
