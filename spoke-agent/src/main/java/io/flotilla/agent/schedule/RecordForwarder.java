package io.flotilla.agent.schedule;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Brings the scheduled HostedClusterBackups the agent records on the spoke to its cluster namespace on the hub: the
 * queue is the set of records in the agent's namespace, so it survives restarts and hub outages alike. For each, oldest
 * scheduled time first: create the hub record (spec, policy label, scheduled-time annotation, and the objects finalizer
 * from the start, so retention on the hub cannot drop a record whose objects exist), then copy the status with
 * updateStatus (a create drops status), and once the hub holds a final status (Completed or Failed) delete the spoke
 * copy. While the hub is unreachable each pass stops at the first record and the next one retries.
 *
 * <p>A hub record that is final is never written again (the verifier may add to its status). A spoke record whose hub
 * record was created and later deleted (retention) is not sent again: it is deleted once its backup has finished.
 * Events of scheduled backups stay on the spoke, next to the spoke's record: they are not copied to the hub.
 */
public final class RecordForwarder implements AutoCloseable {
  /** On a spoke record: its hub record was created, so a missing hub record means the hub deleted it. */
  public static final String FORWARDED_ANNOTATION = "dr.flotilla.io/forwarded-to-hub";

  private static final Logger log = LoggerFactory.getLogger(RecordForwarder.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final String cluster;
  private final String namespace;
  private final Duration retry;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> hubRecords;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> localRecords;
  private final ScheduledExecutorService loop;
  private final AtomicBoolean passRequested = new AtomicBoolean();
  private volatile boolean hubDown;
  private volatile boolean closed;
  private volatile int queued;
  private volatile SharedIndexInformer<HostedClusterBackup> informer;

  /**
   * @param cluster   this cluster's name on the hub (the namespace records go to)
   * @param namespace the agent's namespace on the spoke (where the runner records them)
   * @param retry     how often a pass runs besides the one each spoke change triggers (the retry while the hub is down)
   */
  public RecordForwarder(KubernetesClient hub, KubernetesClient local, String cluster, String namespace,
      Duration retry, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.hubRecords = new HubRecords<>(hub, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "flotilla-agent/" + cluster);
    this.localRecords = new HubRecords<>(local, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "flotilla-agent/" + cluster);
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "record-forwarder-" + cluster);
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    informer = local.resources(HostedClusterBackup.class).inNamespace(namespace).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(HostedClusterBackup b) {
        requestPass();
      }

      @Override
      public void onUpdate(HostedClusterBackup old, HostedClusterBackup b) {
        requestPass();
      }

      @Override
      public void onDelete(HostedClusterBackup b, boolean unknownFinalState) {
      }
    }, 0);
    loop.scheduleWithFixedDelay(this::safePass, 0, retry.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Scheduled records on the spoke not yet settled on the hub, as of the last pass. */
  public int queued() {
    return queued;
  }

  /** Whether the last pass found the hub unreachable. */
  public boolean hubDown() {
    return hubDown;
  }

  private void requestPass() {
    if (passRequested.compareAndSet(false, true)) {
      try {
        loop.execute(this::safePass);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        passRequested.set(false);
      }
    }
  }

  private void safePass() {
    passRequested.set(false);
    try {
      pass();
    } catch (RuntimeException e) {
      log.warn("forwarding scheduled backups to the hub failed: {}", e.getMessage());
    }
  }

  /** Forwards what it can, oldest first; returns how many spoke records are still to settle. Visible for tests. */
  public synchronized int pass() {
    SharedIndexInformer<HostedClusterBackup> watched = informer;
    List<HostedClusterBackup> onSpoke = watched != null ? watched.getStore().list()
        : local.resources(HostedClusterBackup.class).inNamespace(namespace).list().getItems();
    List<HostedClusterBackup> pending = onSpoke.stream().filter(b -> ScheduledRun.scheduledTimeOf(b) != null)
        .sorted(Comparator.comparing((HostedClusterBackup b) -> ScheduledRun.scheduledTimeOf(b))
            .thenComparing(b -> b.getMetadata().getName()))
        .toList();
    int left = pending.size();
    for (HostedClusterBackup b : pending) {
      try {
        if (forward(b)) {
          left--;
        }
        if (hubDown) {
          hubDown = false;
          log.info("hub reachable again: forwarding {} queued scheduled backup records", left);
        }
      } catch (KubernetesClientException e) {
        if (closed) {
          break; // interrupted by close(): not an outage
        }
        if (unreachable(e)) {
          if (!hubDown) {
            hubDown = true;
            log.warn("hub unreachable: {} scheduled backup records stay queued on this cluster until it returns ({})",
                left, e.getMessage());
          }
          break;
        }
        log.warn("scheduled backup {}: not forwarded yet, retrying: {}", b.getMetadata().getName(), e.getMessage());
      }
    }
    queued = left;
    return left;
  }

  /** One record's step towards the hub; true once the spoke copy is gone. */
  private boolean forward(HostedClusterBackup mine) {
    String name = mine.getMetadata().getName();
    HostedClusterBackup theirs = hubRecords.get(cluster, name);
    if (theirs == null) {
      if (forwarded(mine)) {
        // created on the hub before and deleted there since (retention): not sent again
        if (isFinal(mine)) {
          log.info("scheduled backup {} was deleted on the hub; removing the spoke copy", name);
          return release(mine);
        }
        return false;
      }
      theirs = create(mine);
    }
    if (ScheduledRun.scheduledTimeOf(theirs) == null) {
      adopt(mine);
    }
    if (isFinal(theirs)) {
      return release(mine);
    }
    if (!forwarded(mine)) {
      markForwarded(name);
    }
    if (mine.getStatus() != null && mine.getStatus().phase != null && !sameStatus(mine, theirs)) {
      theirs = hubRecords.setStatus(cluster, name, mine.getStatus());
      if (theirs != null && isFinal(theirs)) {
        log.info("scheduled backup {} reported to the hub: {}", name, theirs.getStatus().phase);
        return release(mine);
      }
    }
    return false;
  }

  private HostedClusterBackup create(HostedClusterBackup mine) {
    HostedClusterBackup copy = new HostedClusterBackup();
    copy.getMetadata().setNamespace(cluster);
    copy.getMetadata().setName(mine.getMetadata().getName());
    copy.getMetadata().setLabels(mine.getMetadata().getLabels());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION,
        mine.getMetadata().getAnnotations().get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION));
    copy.getMetadata().setAnnotations(annotations);
    copy.getMetadata().setFinalizers(List.of(HostedClusterBackup.OBJECTS_FINALIZER));
    copy.setSpec(mine.getSpec());
    copy.setStatus(null);
    try {
      return hub.resource(copy).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        HostedClusterBackup existing = hubRecords.get(cluster, copy.getMetadata().getName());
        if (existing != null) {
          return existing; // created by an earlier pass whose answer was lost
        }
      }
      throw e;
    }
  }

  /**
   * The hub has a record of this name that is not marked scheduled: created from the bucket by the catalogue sync
   * (CatalogSyncer) before this queue got to it. Marks it as the scheduled record it is (policy label, scheduled time),
   * so policies count it; scalars in maps, so a merge patch.
   */
  private void adopt(HostedClusterBackup mine) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("labels", mine.getMetadata().getLabels() == null ? Map.of() : mine.getMetadata().getLabels());
    metadata.put("annotations", Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION,
        mine.getMetadata().getAnnotations().get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION)));
    hub.resources(HostedClusterBackup.class).inNamespace(cluster).withName(mine.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("metadata", metadata)));
  }

  /** A merge patch of one annotation: no resourceVersion, so the executor's concurrent status writes never conflict. */
  private void markForwarded(String name) {
    local.resources(HostedClusterBackup.class).inNamespace(namespace).withName(name).patch(
        PatchContext.of(PatchType.JSON_MERGE), local.getKubernetesSerialization().asJson(
            Map.of("metadata", Map.of("annotations", Map.of(FORWARDED_ANNOTATION, "true")))));
  }

  /** The hub has it: drop the spoke copy (its finalizer first; the hub record's finalizer now guards the objects). */
  private boolean release(HostedClusterBackup mine) {
    String name = mine.getMetadata().getName();
    localRecords.removeFinalizer(namespace, name);
    local.resources(HostedClusterBackup.class).inNamespace(namespace).withName(name).delete();
    return true;
  }

  private boolean sameStatus(HostedClusterBackup a, HostedClusterBackup b) {
    var json = hub.getKubernetesSerialization();
    return json.asJson(a.getStatus()).equals(json.asJson(b.getStatus()));
  }

  private static boolean forwarded(HostedClusterBackup b) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    return a != null && "true".equals(a.get(FORWARDED_ANNOTATION));
  }

  static boolean isFinal(HostedClusterBackup b) {
    Phase p = b.getStatus() == null ? null : b.getStatus().phase;
    return p == Phase.Completed || p == Phase.Failed;
  }

  /** No HTTP answer at all (refused, reset, timed out): the hub is down or unreachable, not refusing this record. */
  static boolean unreachable(KubernetesClientException e) {
    if (e.getCode() > 0) {
      return false;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** Not synchronized with {@link #pass()}: a pass waiting on an unreachable hub is interrupted, not awaited. */
  @Override
  public void close() {
    closed = true;
    SharedIndexInformer<HostedClusterBackup> i = informer;
    informer = null;
    if (i != null) {
      i.close();
    }
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
