package io.flotilla.agent.backup;

import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Watches the HostedClusterBackups in this cluster's namespace on the hub and acts on them: runs new ones, marks
 * the ones an earlier agent process left InProgress as Failed ({@code AgentRestarted}) after undoing what its
 * journal says it changed, verifies on request, and deletes a backup's objects when its record is deleted. Scheduled
 * records (with the scheduled-time annotation) were run on the spoke and forwarded: only deleted and verified here.
 */
public final class BackupController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackupController.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final AgentConfig config;
  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final BackupExecutor executor;
  private final BackupVerifier verifier;
  private final String executorId;
  private final RecordWork work;
  private SharedIndexInformer<HostedClusterBackup> informer;

  public BackupController(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3,
      String identity) {
    this.hub = Objects.requireNonNull(hub);
    this.local = Objects.requireNonNull(local);
    this.config = Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    // One id per process: a record InProgress under another id was interrupted by an agent restart.
    this.executorId = identity + "/" + UUID.randomUUID().toString().substring(0, 8);
    this.stores = new StoreConnector(hub, local, s3);
    this.records = new HubRecords<>(hub, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "flotilla-agent/" + config.clusterName());
    this.executor = new BackupExecutor(local, config.clusterName(), config.version(), config.backup(), stores, records,
        clock, executorId, config.work());
    this.verifier = new BackupVerifier(stores, records, clock);
    this.work = new RecordWork("backup-" + config.clusterName(), config.backup().concurrency(), config.work(), key -> {
      String[] parts = key.split("/", 2);
      HostedClusterBackup now = records.get(parts[0], parts[1]);
      if (now != null) {
        dispatch(now);
      }
    });
  }

  public String executorId() {
    return executorId;
  }

  public synchronized void start() {
    recoverJournal();
    informer = hub.resources(HostedClusterBackup.class).inNamespace(config.clusterName())
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(HostedClusterBackup b) {
            dispatch(b);
          }

          @Override
          public void onUpdate(HostedClusterBackup old, HostedClusterBackup b) {
            dispatch(b);
          }

          @Override
          public void onDelete(HostedClusterBackup b, boolean unknownFinalState) {
            // objects are removed while the finalizer holds the record; nothing left to do
          }
        }, 60_000L);
  }

  /**
   * Undoes what backups of a previous agent process changed on this cluster (see
   * {@link BackupExecutor#recoverInterrupted}); only this controller's records, in the cluster namespace on the hub.
   */
  void recoverJournal() {
    executor.recoverInterrupted(config.clusterName(), name -> work.busy(key(config.clusterName(), name)));
  }

  private void dispatch(HostedClusterBackup b) {
    String key = key(b.getMetadata().getNamespace(), b.getMetadata().getName());
    if (work.busy(key)) {
      return;
    }
    var status = b.getStatus();
    Phase phase = status == null ? null : status.phase;
    if (b.getMetadata().getDeletionTimestamp() != null) {
      if (b.getMetadata().getFinalizers() != null
          && b.getMetadata().getFinalizers().contains(HostedClusterBackup.OBJECTS_FINALIZER)
          && phase != Phase.InProgress) {
        work.submit(key, () -> deleteObjects(b));
      }
      return;
    }
    if (scheduled(b)) {
      // Run on the spoke by the schedule and forwarded here (io.flotilla.agent.schedule): never executed from the hub,
      // and never failed for another executor's id (the spoke's executor has its own). It holds our finalizer, so
      // retention deleting it deletes its objects (above), and it can be verified once Completed.
      if (b.getMetadata().getFinalizers() == null
          || !b.getMetadata().getFinalizers().contains(HostedClusterBackup.OBJECTS_FINALIZER)) {
        work.submit(key, () -> records.addFinalizer(b.getMetadata().getNamespace(), b.getMetadata().getName()));
      } else if (phase == Phase.Completed && verifier.requested(b)) {
        work.submit(key, () -> verifier.verify(b));
      }
      return;
    }
    if (io.flotilla.agent.storage.CatalogReconciliation.isImported(b) && (phase == null || phase == Phase.New)) {
      return; // created from the bucket; the sync writes its Completed status next — never run it
    }
    if (phase == null || phase == Phase.New) {
      work.submit(key, () -> executor.execute(b));
    } else if (phase == Phase.InProgress && !executorId.equals(status.executor)) {
      work.submit(key, () -> {
        recoverJournal();
        HostedClusterBackup now = records.get(b.getMetadata().getNamespace(), b.getMetadata().getName());
        if (now != null && now.getStatus() != null && now.getStatus().phase == Phase.InProgress
            && !executorId.equals(now.getStatus().executor)) {
          executor.fail(now, BackupFailure.AGENT_RESTARTED, "The agent that ran this backup stopped before it "
              + "finished; nothing was committed");
        }
      });
    } else if (phase == Phase.Completed && verifier.requested(b)) {
      work.submit(key, () -> verifier.verify(b));
    }
  }

  private void deleteObjects(HostedClusterBackup b) {
    String ns = b.getMetadata().getNamespace();
    String name = b.getMetadata().getName();
    var location = b.getStatus() == null ? null : b.getStatus().location;
    String folder = location != null ? location.keyPrefix : null;
    try {
      try (StoreConnector.Connection store = stores.connect(b.getSpec().store)) {
        if (folder == null && b.getSpec().hostedCluster != null) {
          // never got as far as reporting a location: where it would have written
          folder = new io.flotilla.agent.storage.BackupLayout(store.spec().prefix, config.clusterName(),
              b.getSpec().hostedCluster.namespace, b.getSpec().hostedCluster.name, name).folder();
        }
        if (folder != null) {
          store.catalog().abortDanglingUploads(folder);
          int deleted = store.catalog().deleteFolder(folder);
          log.info("backup {}/{} deleted: {} objects removed from {}", ns, name, deleted, folder);
        }
      }
      records.removeFinalizer(ns, name);
    } catch (BackupFailure e) {
      if (BackupFailure.STORE_NOT_FOUND.equals(e.reason())) {
        // the store is gone, so are its objects as far as we can tell: do not hold the record forever
        log.warn("backup {}/{}: store {} no longer exists; releasing the record", ns, name, b.getSpec().store);
        records.removeFinalizer(ns, name);
      } else {
        log.warn("backup {}/{}: cannot delete its objects yet ({}): {}", ns, name, e.reason(), e.getMessage());
        records.event(b, "Warning", "DeleteFailed", e.reason() + ": " + e.getMessage());
      }
    } catch (SdkException e) {
      log.warn("backup {}/{}: cannot delete its objects yet: {}", ns, name, StoreConnector.firstLine(e.getMessage()));
    }
  }

  /** A record the spoke's schedule created: it carries the scheduled time. */
  static boolean scheduled(HostedClusterBackup b) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    return a != null && a.containsKey(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION);
  }

  private static String key(String ns, String name) {
    return ns + "/" + name;
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    // Running backups finish, or resume their hosted cluster and mark themselves Failed (AgentStopped).
    work.close();
  }
}
