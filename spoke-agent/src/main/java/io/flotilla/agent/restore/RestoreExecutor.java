package io.flotilla.agent.restore;

import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.EtcdAccess;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.AuthenticatedManifest;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.agent.work.AgentWork;
import io.flotilla.agent.work.HostedClusterLocks;
import io.flotilla.agent.work.RecordLocks;
import io.flotilla.agent.work.StopSignal;
import io.flotilla.api.common.NamespacedName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Restores a backup onto this management cluster (docs/architecture.md, flow 3, docs/hypershift-facts.md §1.4 and §6.3): find the backup in the
 * bucket → verify manifest and checksums (nothing is created before that passes) → namespaces and Secrets → worker
 * objects (Agents, ClusterDeployment, AgentCluster), so the restored cluster re-adopts the same hosts → the
 * HostedCluster, created with {@code restoreSnapshotURL} already set (the field is immutable), pointing at this
 * agent's {@link SnapshotRelay} → wait for {@code EtcdSnapshotRestored} → NodePools → wait for Available → compare the
 * restored etcd's revision and key count with the backup's.
 *
 * <p>With {@code spec.resume: false} the HostedCluster is created paused and the restore stops there (phase Paused):
 * HyperShift starts no control plane for a paused HostedCluster, so a fail-over from a partitioned cluster does not
 * bring up a second live one before the source is fenced. {@link #resume} continues from the wait for etcd-init.
 */
public final class RestoreExecutor {
  private static final Logger log = LoggerFactory.getLogger(RestoreExecutor.class);
  /** How long etcd-init may take to download: HyperShift's OADP plugin presigns for 1 h (docs/hypershift-facts.md §1.4). */
  static final Duration URL_LIFETIME = Duration.ofHours(1);
  static final String RESTORED_FROM_BACKUP = "hypershift.openshift.io/restored-from-backup";

  /** Kinds restored before the HostedCluster, in order: the worker side first, so nothing new is provisioned. */
  static final List<String> BEFORE_HOSTED_CLUSTER = List.of("Secret", "Agent", "ClusterDeployment", "AgentCluster");

  private final KubernetesClient local;
  private final StoreConnector stores;
  private final HubRecords<HostedClusterRestore, HostedClusterRestoreStatus> records;
  private final SnapshotRelay relay;
  private final EtcdAccess etcd;
  private final Clock clock;
  private final Duration restoreTimeout;
  private final AgentWork work;

  /** @param work the agent's per-hosted-cluster locks and stop signal (io.flotilla.agent.work) */
  public RestoreExecutor(KubernetesClient local, StoreConnector stores,
      HubRecords<HostedClusterRestore, HostedClusterRestoreStatus> records, SnapshotRelay relay, EtcdAccess etcd,
      Clock clock, Duration restoreTimeout, AgentWork work) {
    this.work = Objects.requireNonNull(work);
    this.local = Objects.requireNonNull(local);
    this.stores = Objects.requireNonNull(stores);
    this.records = Objects.requireNonNull(records);
    this.relay = relay;
    this.etcd = Objects.requireNonNull(etcd);
    this.clock = Objects.requireNonNull(clock);
    this.restoreTimeout = Objects.requireNonNull(restoreTimeout);
  }

  public void execute(HostedClusterRestore restore) {
    String ns = restore.getMetadata().getNamespace();
    String name = restore.getMetadata().getName();
    Instant started = clock.instant();
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.InProgress;
      s.observedGeneration = restore.getMetadata().getGeneration();
      s.startedAt = Time.format(started);
      s.step = "Resolving";
      Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED, Conditions.FALSE, "InProgress",
          "Restore is running", restore.getMetadata().getGeneration(), started);
    });
    records.event(restore, "Normal", "RestoreStarted", "Restoring onto this cluster");
    attempt(restore, () -> run(restore));
  }

  /**
   * Continues a restore that created its HostedCluster paused (spec.resume: false), once asked
   * ({@value HostedClusterRestore#RESUME_ANNOTATION}): the same backup, verified again, served at the URL already in
   * the HostedCluster's spec; then unpause and the rest of the restore.
   */
  public void resume(HostedClusterRestore restore) {
    String ns = restore.getMetadata().getNamespace();
    String name = restore.getMetadata().getName();
    Instant now = clock.instant();
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.InProgress;
      s.step = "Resuming";
      s.resumedAt = Time.format(now);
      Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED, Conditions.FALSE, "InProgress",
          "Resuming the HostedCluster created paused", restore.getMetadata().getGeneration(), now);
    });
    records.event(restore, "Normal", "RestoreResumed", "Resuming the paused HostedCluster (request: "
        + restore.getMetadata().getAnnotations().get(HostedClusterRestore.RESUME_ANNOTATION) + ")");
    attempt(restore, () -> resumeRun(restore));
  }

  /** What a run ends in: the verification of a completed restore, or the HostedCluster it left paused. */
  private record Outcome(HostedClusterRestoreStatus.Verification verification, NamespacedName paused) {}

  @FunctionalInterface
  private interface Run {
    Outcome run() throws BackupFailure;
  }

  private void attempt(HostedClusterRestore restore, Run run) {
    try {
      Outcome outcome = run.run();
      if (outcome.paused() != null) {
        paused(restore, outcome.paused());
      } else {
        completed(restore, outcome.verification());
      }
    } catch (BackupFailure f) {
      fail(restore, f.reason(), f.getMessage());
    } catch (RuntimeException e) {
      log.warn("restore {}/{} failed unexpectedly", restore.getMetadata().getNamespace(),
          restore.getMetadata().getName(), e);
      fail(restore, "InternalError", e.getClass().getSimpleName() + ": " + StoreConnector.firstLine(e.getMessage()));
    }
  }

  private void completed(HostedClusterRestore restore, HostedClusterRestoreStatus.Verification v) {
    Instant done = clock.instant();
    records.updateStatus(restore.getMetadata().getNamespace(), restore.getMetadata().getName(), s -> {
      s.phase = Phase.Completed;
      s.completedAt = Time.format(done);
      s.step = "Done";
      s.verification = v;
      // Completed either way (the objects exist), but a mismatch must not read like a good restore.
      Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED, Conditions.TRUE,
          Boolean.TRUE.equals(v.matchesBackup) ? "RestoreCompleted" : "RestoredEtcdDiffers",
          "etcd restored; at the backup's revision " + v.atRevision + " it holds " + v.keys + " keys"
              + (v.hashMatches == null ? "" : ", hash " + (v.hashMatches ? "equal" : "different"))
              + " (now at revision " + v.etcdRevision + "); matches the backup: " + v.matchesBackup,
          restore.getMetadata().getGeneration(), done);
    });
    boolean matches = Boolean.TRUE.equals(v.matchesBackup);
    records.event(restore, matches ? "Normal" : "Warning", matches ? "RestoreCompleted" : "RestoredEtcdDiffers",
        "Restored; at the backup's revision " + v.atRevision + ": "
        + v.keys + " keys" + (v.hashMatches == null ? "" : ", hash " + (v.hashMatches ? "equal" : "different"))
        + "; matches backup " + v.matchesBackup);
  }

  private void paused(HostedClusterRestore restore, NamespacedName hc) {
    Instant now = clock.instant();
    String ref = restore.getMetadata().getNamespace() + "/" + restore.getMetadata().getName();
    String message = "HostedCluster " + hc + " was created paused (spec.resume: false): HyperShift starts no control "
        + "plane for it. Fence the source first (docs/runbooks/failover.md), then resume: flotilla restore resume " + ref;
    records.updateStatus(restore.getMetadata().getNamespace(), restore.getMetadata().getName(), s -> {
      s.phase = Phase.Paused;
      s.step = "Paused";
      Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED, Conditions.FALSE, "Paused", message,
          restore.getMetadata().getGeneration(), now);
    });
    records.event(restore, "Normal", "RestorePaused", message);
  }

  void fail(HostedClusterRestore restore, String reason, String message) {
    Instant now = clock.instant();
    log.warn("restore {}/{} failed ({}): {}", restore.getMetadata().getNamespace(), restore.getMetadata().getName(),
        reason, message);
    records.updateStatus(restore.getMetadata().getNamespace(), restore.getMetadata().getName(), s -> {
      s.phase = Phase.Failed;
      s.completedAt = Time.format(now);
      s.step = "Failed";
      Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED, Conditions.FALSE, reason, message,
          restore.getMetadata().getGeneration(), now);
    });
    records.event(restore, "Warning", "RestoreFailed", reason + ": " + message);
  }

  /** A backup found in the bucket and verified against its manifest; nothing is created before this exists. */
  private record Verified(BackupManifest manifest, String folder, SnapshotReader reader, ResourceArchive resources,
      GenericKubernetesResource hostedCluster) {
    NamespacedName hostedClusterRef() {
      return new NamespacedName(hostedCluster.getMetadata().getNamespace(), hostedCluster.getMetadata().getName());
    }

    SnapshotRelay.Content snapshot() {
      return out -> reader.read(folder + manifest.snapshot().object(), BackupLayout.SNAPSHOT_ROLE,
          manifest.snapshot().figures(), out);
    }
  }

  private Outcome run(HostedClusterRestore restore) throws BackupFailure {
    HostedClusterRestoreSpec spec = restore.getSpec();
    if (spec.store == null || spec.store.isBlank()) {
      throw new BackupFailure(BackupFailure.INVALID_SPEC, "spec.store names no BackupStore");
    }
    requireRelay();
    try (StoreConnector.Connection store = stores.connect(spec.store)) {
      // ---- resolve in the bucket
      BackupLocator locator = new BackupLocator(store.catalog(), store.spec().prefix);
      Optional<BackupLocator.Found> found;
      try {
        if (spec.backup != null) {
          found = locator.byName(spec.backup.namespace, spec.backup.name);
        } else if (spec.hostedCluster != null && Boolean.TRUE.equals(spec.latest)) {
          found = locator.newest(spec.hostedCluster.namespace, spec.hostedCluster.name, spec.sourceCluster);
        } else {
          throw new BackupFailure(BackupFailure.INVALID_SPEC, "set spec.backup, or spec.hostedCluster with latest: true");
        }
      } catch (BackupLocator.AmbiguousSource e) {
        throw new BackupFailure(BackupFailure.AMBIGUOUS_SOURCE, e.getMessage() + "; nothing was created");
      } catch (IOException | SdkException e) {
        throw storeUnreachable(store, e);
      }
      BackupLocator.Found backup = found.orElseThrow(() -> new BackupFailure("BackupNotFound", spec.backup != null
          ? "no committed backup " + spec.backup.name + " of cluster " + spec.backup.namespace + " in store " + spec.store
          : "no committed backup of " + spec.hostedCluster + (spec.sourceCluster == null ? "" : " taken on "
              + spec.sourceCluster) + " in store " + spec.store));
      Verified verified = verify(restore, store, spec.store, backup);
      try (HostedClusterLocks.Lock lock = lock(restore, verified.hostedClusterRef())) {
        return restoreLocked(restore, verified, !Boolean.FALSE.equals(spec.resume));
      }
    }
  }

  private Outcome resumeRun(HostedClusterRestore restore) throws BackupFailure {
    HostedClusterRestoreStatus.Source source = restore.getStatus() == null ? null : restore.getStatus().source;
    if (source == null || source.store == null || source.cluster == null || source.backup == null) {
      throw new BackupFailure(BackupFailure.INVALID_SPEC, "the paused restore recorded no source backup to resume from");
    }
    requireRelay();
    try (StoreConnector.Connection store = stores.connect(source.store)) {
      Optional<BackupLocator.Found> found;
      try {
        // the backup the restore paused with, not a newer one: the HostedCluster's objects came from it
        found = new BackupLocator(store.catalog(), store.spec().prefix).byName(source.cluster, source.backup);
      } catch (IOException | SdkException e) {
        throw storeUnreachable(store, e);
      }
      BackupLocator.Found backup = found.filter(f -> f.ref().folder().equals(source.keyPrefix))
          .orElseThrow(() -> new BackupFailure("BackupNotFound", "backup " + source.backup + " of cluster "
              + source.cluster + " is no longer at " + source.keyPrefix + " in store " + source.store
              + "; the paused HostedCluster cannot be restored from it"));
      Verified verified = verify(restore, store, source.store, backup);
      try (HostedClusterLocks.Lock lock = lock(restore, verified.hostedClusterRef())) {
        return resumeLocked(restore, verified);
      }
    }
  }

  private void requireRelay() throws BackupFailure {
    if (relay == null) {
      throw new BackupFailure("RelayNotConfigured", "this agent has no snapshot relay configured, so etcd-init cannot"
          + " download the snapshot; start the agent with a relay certificate");
    }
  }

  private static BackupFailure storeUnreachable(StoreConnector.Connection store, Exception e) {
    return new BackupFailure(BackupFailure.STORE_UNREACHABLE, "cannot list backups in bucket " + store.spec().bucket
        + ": " + StoreConnector.firstLine(e.getMessage()));
  }

  /**
   * The manifest first (is it this folder's backup as written, under a key this spoke holds?), then the whole backup
   * against it (checksums); records where it came from. Nothing is created before this passes.
   */
  private Verified verify(HostedClusterRestore restore, StoreConnector.Connection store, String storeName,
      BackupLocator.Found backup) throws BackupFailure {
    String folder = backup.ref().folder();
    AuthenticatedManifest opened;
    try {
      opened = store.open(folder, backup.manifest());
    } catch (IntegrityException e) {
      throw new BackupFailure(BackupFailure.BACKUP_CORRUPT, "backup " + backup.manifest().backup() + " at "
          + folder + " is refused: " + e.getMessage() + "; nothing was created");
    } catch (WrongKeyException e) {
      throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_INVALID, e.getMessage() + "; nothing was created");
    }
    BackupManifest manifest = opened.manifest();
    records.updateStatus(restore.getMetadata().getNamespace(), restore.getMetadata().getName(), s -> {
      s.step = "Verifying";
      s.source = new HostedClusterRestoreStatus.Source();
      s.source.store = storeName;
      s.source.keyPrefix = folder;
      s.source.backup = manifest.backup();
      s.source.cluster = manifest.cluster();
      s.source.etcdRevision = manifest.snapshot().etcdRevision();
      s.source.keys = manifest.snapshot().keys();
    });
    BackupEncryption encryption = opened.encryption();
    Codec codec = Codec.fromManifestName(manifest.codec());
    SnapshotReader reader = new SnapshotReader(store.s3(), store.spec().bucket, codec, encryption);
    ResourceArchive resources;
    try {
      reader.read(folder + manifest.snapshot().object(), BackupLayout.SNAPSHOT_ROLE, manifest.snapshot().figures(),
          OutputStream.nullOutputStream());
      ByteArrayOutputStream tar = new ByteArrayOutputStream();
      reader.read(folder + manifest.resources().object(), BackupLayout.RESOURCES_ROLE, manifest.resources().figures(), tar);
      resources = ResourceArchive.read(tar.toByteArray(), local.getKubernetesSerialization());
    } catch (IntegrityException e) {
      throw new BackupFailure(BackupFailure.BACKUP_CORRUPT, "backup " + manifest.backup() + " does not match its manifest: "
          + e.getMessage());
    } catch (IOException | SdkException e) {
      throw new BackupFailure(BackupFailure.STORE_UNREACHABLE, "cannot read backup " + manifest.backup() + ": "
          + StoreConnector.firstLine(e.getMessage()));
    }
    GenericKubernetesResource hcObject = resources.ofKind("HostedCluster").stream().findFirst()
        .orElseThrow(() -> new BackupFailure(BackupFailure.BACKUP_CORRUPT, "backup " + manifest.backup()
            + " holds no HostedCluster"));
    return new Verified(manifest, folder, reader, resources, hcObject);
  }

  private HostedClusterLocks.Lock lock(HostedClusterRestore restore, NamespacedName hc) throws BackupFailure {
    try {
      return RecordLocks.lock(work, records, restore, hc, s -> s.conditions, clock);
    } catch (HostedClusterLocks.Busy e) {
      throw new BackupFailure(RecordLocks.REASON_BUSY, e.getMessage() + "; nothing was created");
    } catch (StopSignal.Stopped e) {
      throw new BackupFailure(BackupFailure.AGENT_STOPPED, "The agent stopped before the restore created anything");
    }
  }

  private Outcome restoreLocked(HostedClusterRestore restore, Verified backup, boolean resume) throws BackupFailure {
    String ns = restore.getMetadata().getNamespace();
    String name = restore.getMetadata().getName();
    NamespacedName hcRef = backup.hostedClusterRef();
    if (local.resources(HostedCluster.class).inNamespace(hcRef.namespace).withName(hcRef.name).get() != null) {
      throw new BackupFailure("HostedClusterExists", "HostedCluster " + hcRef + " already exists on this"
          + " cluster; restoreSnapshotURL can only be set when it is created");
    }

    // ---- create: namespaces, secrets, workers' objects, then the HostedCluster with the relay URL
    records.updateStatus(ns, name, s -> s.step = "Creating");
    String cpNs = HostedCluster.controlPlaneNamespace(hcRef.namespace, hcRef.name);
    // Paused, the URL goes into the immutable spec now and serves only once resumed (SnapshotRelay#issue).
    SnapshotRelay.Grant grant = resume ? relay.grant(backup.snapshot(), URL_LIFETIME) : relay.issue();
    try {
      for (String namespace : namespacesOf(backup.resources(), hcRef.namespace, cpNs)) {
        local.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
            .createOr(NonDeletingOperation::update);
      }
      for (String kind : BEFORE_HOSTED_CLUSTER) {
        for (GenericKubernetesResource o : backup.resources().ofKind(kind)) {
          apply(o);
        }
      }
      GenericKubernetesResource hc = withRestoreUrl(stripPause(backup.hostedCluster()), grant.url().toString());
      if (!resume) {
        paused(hc);
      }
      hc.getMetadata().setAnnotations(merged(merged(hc.getMetadata().getAnnotations(), RESTORED_FROM_BACKUP, "true"),
          HostedClusterRestore.RESTORED_BY_ANNOTATION, ns + "/" + name));
      apply(hc);
      if (!resume) {
        return new Outcome(null, hcRef);
      }
      awaitRestoredAndAvailable(restore, backup, hcRef);
    } finally {
      relay.revoke(grant);
    }
    return new Outcome(verifyEtcd(restore, backup, hcRef), null);
  }

  private Outcome resumeLocked(HostedClusterRestore restore, Verified backup) throws BackupFailure {
    String ref = restore.getMetadata().getNamespace() + "/" + restore.getMetadata().getName();
    NamespacedName hcRef = backup.hostedClusterRef();
    HostedCluster hc = local.resources(HostedCluster.class).inNamespace(hcRef.namespace).withName(hcRef.name).get();
    if (hc == null) {
      throw new BackupFailure("HostedClusterGone", "HostedCluster " + hcRef + " was deleted while the restore was "
          + "paused; nothing to resume. Restore again");
    }
    Map<String, String> annotations = hc.getMetadata().getAnnotations();
    if (annotations == null || !ref.equals(annotations.get(HostedClusterRestore.RESTORED_BY_ANNOTATION))) {
      throw new BackupFailure("HostedClusterExists", "HostedCluster " + hcRef + " was not created by restore " + ref
          + "; nothing was changed");
    }
    List<String> urls = hc.getSpec() == null || hc.getSpec().etcd == null || hc.getSpec().etcd.managed == null
        || hc.getSpec().etcd.managed.storage == null ? null : hc.getSpec().etcd.managed.storage.restoreSnapshotURL;
    SnapshotRelay.Grant grant = (urls == null || urls.size() != 1 ? Optional.<SnapshotRelay.Grant>empty()
        : relay.ofUrl(urls.get(0))).orElseThrow(() -> new BackupFailure("RelayChanged", "HostedCluster " + hcRef
            + "'s restoreSnapshotURL is not served by this agent's snapshot relay (its address changed since the "
            + "restore paused); the URL cannot change, so delete the HostedCluster and restore again"));
    relay.serve(grant, backup.snapshot(), URL_LIFETIME);
    try {
      local.resources(HostedCluster.class).inNamespace(hcRef.namespace).withName(hcRef.name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":null}}");
      awaitRestoredAndAvailable(restore, backup, hcRef);
    } finally {
      relay.revoke(grant);
    }
    return new Outcome(verifyEtcd(restore, backup, hcRef), null);
  }

  /** etcd-init restores (simulated or real), then the NodePools and machines, then Available. */
  private void awaitRestoredAndAvailable(HostedClusterRestore restore, Verified backup, NamespacedName hcRef)
      throws BackupFailure {
    String ns = restore.getMetadata().getNamespace();
    String name = restore.getMetadata().getName();
    records.updateStatus(ns, name, s -> s.step = "Restoring");
    awaitCondition(hcRef.namespace, hcRef.name, HostedCluster.ETCD_SNAPSHOT_RESTORED, "EtcdRestoreFailed");
    for (String kind : List.of("NodePool", "AgentMachine", "Machine")) {
      for (GenericKubernetesResource o : backup.resources().ofKind(kind)) {
        apply("NodePool".equals(kind) ? stripPause(o) : o);
      }
    }
    records.updateStatus(ns, name, s -> s.step = "WaitingForAvailable");
    awaitCondition(hcRef.namespace, hcRef.name, HostedCluster.AVAILABLE, "NotAvailable");
  }

  private HostedClusterRestoreStatus.Verification verifyEtcd(HostedClusterRestore restore, Verified backup,
      NamespacedName hcRef) throws BackupFailure {
    String ns = restore.getMetadata().getNamespace();
    String name = restore.getMetadata().getName();
    String cpNs = HostedCluster.controlPlaneNamespace(hcRef.namespace, hcRef.name);
    records.updateStatus(ns, name, s -> s.step = "VerifyingEtcd");
    try (Client client = etcd.client(local, cpNs)) {
      return verifyAtBackupRevision(client, etcd.endpoint(local, cpNs), backup.manifest().snapshot(),
          ns + "/" + name + " (" + hcRef + " from " + backup.manifest().backup() + ")");
    } catch (IOException e) {
      throw new BackupFailure(BackupFailure.ETCD_UNREACHABLE, "cannot compare the restored etcd with the backup at "
          + "its revision (unreachable, or compacted past it): " + StoreConnector.firstLine(e.getMessage()));
    }
  }

  /**
   * Compares the restored etcd with its backup at the backup's revision: the key count as it was then, and etcd's
   * HashKV up to it when the backup recorded one. A restored hosted cluster's kube-apiserver writes (leases, events)
   * from the moment it is Available, so its live revision and count have moved on; what it held at the backup's
   * revision has not. A compaction past that revision makes the check impossible, and it fails.
   */
  public static HostedClusterRestoreStatus.Verification verifyAtBackupRevision(Client client, String endpoint,
      BackupManifest.ObjectFigures backup, String restore) throws IOException {
    Duration timeout = Duration.ofSeconds(10);
    long at = backup.etcdRevision();
    EtcdState now = EtcdState.read(client, timeout);
    HostedClusterRestoreStatus.Verification v = new HostedClusterRestoreStatus.Verification();
    v.etcdRevision = now.revision();
    v.atRevision = at;
    if (now.revision() < at) {
      v.matchesBackup = false; // the restored etcd does not reach the backup's revision: another snapshot
      log.warn("restore {}: the restored etcd is at revision {}, before the backup's {}", restore, now.revision(), at);
      return v;
    }
    v.keys = EtcdState.keysAt(client, at, timeout);
    if (backup.hashKV() != null) {
      EtcdState.Hash hash = EtcdState.hashAt(client, endpoint, at, timeout);
      v.hashMatches = Objects.equals(hash.compactRevision(), backup.hashKVCompactRevision())
          ? hash.hash() == backup.hashKV() : null;
    }
    v.matchesBackup = Objects.equals(backup.keys(), v.keys) && !Boolean.FALSE.equals(v.hashMatches);
    log.info("restore {}: at the backup's revision {}: {} keys, hash {}; now at revision {}; matches {}",
        restore, at, v.keys,
        v.hashMatches == null ? "not compared" : v.hashMatches ? "equal" : "different", now.revision(), v.matchesBackup);
    return v;
  }

  private void apply(GenericKubernetesResource o) {
    o.getMetadata().setResourceVersion(null);
    try {
      local.resource(o).createOr(NonDeletingOperation::update);
    } catch (KubernetesClientException e) {
      throw new IllegalStateException("cannot create " + o.getKind() + " " + o.getMetadata().getNamespace() + "/"
          + o.getMetadata().getName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Watches the HostedCluster until condition {@code type} is True; for EtcdSnapshotRestored a False is final
   * (etcd-init does not retry, docs/hypershift-facts.md §1.4) and fails at once.
   */
  private void awaitCondition(String hcNs, String hcName, String type, String failureReason) throws BackupFailure {
    boolean restoreStep = HostedCluster.ETCD_SNAPSHOT_RESTORED.equals(type);
    HostedCluster hc;
    // One watch; the wait is sliced so a stop request (SIGTERM) is seen within a second.
    java.util.concurrent.CompletableFuture<List<HostedCluster>> reached = local.resources(HostedCluster.class)
        .inNamespace(hcNs).withName(hcName).informOnCondition(items -> items.stream().anyMatch(h -> {
          String status = h.getStatus() == null ? null : Conditions.statusOf(h.getStatus().conditions, type);
          return Conditions.TRUE.equals(status) || (restoreStep && Conditions.FALSE.equals(status));
        }));
    long until = System.nanoTime() + restoreTimeout.toNanos();
    try {
      while (true) {
        if (work.stop().requested()) {
          throw new BackupFailure(BackupFailure.AGENT_STOPPED, "The agent stopped (SIGTERM) while HostedCluster " + hcNs
              + "/" + hcName + " was being restored; its snapshot URL is gone with it. Delete the partially restored "
              + "HostedCluster and restore again (a migration rolls back or waits for its operator)");
        }
        try {
          hc = reached.get(1, TimeUnit.SECONDS).get(0);
          break;
        } catch (java.util.concurrent.TimeoutException e) {
          if (System.nanoTime() > until) {
            throw new BackupFailure(failureReason, "HostedCluster " + hcNs + "/" + hcName + " did not report " + type
                + "=True within " + restoreTimeout.toMinutes() + " min");
          }
        } catch (java.util.concurrent.ExecutionException e) {
          throw new BackupFailure(failureReason, "watching HostedCluster " + hcNs + "/" + hcName + " failed: "
              + StoreConnector.firstLine(String.valueOf(e.getCause().getMessage())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BackupFailure(BackupFailure.INTERRUPTED, "the agent stopped during the restore");
        }
      }
    } finally {
      reached.cancel(true);
    }
    var c = Conditions.find(hc.getStatus().conditions, type).orElseThrow();
    if (!Conditions.TRUE.equals(c.getStatus())) {
      throw new BackupFailure(failureReason, "etcd-init could not restore the snapshot: " + c.getReason() + ": "
          + c.getMessage());
    }
  }

  private static Set<String> namespacesOf(ResourceArchive resources, String hcNs, String cpNs) {
    Set<String> namespaces = new java.util.LinkedHashSet<>(List.of(hcNs, cpNs));
    resources.objects().forEach(o -> {
      if (o.getMetadata().getNamespace() != null) {
        namespaces.add(o.getMetadata().getNamespace());
      }
    });
    return namespaces;
  }

  /** A restored HostedCluster or NodePool comes back unpaused (docs/hypershift-facts.md §1.4 step 4). */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource stripPause(GenericKubernetesResource o) {
    Object spec = o.getAdditionalProperties().get("spec");
    if (spec instanceof Map<?, ?> m) {
      ((Map<String, Object>) m).remove("pausedUntil");
    }
    return o;
  }

  /** spec.resume: false: paused until the field is removed (docs/hypershift-facts.md §1.3), so no control plane starts. */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource paused(GenericKubernetesResource o) {
    ((Map<String, Object>) o.getAdditionalProperties().computeIfAbsent("spec",
        k -> new java.util.LinkedHashMap<String, Object>())).put("pausedUntil", "true");
    return o;
  }

  @SuppressWarnings("unchecked")
  static GenericKubernetesResource withRestoreUrl(GenericKubernetesResource hc, String url) {
    Map<String, Object> spec = (Map<String, Object>) hc.getAdditionalProperties().computeIfAbsent("spec",
        k -> new java.util.LinkedHashMap<String, Object>());
    Map<String, Object> etcd = (Map<String, Object>) spec.computeIfAbsent("etcd", k -> new java.util.LinkedHashMap<>());
    etcd.putIfAbsent("managementType", "Managed");
    Map<String, Object> managed = (Map<String, Object>) etcd.computeIfAbsent("managed", k -> new java.util.LinkedHashMap<>());
    Map<String, Object> storage = (Map<String, Object>) managed.computeIfAbsent("storage", k -> new java.util.LinkedHashMap<>());
    storage.put("restoreSnapshotURL", new ArrayList<>(List.of(url)));
    return hc;
  }

  private static Map<String, String> merged(Map<String, String> annotations, String key, String value) {
    Map<String, String> m = annotations == null ? new java.util.LinkedHashMap<>() : new java.util.LinkedHashMap<>(annotations);
    m.put(key, value);
    return m;
  }
}
