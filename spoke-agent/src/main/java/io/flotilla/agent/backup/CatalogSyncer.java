package io.flotilla.agent.backup;

import io.flotilla.common.StatusWriter;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * "The hub rebuilds its catalogue from the bucket", done by each agent for its own cluster: when the agent starts
 * (its hub connection is up), it reads its cluster folder in every BackupStore it has credentials for and creates the
 * HostedClusterBackup records the hub lacks (a hub restored from an old backup, or rebuilt empty). The decision is
 * {@link CatalogReconciliation}'s; {@link #apply} writes it, for this class and for {@code flotilla backup sync}.
 * A pass that cannot reach the hub or a bucket is tried again every {@code retryDelay} until one succeeds.
 */
public final class CatalogSyncer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CatalogSyncer.class);
  private static final int STATUS_ATTEMPTS = 5;
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMinutes(1);

  private final KubernetesClient hub;
  private final AgentConfig config;
  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final Clock clock;
  private final Duration retryDelay;
  private ScheduledExecutorService runner;

  public CatalogSyncer(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3,
      Clock clock, Duration retryDelay) {
    this.hub = Objects.requireNonNull(hub);
    this.config = Objects.requireNonNull(config);
    this.stores = new StoreConnector(hub, local, s3, config.clusterName(), config.backup().agentNamespace());
    this.clock = Objects.requireNonNull(clock);
    this.retryDelay = Objects.requireNonNull(retryDelay);
    this.records = new HubRecords<>(hub, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "flotilla-agent/" + config.clusterName());
  }

  public CatalogSyncer(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3) {
    this(hub, local, config, s3, Clock.systemUTC(), DEFAULT_RETRY_DELAY);
  }

  /**
   * One store's outcome. When the store was not looked at, plan and applied are null and {@code skipped} says why;
   * {@code postponed} when the reason may pass (the bucket did not answer), so the pass is tried again.
   */
  public record StoreSync(String store, CatalogReconciliation.Plan plan, Applied applied, String skipped,
      boolean postponed) {}

  /** What {@link #apply} wrote: records created, records whose status was completed, and failures (one line each). */
  public record Applied(List<String> created, List<String> completed, List<String> failed) {}

  /** Starts syncing in the background: at once, then again after each failed pass until one succeeds. */
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    runner = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "catalog-sync-" + config.clusterName());
      t.setDaemon(true);
      return t;
    });
    runner.execute(this::attempt);
  }

  private void attempt() {
    boolean done;
    try {
      done = syncOnce().stream().noneMatch(StoreSync::postponed);
    } catch (KubernetesClientException | SdkException e) {
      log.warn("catalogue sync of {}: {}", config.clusterName(), StoreConnector.firstLine(e.getMessage()));
      done = false;
    }
    synchronized (this) {
      if (!done && runner != null && !runner.isShutdown()) {
        log.info("catalogue sync of {}: trying again in {} s", config.clusterName(), retryDelay.toSeconds());
        runner.schedule(this::attempt, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Syncs this cluster's folder of every BackupStore once. */
  public List<StoreSync> syncOnce() {
    String cluster = config.clusterName();
    List<StoreSync> results = new ArrayList<>();
    List<BackupStore> all = hub.resources(BackupStore.class).list().getItems();
    if (all.isEmpty()) {
      return results;
    }
    String uid;
    try {
      uid = stores.clusterUid(config.backup().agentNamespace());
    } catch (BackupFailure f) {
      log.warn("catalogue sync of {} skipped: {}", cluster, f.getMessage());
      all.forEach(s -> results.add(new StoreSync(s.getMetadata().getName(), null, null, f.getMessage(), false)));
      return results;
    }
    for (BackupStore store : all) {
      String name = store.getMetadata().getName();
      try (StoreConnector.Connection connection = stores.connect(name)) {
        List<HostedClusterBackup> present = hub.resources(HostedClusterBackup.class).inNamespace(cluster).list()
            .getItems();
        BackupCatalog catalog = connection.catalog();
        CatalogReconciliation.Plan plan = CatalogReconciliation.plan(new CatalogReconciliation.Input(name,
            connection.spec().bucket, connection.spec().prefix, cluster,
            catalog.scan(connection.spec().prefix, cluster), present, cluster::equals, uid), clock.instant());
        Applied applied = apply(hub, plan);
        report(name, plan, applied);
        results.add(new StoreSync(name, plan, applied, null, false));
      } catch (BackupFailure f) {
        // a store this spoke has no credentials for is not this agent's to sync; an unreachable one is, later
        boolean postponed = BackupFailure.STORE_UNREACHABLE.equals(f.reason());
        log.info("catalogue sync of {} in store {} {}: {}", cluster, name, postponed ? "postponed" : "skipped",
            f.getMessage());
        results.add(new StoreSync(name, null, null, f.reason() + ": " + f.getMessage(), postponed));
      } catch (SdkException e) {
        log.info("catalogue sync of {} in store {} postponed: {}", cluster, name,
            StoreConnector.firstLine(e.getMessage()));
        results.add(new StoreSync(name, null, null, StoreConnector.firstLine(e.getMessage()), true));
      }
    }
    return results;
  }

  private void report(String store, CatalogReconciliation.Plan plan, Applied applied) {
    log.info("catalogue sync of {} in store {}: {} records created, {} completed, {} already present, {} missing from "
            + "the bucket, {} collisions, {} skipped", config.clusterName(), store, applied.created().size(),
        applied.completed().size(), plan.present(), plan.missing().size(), plan.collisions().size(),
        plan.skipped().size());
    for (CatalogReconciliation.Missing m : plan.missing()) {
      log.warn("backup {}/{}: its objects are gone from {}; the record is kept", m.namespace(), m.name(), m.location());
      HostedClusterBackup b = records.get(m.namespace(), m.name());
      if (b != null) {
        records.event(b, "Warning", "BackupObjectsMissing", "No manifest.json at " + m.location()
            + ": the backup is gone from the bucket; the record is kept");
      }
    }
    plan.collisions().forEach(c -> log.warn("catalogue sync: {}", c.message()));
    plan.skipped().forEach(s -> log.warn("catalogue sync: {} not imported: {}", s.location(), s.message()));
    applied.failed().forEach(f -> log.warn("catalogue sync: {}", f));
  }

  /**
   * Writes a plan: creates each record, then writes its status (the status subresource ignores status on create),
   * and completes the status of imported records left without one. A record someone else created meanwhile is left
   * alone. Never deletes.
   */
  public static Applied apply(KubernetesClient hub, CatalogReconciliation.Plan plan) {
    List<String> created = new ArrayList<>();
    List<String> completed = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (HostedClusterBackup record : plan.toCreate()) {
      String id = record.getMetadata().getNamespace() + "/" + record.getMetadata().getName();
      HostedClusterBackupStatus status = record.getStatus();
      try {
        hub.resource(record).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          failed.add("cannot create " + id + ": " + message(e));
        }
        continue;
      }
      if (writeStatus(hub, record, status, failed)) {
        created.add(id);
      }
    }
    for (HostedClusterBackup record : plan.toComplete()) {
      if (writeStatus(hub, record, record.getStatus(), failed)) {
        completed.add(record.getMetadata().getNamespace() + "/" + record.getMetadata().getName());
      }
    }
    return new Applied(List.copyOf(created), List.copyOf(completed), List.copyOf(failed));
  }

  private static boolean writeStatus(KubernetesClient hub, HostedClusterBackup record, HostedClusterBackupStatus status,
      List<String> failed) {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    try {
      HostedClusterBackup written = StatusWriter.update(hub, HostedClusterBackup.class, ns, name,
          (HostedClusterBackup current, HostedClusterBackupStatus ignored) -> {
            // the generation it is written for: the record as read in this attempt
            Long generation = current.getMetadata().getGeneration();
            status.observedGeneration = generation;
            for (Condition c : status.conditions) {
              c.setObservedGeneration(generation);
            }
            return status;
          });
      if (written == null) {
        failed.add(ns + "/" + name + " was deleted before its status was written");
        return false;
      }
      return true;
    } catch (KubernetesClientException e) {
      failed.add("cannot write the status of " + ns + "/" + name + ": " + (e.getCode() == 409 ? "it kept changing"
          : message(e)));
      return false;
    }
  }

  private static String message(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : StoreConnector.firstLine(e.getMessage());
  }

  @Override
  public synchronized void close() {
    if (runner != null) {
      // a scan under way finishes (it only reads the bucket and writes records) rather than failing interrupted
      io.flotilla.agent.work.AgentWork.finishThenStop(runner, java.time.Duration.ofSeconds(10));
      runner = null;
    }
  }
}
