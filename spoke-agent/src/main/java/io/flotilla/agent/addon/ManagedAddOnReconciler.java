package io.flotilla.agent.addon;

import io.flotilla.common.StatusWriter;




import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
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
import java.util.stream.Collectors;

/**
 * The agent's add-on controller (docs/architecture.md, flow 5): watches the ManagedAddOns in this cluster's namespace on the hub and
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
 * <p>On the agent's JOSDK operator ({@code AgentOperator}): one reconcile per ManagedAddOn at a time; workload changes on
 * the management cluster (Deployments, StatefulSets, DaemonSets labelled for an add-on) reach it through informer event
 * sources on the local client, the remote-cluster informer pattern. It sees delete events too
 * ({@code triggerReconcilerOnAllEvents}) because it keeps its own finalizer and its fallback above.
 */
public final class ManagedAddOnReconciler implements Reconciler<ManagedAddOn> {
  public static final String NAME = "managedaddon";
  public static final String FINALIZER = "addon.flotilla.io/uninstall";
  public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(30);
  public static final Duration DEFAULT_RETRY = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(ManagedAddOnReconciler.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final String cluster;
  private final Duration resync;
  private final Duration retry;
  private final Clock clock;
  private final ManifestApplier applier;
  private final Map<String, AddOnReleaseSpec> releases = new ConcurrentHashMap<>();
  private volatile boolean finalizersForbidden;

  public ManagedAddOnReconciler(KubernetesClient hub, KubernetesClient local, String clusterName) {
    this(hub, local, clusterName, DEFAULT_RESYNC, DEFAULT_RETRY, Clock.systemUTC());
  }

  /**
   * @param resync how often every ManagedAddOn is reconciled without an event (drift, health, late releases)
   * @param retry  how long to wait before retrying after an error that may be transient
   */
  public ManagedAddOnReconciler(KubernetesClient hub, KubernetesClient local, String clusterName, Duration resync,
                                Duration retry, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.cluster = Objects.requireNonNull(clusterName, "clusterName");
    this.resync = Objects.requireNonNull(resync, "resync");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.applier = new ManifestApplier(local);
  }

  /** How often every ManagedAddOn is reconciled without an event (the operator's maximum interval). */
  public Duration resync() {
    return resync;
  }

  /** Workload status on the management cluster re-judges the add-on that owns the workload. */
  @Override
  public List<EventSource<?, ManagedAddOn>> prepareEventSources(EventSourceContext<ManagedAddOn> context) {
    var primaries = context.getPrimaryCache();
    List<EventSource<?, ManagedAddOn>> sources = new ArrayList<>();
    for (Class<? extends HasMetadata> kind : List.of(Deployment.class, StatefulSet.class, DaemonSet.class)) {
      sources.add(workloads(kind, primaries, context));
    }
    return sources;
  }

  private <T extends HasMetadata> InformerEventSource<T, ManagedAddOn> workloads(Class<T> kind,
      io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache<ManagedAddOn> primaries,
      EventSourceContext<ManagedAddOn> context) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, ManagedAddOn.class)
        .withName("addon-" + kind.getSimpleName().toLowerCase(java.util.Locale.ROOT))
        .withKubernetesClient(local)
        .withWatchAllNamespaces()
        .withLabelSelector(ManifestApplier.NAME_LABEL)
        .withSecondaryToPrimaryMapper(w -> {
          String addOn = w.getMetadata().getLabels() == null ? null : w.getMetadata().getLabels().get(ManifestApplier.NAME_LABEL);
          return addOn == null ? Set.of() : primaries.list().filter(m -> addOn.equals(addOnOf(m)))
              .map(ResourceID::fromResource).collect(Collectors.toSet());
        })
        .build(), context);
  }

  /** A write raced with the hub's (409): read again and reconcile once more, at once. */
  private static final class Conflict extends RuntimeException {
    Conflict() {
      super(null, null, false, false);
    }
  }

  private static final Duration AGAIN = Duration.ofMillis(100);

  @Override
  public UpdateControl<ManagedAddOn> reconcile(ManagedAddOn mao, Context<ManagedAddOn> context) {
    if (context != null && context.isPrimaryResourceDeleted()) {
      deleted(mao);
      return UpdateControl.noUpdate();
    }
    Duration after;
    try {
      after = reconcile(mao.getMetadata().getName());
    } catch (Conflict c) {
      after = AGAIN;
    } catch (RuntimeException e) {
      log.warn("add-on controller for cluster {}: {}; retrying {} in {} s", cluster, ManifestApplier.oneLine(e),
          mao.getMetadata().getName(), retry.toSeconds());
      after = retry;
    }
    return after == null ? UpdateControl.noUpdate() : UpdateControl.<ManagedAddOn>noUpdate().rescheduleAfter(after);
  }

  // ---------------------------------------------------------------- reconcile

  /**
   * One pass over the ManagedAddOn as it is on the hub now; returns when to look again without an event (null: at the
   * resync). Visible for tests, which call it directly.
   */
  Duration reconcile(String name) {
    ManagedAddOn mao = hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(name).get();
    if (mao == null) {
      return null; // deleted: the delete event uninstalls
    }
    String addOn = addOnOf(mao);
    if (mao.getMetadata().getDeletionTimestamp() != null) {
      uninstall(addOn, mao.getStatus());
      removeFinalizer(mao);
      return null;
    }
    mao = ensureFinalizer(mao);
    ManagedAddOnStatus status = AddOnLifecycle.copy(mao.getStatus());
    String desired = status.desiredVersion;
    if (desired == null || desired.isBlank()) {
      return null; // the hub has not decided yet
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
      return null; // the resync looks again: the release may be published later
    }

    Optional<Operation> next = AddOnLifecycle.nextOperation(status, desired, now);
    if (next.isPresent()) {
      log.info("add-on {} on cluster {}: {}", addOn, cluster, next.get().message);
      status = AddOnLifecycle.start(status, next.get(), now, generation);
      mao = write(mao, status);
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
      return null;
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
          return retry;
        } else {
          // re-applying a finished operation (drift correction): its outcome is already reported
          log.debug("add-on {} {} on cluster {}: {}", addOn, desired, cluster, ManifestApplier.oneLine(e));
        }
      }
      return null;
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
      return wait.compareTo(resync) < 0 ? wait.plusMillis(50) : resync;
    }
    return null;
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
   * @return the written object, or the unchanged one
   * @throws Conflict the hub wrote in between: the reconcile runs again at once
   */
  private ManagedAddOn write(ManagedAddOn read, ManagedAddOnStatus ours) {
    ManagedAddOnStatus merged = AddOnLifecycle.mergeAgentFields(read.getStatus(), ours);
    var json = hub.getKubernetesSerialization();
    if (read.getStatus() != null && json.asJson(merged).equals(json.asJson(read.getStatus()))) {
      return read;
    }
    // Shared with the hub (it writes desiredVersion): a write from a stale read must fail, not undo the hub's.
    try {
      return StatusWriter.writeAndGet(hub, read, merged, StatusWriter.Precondition.UNCHANGED_SINCE_READ);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new Conflict();
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
  void deleted(ManagedAddOn gone) {
    ManagedAddOn now = hub.resources(ManagedAddOn.class).inNamespace(cluster).withName(gone.getMetadata().getName()).get();
    if (now != null && now.getMetadata().getDeletionTimestamp() == null) {
      return;
    }
    uninstall(addOnOf(gone), gone.getStatus());
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
        throw new Conflict(); // changed since we read it
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
        throw new Conflict();
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

  /** The add-on a ManagedAddOn is about: spec.addOn, or its name (docs/architecture.md: the name is the add-on's). */
  static String addOnOf(ManagedAddOn mao) {
    String addOn = mao.getSpec() == null ? null : mao.getSpec().addOn;
    return addOn == null || addOn.isBlank() ? mao.getMetadata().getName() : addOn;
  }
}
