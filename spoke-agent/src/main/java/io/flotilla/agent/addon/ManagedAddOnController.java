package io.flotilla.agent.addon;

import io.flotilla.api.common.JsonPatches;

import io.fabric8.kubernetes.client.dsl.base.PatchType;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.addon.AddOnLifecycle.ReleaseHealth;
import io.flotilla.agent.addon.ManifestApplier.ApplyException;
import io.flotilla.agent.addon.ManifestApplier.ObjectKey;
import io.flotilla.agent.addon.ManifestApplier.ObjectKind;
import io.flotilla.agent.addon.ReleaseRenderer.TemplateException;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The agent's add-on controller (DESIGN flow 5): watches the ManagedAddOns in this cluster's namespace on the hub and
 * converges the local cluster to each one's {@code status.desiredVersion}, which only the hub writes. Renders the
 * AddOnRelease {@code <addOn>-<version>}, applies it, prunes what the version no longer has, judges health at the
 * current generation within the release's progress deadline, and reports on the ManagedAddOn's status. Decisions
 * live in {@link AddOnLifecycle}; this class reads, calls them and writes.
 *
 * <p>Status is shared with the hub, which writes only desiredVersion and the InvalidVersion condition. Every write
 * starts from the ManagedAddOn read at the start of the reconcile, replaces only the agent's fields and is a PUT on
 * /status with that resourceVersion: a concurrent hub write makes it fail with 409, and the reconcile runs again.
 *
 * <p>Uninstall: the agent adds the finalizer {@value #FINALIZER}; when the hub deletes the ManagedAddOn, the agent
 * deletes everything labelled for the add-on on the local cluster and then removes the finalizer. If the hub
 * credential may not update ManagedAddOns (403), the agent falls back to uninstalling on the delete event, which an
 * agent that is down at that moment misses.
 *
 * <p>Threading: informer callbacks only enqueue; one worker thread runs every reconcile, so they never overlap.
 */
public final class ManagedAddOnController implements AutoCloseable {
  public static final String FINALIZER = "addon.flotilla.io/uninstall";
  public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RETRY = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(ManagedAddOnController.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final String cluster;
  private final Duration resync;
  private final Duration retry;
  private final Clock clock;
  private final ManifestApplier applier;
  private final ScheduledExecutorService worker;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Map<String, AddOnReleaseSpec> releases = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private SharedIndexInformer<ManagedAddOn> addOns;
  private volatile boolean finalizersForbidden;
  private volatile boolean closed;

  public ManagedAddOnController(KubernetesClient hub, KubernetesClient local, String clusterName) {
    this(hub, local, clusterName, DEFAULT_RESYNC, DEFAULT_RETRY, Clock.systemUTC());
  }

  /**
   * @param resync how often every ManagedAddOn is reconciled without an event (drift, health, late releases)
   * @param retry  how long to wait before retrying after an error that may be transient
   */
  public ManagedAddOnController(KubernetesClient hub, KubernetesClient local, String clusterName, Duration resync,
                                Duration retry, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.cluster = Objects.requireNonNull(clusterName, "clusterName");
    this.resync = Objects.requireNonNull(resync, "resync");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.applier = new ManifestApplier(local);
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "addons-" + clusterName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts watching; returns at once (the informers sync in the background, see {@link #hasSynced()}). */
  public synchronized void start() {
    if (addOns != null) {
      throw new IllegalStateException("add-on controller already started");
    }
    addOns = hub.resources(ManagedAddOn.class).inNamespace(cluster).runnableInformer(resync.toMillis());
    addOns.addEventHandler(handler(mao -> enqueue(mao.getMetadata().getName()), this::deleted));
    informers.add(addOns);
    // Workload status changes re-judge the add-on that owns the workload.
    informers.add(workloads(local.apps().deployments()));
    informers.add(workloads(local.apps().statefulSets()));
    informers.add(workloads(local.apps().daemonSets()));
    for (SharedIndexInformer<?> informer : informers) {
      informer.start().whenComplete((ok, e) -> {
        if (e != null && !closed) {
          log.warn("add-on controller for cluster {}: cannot watch: {}", cluster, ManifestApplier.oneLine(e));
        }
      });
    }
    log.info("add-on controller started for cluster {} (resync {} s)", cluster, resync.toSeconds());
  }

  private <T extends HasMetadata> SharedIndexInformer<T> workloads(
      io.fabric8.kubernetes.client.dsl.MixedOperation<T, ?, ?> ops) {
    SharedIndexInformer<T> informer = ops.inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL).runnableInformer(0);
    Consumer<T> changed = w -> {
      String addOn = w.getMetadata().getLabels() == null ? null : w.getMetadata().getLabels().get(ManifestApplier.NAME_LABEL);
      if (addOn != null && addOns != null) {
        addOns.getStore().list().stream().filter(m -> addOn.equals(addOnOf(m)))
            .forEach(m -> enqueue(m.getMetadata().getName()));
      }
    };
    informer.addEventHandler(handler(changed, changed));
    return informer;
  }

  public boolean hasSynced() {
    return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  // ---------------------------------------------------------------- reconcile

  private void reconcile(String name) {
    ManagedAddOn mao = hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(name).get();
    if (mao == null) {
      return; // deleted: the delete event uninstalls
    }
    String addOn = addOnOf(mao);
    if (mao.getMetadata().getDeletionTimestamp() != null) {
      uninstall(addOn, mao.getStatus());
      removeFinalizer(mao);
      return;
    }
    mao = ensureFinalizer(mao);
    if (mao == null) {
      return;
    }
    ManagedAddOnStatus status = AddOnLifecycle.copy(mao.getStatus());
    String desired = status.desiredVersion;
    if (desired == null || desired.isBlank()) {
      return; // the hub has not decided yet
    }
    Instant now = clock.instant();
    Long generation = mao.getMetadata().getGeneration();
    String releaseName = AddOnRelease.nameFor(addOn, desired);
    AddOnReleaseSpec release = release(addOn, desired);
    if (release == null) {
      if (write(mao, AddOnLifecycle.releaseNotFound(status, releaseName, now, generation)) != mao) {
        log.warn("add-on {} on cluster {}: the hub asks for {}, but there is no AddOnRelease {}; nothing applied",
            addOn, cluster, desired, releaseName);
      }
      return; // the resync looks again: the release may be published later
    }

    Optional<Operation> next = AddOnLifecycle.nextOperation(status, desired, now);
    if (next.isPresent()) {
      log.info("add-on {} on cluster {}: {}", addOn, cluster, next.get().message);
      status = AddOnLifecycle.start(status, next.get(), now, generation);
      mao = write(mao, status);
      if (mao == null) {
        return;
      }
    }
    boolean inProgress = status.operation != null && status.operation.phase == Phase.InProgress;
    Duration deadline = progressDeadline(release);

    List<Map<String, Object>> rendered;
    try {
      rendered = ReleaseRenderer.render(release, ReleaseRenderer.variables(release,
          mao.getSpec() == null ? null : mao.getSpec().variables, cluster));
    } catch (TemplateException e) {
      if (inProgress) {
        finish(mao, AddOnLifecycle.fail(status, e.getMessage(), now, generation));
      } else {
        log.debug("add-on {}: {}", addOn, e.getMessage());
      }
      return;
    }

    List<HasMetadata> applied;
    try {
      applied = applier.apply(addOn, desired, rendered);
      if (inProgress) {
        // Only while an operation runs: afterwards nothing of an older version is left to find.
        Set<ObjectKey> keep = applied.stream().map(ObjectKey::of).collect(Collectors.toSet());
        List<ObjectKey> pruned = applier.prune(addOn, keep, kindsOf(addOn, rendered, status));
        if (!pruned.isEmpty()) {
          log.info("add-on {} {} on cluster {}: pruned {}", addOn, desired, cluster, pruned);
        }
      }
    } catch (ApplyException | KubernetesClientException e) {
      boolean permanent = e instanceof ApplyException a && a.permanent();
      if (inProgress && (permanent || !now.isBefore(AddOnLifecycle.deadline(status.operation, deadline)))) {
        finish(mao, AddOnLifecycle.fail(status, ManifestApplier.oneLine(e), now, generation));
      } else {
        if (inProgress) {
          log.warn("add-on {} {} on cluster {}: {}; retrying", addOn, desired, cluster, ManifestApplier.oneLine(e));
          enqueueAfter(name, retry);
        } else {
          // re-applying a finished operation (drift correction): its outcome is already reported
          log.debug("add-on {} {} on cluster {}: {}", addOn, desired, cluster, ManifestApplier.oneLine(e));
        }
      }
      return;
    }
    if (inProgress) {
      status = AddOnLifecycle.applied(status);
    }
    ReleaseHealth health = applier.health(applied);
    ManagedAddOnStatus judged = AddOnLifecycle.judge(status, health, deadline, now, generation);
    finish(mao, judged);
    if (judged.operation != null && judged.operation.phase == Phase.InProgress) {
      // Workload events usually decide it first; the deadline is the backstop.
      Instant due = AddOnLifecycle.deadline(judged.operation, deadline);
      Duration wait = Duration.between(clock.instant(), due);
      enqueueAfter(name, wait.compareTo(resync) < 0 ? wait.plusMillis(50) : resync);
    }
  }

  private void finish(ManagedAddOn mao, ManagedAddOnStatus status) {
    Operation before = mao.getStatus() == null ? null : mao.getStatus().operation;
    Operation after = status.operation;
    if (write(mao, status) != null && after != null && after.phase != Phase.InProgress
        && (before == null || before.phase != after.phase || !Objects.equals(before.toVersion, after.toVersion))) {
      log.info("add-on {} on cluster {}: {}", addOnOf(mao), cluster, after.message);
    }
  }

  /**
   * Writes the agent's fields onto the ManagedAddOn read at the start of this reconcile, if they changed.
   *
   * @return the written object, the unchanged one, or null after a conflict (the reconcile is queued again)
   */
  private ManagedAddOn write(ManagedAddOn read, ManagedAddOnStatus ours) {
    ManagedAddOnStatus merged = AddOnLifecycle.mergeAgentFields(read.getStatus(), ours);
    var json = hub.getKubernetesSerialization();
    if (read.getStatus() != null && json.asJson(merged).equals(json.asJson(read.getStatus()))) {
      return read;
    }
    // Not a status PUT: the sandbox's API server ignores its resourceVersion, so a PUT from a stale read would undo
    // a desiredVersion the hub wrote since (and the hub, trusting its read-your-writes cache, would not write it
    // again). A JSON Patch that first replaces resourceVersion with the one read is refused with 409 when stale.
    List<Map<String, Object>> patch = List.of(
        JsonPatches.unchangedSince(read),
        Map.of("op", "add", "path", "/status", "value", merged));
    try {
      return hub.resources(ManagedAddOn.class).inNamespace(read.getMetadata().getNamespace())
          .withName(read.getMetadata().getName()).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), json.asJson(patch));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        enqueue(read.getMetadata().getName());
        return null;
      }
      throw e;
    }
  }

  // ---------------------------------------------------------------- uninstall

  private void uninstall(String addOn, ManagedAddOnStatus status) {
    Set<ObjectKind> kinds = new LinkedHashSet<>();
    for (String version : versionsOf(status)) {
      AddOnReleaseSpec release = release(addOn, version);
      if (release != null && release.manifests != null) {
        release.manifests.forEach(m -> kinds.add(ObjectKind.of(m)));
      }
    }
    List<ObjectKey> deleted = applier.uninstall(addOn, kinds);
    if (!deleted.isEmpty()) {
      log.info("add-on {} uninstalled from cluster {}: deleted {}", addOn, cluster, deleted);
    }
  }

  /** Fallback for a ManagedAddOn deleted without our finalizer: uninstall unless it has been created again. */
  private void deleted(ManagedAddOn gone) {
    String name = gone.getMetadata().getName();
    runOnWorker(() -> {
      ManagedAddOn now = hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(name).get();
      if (now != null && now.getMetadata().getDeletionTimestamp() == null) {
        return;
      }
      uninstall(addOnOf(gone), gone.getStatus());
    });
  }

  private ManagedAddOn ensureFinalizer(ManagedAddOn mao) {
    List<String> finalizers = mao.getMetadata().getFinalizers();
    if (finalizersForbidden || (finalizers != null && finalizers.contains(FINALIZER))) {
      return mao;
    }
    List<String> next = new ArrayList<>(finalizers == null ? List.of() : finalizers);
    next.add(FINALIZER);
    try {
      return withFinalizers(mao, next);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 403) {
        finalizersForbidden = true;
        log.warn("the hub credential of cluster {} may not update ManagedAddOns, so the agent cannot add the finalizer {};"
            + " add-ons are uninstalled on the delete event only", cluster, FINALIZER);
        return mao;
      }
      if (e.getCode() == 409) {
        enqueue(mao.getMetadata().getName()); // changed since we read it
        return null;
      }
      throw e;
    }
  }

  private void removeFinalizer(ManagedAddOn mao) {
    List<String> finalizers = mao.getMetadata().getFinalizers();
    if (finalizers == null || !finalizers.contains(FINALIZER)) {
      return;
    }
    List<String> next = new ArrayList<>(finalizers);
    next.remove(FINALIZER);
    try {
      withFinalizers(mao, next);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        enqueue(mao.getMetadata().getName());
      } else if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /**
   * Writes the finalizer list with a PUT carrying the resourceVersion we read: a concurrent change (another
   * finalizer, a spec edit) makes it fail with 409 instead of being overwritten. Not a JSON Patch with a "test"
   * operation: the sandbox API server answers a failed test with no response at all.
   */
  private ManagedAddOn withFinalizers(ManagedAddOn mao, List<String> finalizers) {
    ManagedAddOn copy = hub.getKubernetesSerialization().clone(mao);
    copy.getMetadata().setFinalizers(finalizers);
    return hub.resource(copy).update();
  }

  // ---------------------------------------------------------------- helpers

  /** Releases are immutable, so a found one is cached; a missing one is asked for again next time. */
  private AddOnReleaseSpec release(String addOn, String version) {
    String name = AddOnRelease.nameFor(addOn, version);
    AddOnReleaseSpec cached = releases.get(name);
    if (cached != null) {
      return cached;
    }
    AddOnRelease release;
    try {
      release = hub.resources(AddOnRelease.class).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null; // no AddOnRelease CRD on the hub
      }
      throw e;
    }
    if (release == null || release.getSpec() == null) {
      return null;
    }
    releases.put(name, release.getSpec());
    return release.getSpec();
  }

  /** Kinds prune must look at: the new release's, and those of the versions this cluster had before. */
  private Set<ObjectKind> kindsOf(String addOn, List<Map<String, Object>> rendered, ManagedAddOnStatus status) {
    Set<ObjectKind> kinds = new LinkedHashSet<>();
    rendered.forEach(m -> kinds.add(ObjectKind.of(m)));
    for (String version : versionsOf(status)) {
      AddOnReleaseSpec release = release(addOn, version);
      if (release != null && release.manifests != null) {
        release.manifests.forEach(m -> kinds.add(ObjectKind.of(m)));
      }
    }
    return kinds;
  }

  private static Set<String> versionsOf(ManagedAddOnStatus status) {
    Set<String> versions = new LinkedHashSet<>();
    if (status == null) {
      return versions;
    }
    versions.add(status.currentVersion);
    versions.add(status.previousVersion);
    if (status.operation != null) {
      versions.add(status.operation.toVersion);
    }
    if (status.history != null) {
      status.history.forEach(op -> versions.add(op.toVersion));
    }
    versions.remove(null);
    return versions;
  }

  private static Duration progressDeadline(AddOnReleaseSpec release) {
    try {
      return AddOnLifecycle.progressDeadline(release);
    } catch (IllegalArgumentException e) {
      return AddOnLifecycle.DEFAULT_PROGRESS_DEADLINE; // the CRD's pattern should have refused it
    }
  }

  /** The add-on a ManagedAddOn is about: spec.addOn, or its name (DESIGN: the name is the add-on's). */
  static String addOnOf(ManagedAddOn mao) {
    String addOn = mao.getSpec() == null ? null : mao.getSpec().addOn;
    return addOn == null || addOn.isBlank() ? mao.getMetadata().getName() : addOn;
  }

  private void enqueue(String name) {
    if (closed || !pending.add(name)) {
      return;
    }
    try {
      worker.execute(() -> {
        pending.remove(name);
        safely(() -> reconcile(name), name);
      });
    } catch (RejectedExecutionException e) {
      pending.remove(name);
    }
  }

  private void enqueueAfter(String name, Duration delay) {
    if (closed) {
      return;
    }
    try {
      worker.schedule(() -> enqueue(name), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException ignored) {
      // closed concurrently
    }
  }

  private void runOnWorker(Runnable task) {
    if (closed) {
      return;
    }
    try {
      worker.execute(() -> safely(task, null));
    } catch (RejectedExecutionException ignored) {
      // closed concurrently
    }
  }

  private void safely(Runnable task, String retryName) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      if (closed) {
        return; // the clients are being closed under us
      }
      log.warn("add-on controller for cluster {}: {}{}", cluster, ManifestApplier.oneLine(e),
          retryName == null ? "" : "; retrying " + retryName + " in " + retry.toSeconds() + " s");
      if (retryName != null) {
        enqueueAfter(retryName, retry);
      }
    }
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(T obj) { upsert.accept(obj); }

      @Override public void onUpdate(T oldObj, T newObj) { upsert.accept(newObj); }

      @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { delete.accept(obj); }
    };
  }

  @Override
  public void close() {
    closed = true;
    informers.forEach(SharedIndexInformer::close);
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
