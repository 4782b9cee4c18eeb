package io.flotilla.agent.backup;

import io.flotilla.agent.hub.HubRecords;

import com.google.common.util.concurrent.RateLimiter;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.hostedcluster.HostedClusterPauser;
import io.flotilla.agent.hostedcluster.PausePlan;
import io.flotilla.agent.work.AgentWork;
import io.flotilla.agent.work.HostedClusterLocks;
import io.flotilla.agent.work.RecordLocks;
import io.flotilla.agent.work.StopSignal;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdSnapshotSource;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.agent.storage.SnapshotSource;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one HostedClusterBackup on this management cluster (docs/architecture.md, flow 2): preflight → pause with a deadline →
 * optional quiesce → etcd snapshot through the pipeline → resources → resume → commit marker → report.
 *
 * <p>Invariants: nothing is paused until every preflight check has passed; whatever was paused is resumed on every
 * path out (and, should the process die, by the journal on restart or by the deadline); {@code manifest.json} is
 * written only after both objects are complete, and a failed backup leaves no object behind.
 */
public final class BackupExecutor {
  private static final Logger log = LoggerFactory.getLogger(BackupExecutor.class);
  private static final Duration ETCD_TIMEOUT = Duration.ofSeconds(10);

  private final KubernetesClient local;
  private final String cluster;
  private final String agentVersion;
  private final BackupConfig config;
  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final BackupJournal journal;
  private final HostedClusterPauser pauser;
  private final ResourceCollector collector;
  private final Clock clock;
  private final String executorId;
  private final AgentWork work;

  public BackupExecutor(KubernetesClient local, String cluster, String agentVersion, BackupConfig config,
      StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records, Clock clock, String executorId) {
    this(local, cluster, agentVersion, config, stores, records, clock, executorId, AgentWork.create());
  }

  /** @param work the agent's stop signal and per-hosted-cluster locks (io.flotilla.agent.work) */
  public BackupExecutor(KubernetesClient local, String cluster, String agentVersion, BackupConfig config,
      StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records, Clock clock,
      String executorId, AgentWork work) {
    this.work = Objects.requireNonNull(work, "work");
    this.local = Objects.requireNonNull(local);
    this.cluster = Objects.requireNonNull(cluster);
    this.agentVersion = agentVersion;
    this.config = Objects.requireNonNull(config);
    this.stores = Objects.requireNonNull(stores);
    this.records = Objects.requireNonNull(records);
    this.journal = new BackupJournal(local, config.agentNamespace());
    this.pauser = new HostedClusterPauser(new io.flotilla.agent.hostedcluster.ManagementObjects(local));
    this.collector = new ResourceCollector(local);
    this.clock = Objects.requireNonNull(clock);
    this.executorId = executorId;
  }

  public BackupJournal journal() {
    return journal;
  }

