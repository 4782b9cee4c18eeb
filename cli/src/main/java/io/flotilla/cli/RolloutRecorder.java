package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.hub.addon.HubObjects;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Watches one add-on's ManagedAddOns on the hub and records, as the watch delivers them, every change of a
 * cluster's operation (when it was seen, to millisecond precision) and the most clusters seen InProgress at once.
 * The count is kept from the events themselves, not read from the informer's cache (which may already be ahead of
 * the event being handled): one API server's watch is ordered and a handler gets its events in that order, so the
 * count passes through every state the server held, and the maximum is exact, not sampled. Used by the rollout
 * benchmark and the e2e scenarios.
 */
public final class RolloutRecorder implements AutoCloseable {
  /** A cluster's operation as seen at {@code seenAt}. */
  public record Step(Instant seenAt, String cluster, Type type, String fromVersion, String toVersion, Phase phase,
                     String startedAt, String completedAt) {}

  private final String addOn;
  private final SharedIndexInformer<ManagedAddOn> informer;
  private final List<Step> steps = new ArrayList<>();
  /** Cluster (namespace) to whether its operation is InProgress, as of the last event handled. */
  private final Map<String, Boolean> inProgress = new HashMap<>();
  private int maxInProgress;

  public RolloutRecorder(KubernetesClient hub, String addOn) {
    this.addOn = Objects.requireNonNull(addOn);
    this.informer = hub.resources(ManagedAddOn.class).inAnyNamespace().runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override public void onAdd(ManagedAddOn m) { changed(null, m); }

      @Override public void onUpdate(ManagedAddOn before, ManagedAddOn after) { changed(before, after); }

      @Override public void onDelete(ManagedAddOn m, boolean unknown) { deleted(m); }
    });
    try {
      informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      informer.close();
      throw new IllegalStateException("cannot watch the ManagedAddOns of " + addOn + ": " + e.getMessage(), e);
    }
  }

  private synchronized void changed(ManagedAddOn before, ManagedAddOn after) {
    if (!HubObjects.belongsTo(after, addOn)) {
      return;
    }
    Operation was = operation(before);
    Operation op = operation(after);
    if (op != null && (was == null || was.phase != op.phase || !Objects.equals(was.toVersion, op.toVersion)
        || !Objects.equals(was.startedAt, op.startedAt))) {
      steps.add(new Step(Instant.now(), after.getMetadata().getNamespace(), op.type, op.fromVersion, op.toVersion,
          op.phase, op.startedAt, op.completedAt));
    }
    inProgress.put(after.getMetadata().getNamespace(), op != null && op.phase == Phase.InProgress);
    maxInProgress = Math.max(maxInProgress, inProgressNow());
  }

  private synchronized void deleted(ManagedAddOn m) {
    if (HubObjects.belongsTo(m, addOn)) {
      inProgress.remove(m.getMetadata().getNamespace());
    }
  }

  private static Operation operation(ManagedAddOn m) {
    return m == null || m.getStatus() == null ? null : m.getStatus().operation;
  }

  /** Clusters whose operation is InProgress in the watch's current state. */
  public synchronized int inProgressNow() {
    return (int) inProgress.values().stream().filter(Boolean::booleanValue).count();
  }

  /** The most clusters seen InProgress at once since the start or the last {@link #reset()}. */
  public synchronized int maxInProgress() {
    return maxInProgress;
  }

  /** Starts a new measurement: the maximum restarts from the current count, and the steps seen so far are dropped. */
  public synchronized void reset() {
    steps.clear();
    maxInProgress = inProgressNow();
  }

  /** Every operation change seen since the start or the last reset, in the order seen. */
  public synchronized List<Step> steps() {
    return List.copyOf(steps);
  }

  @Override
  public void close() {
    informer.close();
  }
}