  /**
   * Undoes what backups of a previous agent process, recorded in {@code namespace} (this executor's records), changed on
   * this cluster: resume first (needs neither hub nor bucket), then tidy the bucket and mark the record Failed
   * ({@code AgentRestarted}). Entries whose records or bucket cannot be settled yet stay for next time. Entries of the
   * other executor (hub records vs the spoke's scheduled records) are left to it.
   *
   * @param busy whether this process is working on the record of that name (its entry is live, not left over)
   */
  public void recoverInterrupted(String namespace, java.util.function.Predicate<String> busy) {
    for (BackupJournal.Entry entry : journal.entries()) {
      if (!namespace.equals(entry.hubNamespace()) || busy.test(entry.backup())) {
        continue;
      }
      log.info("journal: backup {}/{} was interrupted by an agent restart; resuming {}/{}", entry.hubNamespace(),
          entry.backup(), entry.hostedClusterNamespace(), entry.hostedClusterName());
      entry.pausePlan().ifPresent(plan -> resume(entry.controlPlaneNamespace(), plan,
          entry.previousReplicas() == null ? Map.of() : entry.previousReplicas()));
      journal.write(entry.resumed());
      try {
        try (StoreConnector.Connection store = stores.connect(entry.store())) {
          java.util.Optional<BackupLayout> layout = BackupLayout.ofFolder(store.spec().prefix, entry.folder());
          if (layout.isPresent() && store.catalog().isCommitted(layout.get())) {
            // committed, only its Completed status was never written: a good backup, never Failed or deleted
            completeFromManifest(entry.hubNamespace(), entry.backup(), store, layout.get());
            journal.remove(entry.hubNamespace(), entry.backup());
            continue;
          }
          int aborted = store.catalog().abortDanglingUploads(entry.folder());
          int deleted = store.catalog().deleteFolder(entry.folder());
          log.info("journal: aborted {} multipart uploads and deleted {} objects under {}", aborted, deleted, entry.folder());
        }
        HostedClusterBackup record = records.get(entry.hubNamespace(), entry.backup());
        if (record != null && record.getStatus() != null && record.getStatus().phase == Phase.InProgress) {
          fail(record, BackupFailure.AGENT_RESTARTED, "The agent restarted during the backup; the hosted "
              + "cluster was resumed and the partial upload aborted");
        }
        journal.remove(entry.hubNamespace(), entry.backup());
      } catch (BackupFailure | SdkException | io.fabric8.kubernetes.client.KubernetesClientException | IOException e) {
        log.warn("journal: backup {}/{}: the cluster is resumed, but the bucket or records could not be settled yet: {}",
            entry.hubNamespace(), entry.backup(), e.getMessage());
      }
    }
  }

  /** Writes Completed from the manifest in the bucket, for a backup whose own Completed write was lost. */
  private void completeFromManifest(String ns, String name, StoreConnector.Connection store, BackupLayout layout)
      throws java.io.IOException {
    BackupManifest m = store.catalog().read(layout);
    HostedClusterBackup record = records.get(ns, name);
    if (record == null || record.getStatus() != null && record.getStatus().phase == Phase.Completed) {
      return;
    }
    HostedClusterBackupStatus done = io.flotilla.agent.storage.CatalogReconciliation.status(store.spec().bucket, layout,
        m, record.getMetadata().getGeneration(), clock.instant());
    HostedClusterBackupStatus before = record.getStatus();
    if (before != null) {
      done.executor = before.executor;
      done.pausedAt = before.pausedAt;
      done.resumedAt = before.resumedAt;
      done.pauseWindow = before.pauseWindow;
    }
    records.setStatus(ns, name, done);
    log.info("backup {}/{} was committed at {} before the agent stopped; recorded Completed from its manifest", ns, name,
        layout.folder());
  }

  /** Runs the backup to an end state on the hub. Never throws; failures end up in status. */
  public void execute(HostedClusterBackup backup) {
    String ns = backup.getMetadata().getNamespace();
    String name = backup.getMetadata().getName();
    Instant startedAt = clock.instant();
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.InProgress;
      s.observedGeneration = backup.getMetadata().getGeneration();
      s.startedAt = Time.format(startedAt);
      s.executor = executorId;
      s.progress = progress(s, "Preflight", null, null);
      Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.FALSE, "InProgress",
          "Backup is running", backup.getMetadata().getGeneration(), startedAt);
    });
    records.event(backup, "Normal", "BackupStarted", "Backing up hosted cluster " + backup.getSpec().hostedCluster);
    Result result;
    try {
      result = run(backup);
    } catch (BackupFailure f) {
      fail(backup, f.reason(), f.getMessage());
      return;
    } catch (RuntimeException e) {
      log.warn("backup {}/{} failed unexpectedly", ns, name, e);
      fail(backup, "InternalError", e.getClass().getSimpleName() + ": " + StoreConnector.firstLine(e.getMessage()));
      return;
    }
    // Committed: from here on the backup is good whatever the hub says, so it is never recorded Failed (retention
    // would then be free to delete it). The Completed write is retried; should it still fail, the journal keeps the
    // folder and the next recovery records Completed from the manifest.
    recordCompleted(backup, result);
  }

  private void recordCompleted(HostedClusterBackup backup, Result result) {
    String ns = backup.getMetadata().getNamespace();
    String name = backup.getMetadata().getName();
    RuntimeException last = null;
    for (int attempt = 0; attempt < COMPLETED_WRITE_ATTEMPTS; attempt++) {
      try {
        writeCompleted(backup, result);
        return;
      } catch (RuntimeException e) {
        last = e;
        log.debug("backup {}/{}: Completed status not written yet (attempt {}): {}", ns, name, attempt + 1,
            e.getMessage());
        sleepQuietly(Duration.ofMillis(500L << Math.min(attempt, 4)));
      }
    }
    log.warn("backup {}/{} is committed in {} but its Completed status could not be written ({}); the agent records "
        + "it from the manifest when it next recovers its journal", ns, name, result.folder,
        StoreConnector.firstLine(last.getMessage()));
    try {
      journal.write(BackupJournal.Entry.start(ns, name, backup.getSpec().hostedCluster.namespace,
          backup.getSpec().hostedCluster.name, backup.getSpec().store, result.folder));
    } catch (RuntimeException e) {
      log.warn("backup {}/{}: could not note it in the journal either: {}", ns, name, e.getMessage());
    }
  }

  private static final int COMPLETED_WRITE_ATTEMPTS = 6;

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeCompleted(HostedClusterBackup backup, Result result) {
    String ns = backup.getMetadata().getNamespace();
    String name = backup.getMetadata().getName();
    {
      Instant completedAt = clock.instant();
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.Completed;
        s.completedAt = Time.format(completedAt);
        s.location = new HostedClusterBackupStatus.Location();
        s.location.bucket = result.bucket;
        s.location.keyPrefix = result.folder;
        s.snapshot = new HostedClusterBackupStatus.Snapshot();
        s.snapshot.rawBytes = result.snapshot.rawBytes();
        s.snapshot.storedBytes = result.snapshot.storedBytes();
        s.snapshot.sha256 = result.snapshot.sha256();
        s.snapshot.etcdRevision = result.state.revision();
        s.snapshot.keys = result.state.keys();
        s.keyId = result.keyId;
        s.progress = progress(s, "Done", result.snapshot.rawBytes(), null);
        Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.TRUE, "BackupCompleted",
            "Snapshot at etcd revision " + result.state.revision() + " (" + result.state.keys() + " keys) stored in "
                + result.folder, backup.getMetadata().getGeneration(), completedAt);
      });
      records.event(backup, "Normal", "BackupCompleted", "Stored " + result.snapshot.storedBytes() + " bytes at etcd revision "
          + result.state.revision() + "; paused for " + result.pauseWindow.toMillis() + " ms");
      log.info("backup {}/{} of {} completed: {} raw bytes, {} stored, revision {}, paused {} ms", ns, name,
          backup.getSpec().hostedCluster, result.snapshot.rawBytes(), result.snapshot.storedBytes(),
          result.state.revision(), result.pauseWindow.toMillis());
    }
  }

  /** Marks a backup Failed with a reason; used for runs that fail and for runs an agent restart interrupted. */
  public void fail(HostedClusterBackup backup, String reason, String message) {
    Instant now = clock.instant();
    log.warn("backup {}/{} failed ({}): {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(),
        reason, message);
    records.updateStatus(backup.getMetadata().getNamespace(), backup.getMetadata().getName(), s -> {
      s.phase = Phase.Failed;
      s.completedAt = Time.format(now);
      s.progress = progress(s, "Failed", null, null);
      Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.FALSE, reason, message,
          backup.getMetadata().getGeneration(), now);
    });
    records.event(backup, "Warning", "BackupFailed", reason + ": " + message);
  }

  /** @param keyId the store key the data key is wrapped under; null unless client-side encrypted */
  private record Result(String bucket, String folder, SnapshotFigures snapshot, EtcdState state, Duration pauseWindow,
      String keyId) {}

  private Result run(HostedClusterBackup backup) throws BackupFailure {
    String ns = backup.getMetadata().getNamespace();
    String name = backup.getMetadata().getName();
    HostedClusterBackupSpec spec = backup.getSpec();
    // ---- preflight: nothing below touches the hosted cluster until all of it passed
    Duration maxPause = maxPauseWindow(spec);
    NamespacedName hcRef = spec.hostedCluster;
    if (hcRef == null || hcRef.namespace == null || hcRef.name == null) {
      throw new BackupFailure(BackupFailure.INVALID_SPEC, "spec.hostedCluster needs namespace and name");
    }
    try (HostedClusterLocks.Lock lock = lock(backup, hcRef)) {
      return runLocked(backup, hcRef, maxPause);
    }
  }

  /**
   * The hosted cluster's lock, shared with every other piece of work that pauses or restores it (io.flotilla.agent.work):
   * waits for the holder, saying so in the record's {@code Waiting} condition.
   */
  private HostedClusterLocks.Lock lock(HostedClusterBackup backup, NamespacedName hcRef) throws BackupFailure {
    try {
      return RecordLocks.lock(work, records, backup, hcRef, s -> s.conditions, clock);
    } catch (HostedClusterLocks.Busy e) {
      throw new BackupFailure(RecordLocks.REASON_BUSY, e.getMessage() + "; nothing was paused");
    } catch (StopSignal.Stopped e) {
      throw new BackupFailure(BackupFailure.AGENT_STOPPED, "The agent stopped before the backup started; nothing was "
          + "paused");
    }
  }

  private Result runLocked(HostedClusterBackup backup, NamespacedName hcRef, Duration maxPause) throws BackupFailure {
    String ns = backup.getMetadata().getNamespace();
    String name = backup.getMetadata().getName();
    HostedClusterBackupSpec spec = backup.getSpec();
    HostedCluster hc = local.resources(HostedCluster.class).inNamespace(hcRef.namespace).withName(hcRef.name).get();
    if (hc == null) {
      throw new BackupFailure(BackupFailure.HOSTED_CLUSTER_NOT_FOUND, "HostedCluster " + hcRef + " does not exist on "
          + cluster);
    }
    String cpNs = hc.controlPlaneNamespace();
    try (StoreConnector.Connection store = stores.connect(spec.store,
        s -> StoreConnector.hostedClusterFolder(s, cluster, hcRef.namespace, hcRef.name));
         Client etcd = config.etcd().client(local, cpNs)) {
      EtcdState before;
      try {
        before = EtcdState.read(etcd, ETCD_TIMEOUT);
      } catch (IOException e) {
        throw new BackupFailure(BackupFailure.ETCD_UNREACHABLE, "etcd of " + hcRef + " does not answer: "
            + StoreConnector.firstLine(e.getMessage()));
      }
      Long dbSize = dbSize(etcd, cpNs);
      BackupLayout layout = new BackupLayout(store.spec().prefix, cluster, hcRef.namespace, hcRef.name, name);
      Codec codec = Codec.ZSTD;
      // the collision guard: refuses another cluster's folder, or a backup that already exists, before anything
      String writerUid = stores.claimFolder(store, layout, config.agentNamespace());
      records.addFinalizer(ns, name); // from here on objects may exist: deleting the record must delete them

      BackupJournal.Entry entry = BackupJournal.Entry.start(ns, name, hcRef.namespace, hcRef.name, spec.store,
          layout.folder());
      journal.write(entry);
      PausePlan plan = null;
      Map<String, Integer> quiesced = Map.of();
      Instant pausedAt = null;
      Instant resumedAt = null;
      boolean committed = false;
      List<String> keptTheirs = new java.util.ArrayList<>();
      try {
        // ---- pause: journal first, so a crash right after the write is still undone
        if (work.stop().requested()) {
          throw new BackupFailure(BackupFailure.AGENT_STOPPED, "The agent stopped before the backup paused " + hcRef
              + "; nothing was paused");
        }
        status(ns, name, "Pausing", null, dbSize);
        List<NodePool> nodePools = pauser.nodePoolsOf(hc);
        plan = PausePlan.plan(HostedClusterPauser.currentPause(hc, nodePools), clock.instant(), maxPause);
        entry = entry.paused(plan);
        journal.write(entry);
        pausedAt = clock.instant();
        try {
          pauser.pause(plan);
        } catch (HostedClusterPauser.Conflict c) {
          throw new BackupFailure(BackupFailure.PAUSE_CONFLICT, c.getMessage() + "; the backup was not taken and what "
              + "it had paused was put back");
        }
        if (Boolean.TRUE.equals(spec.quiesceAPIServers)) {
          Map<String, Integer> replicas = pauser.apiServerReplicas(cpNs);
          entry = entry.quiesced(cpNs, replicas);
          journal.write(entry);
          quiesced = replicas;
          try {
            pauser.scaleToZero(cpNs, replicas);
          } catch (HostedClusterPauser.Conflict c) {
            throw new BackupFailure(BackupFailure.PAUSE_CONFLICT, c.getMessage() + "; the backup was not taken and "
                + "what it had changed was put back");
          }
        }
        String deadline = plan.deadline();
        // a backup that paused nothing itself (a migration's, under a hold of "true") has no window of its own
        Instant windowEnds = plan.objectsToPause().isEmpty() ? Instant.MAX : Time.parse(deadline);
        Instant pausedAtFinal = pausedAt;
        records.updateStatus(ns, name, s -> {
          s.pausedAt = Time.format(pausedAtFinal);
          Conditions.set(s.conditions, HostedClusterBackup.CONDITION_PAUSED, Conditions.TRUE, "Paused",
              "pausedUntil " + deadline + " on " + (1 + nodePools.size()) + " objects", backup.getMetadata().getGeneration(),
              pausedAtFinal);
        });

        // ---- snapshot: revision and key count first, while writers are stopped
        status(ns, name, "Snapshot", 0L, dbSize);
        EtcdState state;
        SnapshotFigures snapshot;
        try {
          state = EtcdState.read(etcd, ETCD_TIMEOUT);
          SnapshotPipeline pipeline = new SnapshotPipeline(store.s3(), store.spec().bucket, codec, store.encryption());
          snapshot = withProgress(ns, name, dbSize, progress -> pipeline.upload(
              metered(new EtcdSnapshotSource(etcd), progress, windowEnds),
              layout.snapshotKey(codec, store.encryption()),
              BackupLayout.SNAPSHOT_ROLE, stored -> { }));
        } catch (PauseExpired e) {
          throw new BackupFailure(BackupFailure.PAUSE_EXPIRED, "The snapshot of " + hcRef + " was still streaming when "
              + "its pause window (" + io.flotilla.common.Durations.format(maxPause) + ") ended at " + deadline
              + "; HyperShift resumes the cluster then, so the snapshot would not be consistent. Nothing was committed; "
              + "raise spec.maxPauseWindow (at most " + io.flotilla.common.Durations.format(io.flotilla.common.PauseWindow.MAX)
              + ") or the backup bandwidth");
        } catch (InterruptedIOException e) {
          if (work.stop().requested()) {
            throw new BackupFailure(BackupFailure.AGENT_STOPPED, "The agent stopped during the snapshot (SIGTERM); "
                + hcRef + " was resumed and the partial upload aborted");
          }
          throw new BackupFailure(BackupFailure.INTERRUPTED, "the agent stopped during the snapshot");
        } catch (IOException | SdkException e) {
          boolean upload = isUploadFailure(e);
          throw new BackupFailure(upload ? BackupFailure.UPLOAD_FAILED : BackupFailure.SNAPSHOT_FAILED,
              (upload ? "upload to bucket " + store.spec().bucket + " failed: " : "etcd snapshot of " + hcRef + " failed: ")
                  + StoreConnector.firstLine(e.getMessage()));
        }

        // the hash at the snapshot's revision, for verifying a restore while its kube-apiserver writes; best effort
        EtcdState.Hash hashAtSnapshot = hashAt(etcd, cpNs, state.revision());

        // ---- resources, still paused so they match the snapshot
        status(ns, name, "Resources", snapshot.rawBytes(), dbSize);
        SnapshotFigures resources;
        try {
          PausePlan ours = plan;
          HostedCluster hcNow = local.resources(HostedCluster.class).inNamespace(hcRef.namespace).withName(hcRef.name).get();
          ResourceCollector.Collected collected = collector.collect(hcNow == null ? hc : withoutOurPause(hcNow, ours),
              pauser.nodePoolsOf(hc).stream().map(np -> withoutOurPause(np, ours)).toList());
          SnapshotPipeline pipeline = new SnapshotPipeline(store.s3(), store.spec().bucket, codec, store.encryption());
          resources = pipeline.upload(() -> new ByteArrayInputStream(collected.tar()),
              layout.resourcesKey(codec, store.encryption()), BackupLayout.RESOURCES_ROLE, stored -> { });
          log.debug("backup {}/{}: {} resources", ns, name, collected.entries().size());
        } catch (IOException | SdkException | io.fabric8.kubernetes.client.KubernetesClientException e) {
          throw new BackupFailure(BackupFailure.RESOURCES_FAILED, "backing up the resources of " + hcRef + " failed: "
              + StoreConnector.firstLine(e.getMessage()));
        }

        // ---- resume before the commit: the data is captured, the cluster should not wait on the bucket
        status(ns, name, "Resuming", snapshot.rawBytes(), dbSize);
        keptTheirs.addAll(resume(cpNs, plan, quiesced));
        resumedAt = clock.instant();
        journal.write(entry.resumed());

        status(ns, name, "Committing", snapshot.rawBytes(), dbSize);
        BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, name, cluster,
            new BackupManifest.HostedClusterRef(hcRef.namespace, hcRef.name), BackupManifest.time(startedAtOf(records.get(ns, name))),
            BackupManifest.time(clock.instant()), codec.manifestName(), store.encryption().cipherName(),
            store.encryption().keyId(), store.encryption().wrappedDataKey(),
            BackupManifest.ObjectFigures.ofSnapshot(BackupLayout.snapshotName(codec, store.encryption()), snapshot, state,
                hashAtSnapshot),
            BackupManifest.ObjectFigures.of(BackupLayout.resourcesName(codec, store.encryption()), resources, null, null),
            hc.getApiVersion(), agentVersion).writtenBy(writerUid).withPolicy(spec.policy);
        try {
          // sealed under the active key, and written only if no manifest is there: of two writers of one folder, one
          // commits (docs/backup-and-restore.md, "Commit")
          store.catalog().commit(layout, store.sealed(manifest), store.encryption().sseKmsKeyId());
        } catch (BackupCatalog.ManifestConflict e) {
          // not ours to clean up: the folder is another writer's committed backup now
          committed = true;
          throw new BackupFailure(StoreConnector.BACKUP_EXISTS, "another writer committed "
              + CatalogReconciliation.location(store.spec().bucket, layout.folder()) + " first, while this backup "
              + "was running; its manifest.json was kept and nothing of the folder was deleted. Verify that backup "
              + "(flotilla backup verify), as this one's objects were written to the same names");
        } catch (SdkException e) {
          throw new BackupFailure(BackupFailure.COMMIT_FAILED, "writing manifest.json to bucket " + store.spec().bucket
              + " failed: " + StoreConnector.firstLine(e.getMessage()));
        }
        committed = true;
        return new Result(store.spec().bucket, layout.folder(), snapshot, state,
            Duration.between(pausedAt, resumedAt), store.encryption().mode() == BackupEncryption.Mode.AES256GCM
                ? store.encryption().keyId() : null);
      } finally {
        if (resumedAt == null && plan != null) {
          try {
            keptTheirs.addAll(resume(cpNs, plan, quiesced));
            resumedAt = clock.instant();
          } catch (RuntimeException e) {
            log.warn("backup {}/{}: could not resume {} (pausedUntil deadline {} still ends the pause): {}", ns, name,
                hcRef, plan.deadline(), e.getMessage());
          }
        }
        if (!committed) {
          discard(store, layout);
        }
        if (pausedAt != null && resumedAt != null) {
          Instant r = resumedAt;
          Instant p = pausedAt;
          records.updateStatus(ns, name, s -> {
            s.resumedAt = Time.format(r);
            s.pauseWindow = io.flotilla.common.Durations.formatMillis(Duration.between(p, r));
            Conditions.set(s.conditions, HostedClusterBackup.CONDITION_PAUSED, Conditions.FALSE, "Resumed",
                "Paused for " + Duration.between(p, r).toMillis() + " ms" + (keptTheirs.isEmpty() ? ""
                    : "; left as changed by someone else meanwhile: " + String.join(", ", keptTheirs)),
                backup.getMetadata().getGeneration(), r);
          });
          if (!keptTheirs.isEmpty()) {
            records.event(backup, "Normal", "PauseChangedMeanwhile", "Left as changed by someone else while paused: "
                + String.join(", ", keptTheirs));
          }
        }
        if (plan == null || resumedAt != null) {
          journal.remove(ns, name);
        }
      }
    }
  }

  /** Undoes the quiesce, then the pause (HyperShift would otherwise scale the API servers while we restore them). */
  List<String> resume(String cpNs, PausePlan plan, Map<String, Integer> quiesced) {
    List<String> keptTheirs = new java.util.ArrayList<>();
    if (!quiesced.isEmpty()) {
      keptTheirs.addAll(pauser.unquiesce(cpNs, quiesced));
    }
    keptTheirs.addAll(pauser.resume(plan));
    return keptTheirs;
  }

  /** Removes what a failed backup wrote: no manifest was written, so these objects are not a backup. */
  private void discard(StoreConnector.Connection store, BackupLayout layout) {
    try {
      int aborted = store.catalog().abortDanglingUploads(layout.folder());
      int deleted = store.catalog().deleteFolder(layout.folder());
      if (aborted + deleted > 0) {
        log.info("discarded {} dangling uploads and {} objects under {}", aborted, deleted, layout.folder());
      }
    } catch (SdkException e) {
      log.warn("could not clean up {} in bucket {}: {}", layout.folder(), store.spec().bucket,
          StoreConnector.firstLine(e.getMessage()));
    }
  }

  // ---- helpers

  static Duration maxPauseWindow(HostedClusterBackupSpec spec) throws BackupFailure {
    try {
      return io.flotilla.common.PauseWindow.parse("spec.maxPauseWindow", spec.maxPauseWindow);
    } catch (IllegalArgumentException e) {
      throw new BackupFailure(BackupFailure.INVALID_SPEC, e.getMessage() + "; nothing was paused");
    }
  }

  /** The start time execute() wrote (the record passed to run() was read before it). */
  private static Instant startedAtOf(HostedClusterBackup backup) {
    return backup != null && backup.getStatus() != null && backup.getStatus().startedAt != null
        ? Time.parse(backup.getStatus().startedAt) : Instant.now();
  }

  /** The backed-up HostedCluster or NodePool carries its own pause, not the one the backup added. */
  private static <T> T withoutOurPause(T object, PausePlan plan) {
    if (object instanceof HostedCluster hc && hc.getSpec() != null && plan.deadline().equals(hc.getSpec().pausedUntil)) {
      hc.getSpec().pausedUntil = plan.restoreFor(HostedClusterPauser.key(hc)).map(PausePlan.Restore::value).orElse(null);
    } else if (object instanceof NodePool np && np.getSpec() != null && plan.deadline().equals(np.getSpec().pausedUntil)) {
      np.getSpec().pausedUntil = plan.restoreFor(HostedClusterPauser.key(np)).map(PausePlan.Restore::value).orElse(null);
    }
    return object;
  }

  /** HashKV at {@code revision}, or null when etcd cannot give it (then a restore is checked by key count only). */
  private EtcdState.Hash hashAt(Client etcd, String cpNs, long revision) {
    try {
      return EtcdState.hashAt(etcd, config.etcd().endpoint(local, cpNs), revision, ETCD_TIMEOUT);
    } catch (IOException | BackupFailure e) {
      log.warn("etcd of {} gave no hash at revision {} ({}); a restore of this backup is checked by key count only",
          cpNs, revision, StoreConnector.firstLine(e.getMessage()));
      return null;
    }
  }

  private Long dbSize(Client etcd, String cpNs) {
    try {
      return etcd.getMaintenanceClient().statusMember(config.etcd().endpoint(local, cpNs))
          .get(ETCD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).getDbSize();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return null; // only used for the progress bar
    }
  }

  private void status(String ns, String name, String step, Long done, Long total) {
    records.updateStatus(ns, name, s -> s.progress = progress(s, step, done, total));
  }

  private static HostedClusterBackupStatus.Progress progress(HostedClusterBackupStatus s, String step, Long done, Long total) {
    HostedClusterBackupStatus.Progress p = s.progress == null ? new HostedClusterBackupStatus.Progress() : s.progress;
    p.step = step;
    if (done != null) {
      p.bytesDone = done;
    }
    if (total != null) {
      p.bytesTotal = total;
    }
    return p;
  }

  private interface Upload {
    SnapshotFigures run(AtomicLong progress) throws IOException;
  }

  /**
   * Runs an upload while one side thread publishes the raw-bytes counter to the hub every progressInterval (a fixed
   * delay, so a slow hub write only delays the next one; the upload itself never waits for the hub).
   */
  private SnapshotFigures withProgress(String ns, String name, Long total, Upload upload) throws IOException {
    AtomicLong done = new AtomicLong();
    ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "backup-progress-" + name);
      t.setDaemon(true);
      return t;
    });
    long interval = config.progressInterval().toMillis();
    AtomicLong reported = new AtomicLong(-1);
    reporter.scheduleWithFixedDelay(() -> {
      long now = done.get();
      if (now != reported.getAndSet(now)) {
        try {
          status(ns, name, "Snapshot", now, total);
        } catch (RuntimeException e) {
          log.debug("progress update of {}/{} failed: {}", ns, name, e.getMessage());
        }
      }
    }, interval, interval, TimeUnit.MILLISECONDS);
    try {
      return upload.run(done);
    } finally {
      reporter.shutdownNow();
      try {
        reporter.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The pause deadline came while the snapshot still streamed. */
  private static final class PauseExpired extends InterruptedIOException {
    PauseExpired() {
      super("the pause window ended during the snapshot");
    }
  }

  /** How long before the deadline a snapshot still streaming gives up: HyperShift resumes at the deadline itself. */
  static final Duration DEADLINE_MARGIN = Duration.ofSeconds(1);

  /**
   * Counts raw bytes for the progress figure, applies the bandwidth limit, and stops the stream on a stop request
   * or when the pause {@code deadline} (less {@link #DEADLINE_MARGIN}) has come.
   */
  private SnapshotSource metered(SnapshotSource source, AtomicLong counter, Instant deadline) {
    Instant giveUpAt = deadline.equals(Instant.MAX) ? Instant.MAX : deadline.minus(DEADLINE_MARGIN);
    RateLimiter limiter = config.bandwidthLimit() > 0 ? RateLimiter.create(config.bandwidthLimit()) : null;
    return () -> new FilterInputStream(source.open()) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (limiter != null) {
          // ask for at most a 64 KiB slice at a time, so the limit holds smoothly
          len = Math.min(len, 64 << 10);
        }
        int n = super.read(b, off, len);
        if (n > 0) {
          counter.addAndGet(n);
          if (limiter != null) {
            limiter.acquire(n);
          }
        }
        work.stop().check("backup snapshot");
        if (!clock.instant().isBefore(giveUpAt)) {
          throw new PauseExpired();
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("backup interrupted");
        }
        return n;
      }
    };
  }

  /** Whether the object store failed (rather than etcd): its exceptions are somewhere in the cause chain. */
  private static boolean isUploadFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SdkException || t instanceof io.flotilla.agent.storage.UploadFailedException) {
        return true;
      }
    }
    return false;
  }
}
