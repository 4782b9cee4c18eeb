package io.flotilla.agent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The agent's one JOSDK {@link Operator}: on the hub client, every controller watching only this cluster's namespace
 * (the agent's credential reaches nothing else), SSA off (the sandbox's API server has none, docs/test-stack-facts.md §4.2), the
 * clients left open on stop (the agent closes them). Reconcilers are registered with their names and finalizers; their
 * long work runs in their own {@code RecordWork}, so stopping the operator only stops new reconciles.
 */
public final class AgentOperator implements AutoCloseable {
  /** Re-reconcile every record at least this often, as the informers' resync did before. */
  static final Duration MAX_INTERVAL = Duration.ofMinutes(1);

  private final Operator operator;
  private final String namespace;
  private final List<String> registered = new ArrayList<>();
  private boolean started;

  public AgentOperator(KubernetesClient hub, String clusterNamespace) {
    this.namespace = Objects.requireNonNull(clusterNamespace);
    this.operator = new Operator(o -> o.withKubernetesClient(hub)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false));
  }

  /**
   * @param name      the controller's name (logs, metrics)
   * @param finalizer the finalizer JOSDK adds and removes for a {@code Cleaner}, or null
   */
  public <R extends HasMetadata> AgentOperator register(Reconciler<R> reconciler, String name, String finalizer) {
    return register(reconciler, name, finalizer, MAX_INTERVAL, false);
  }

  /**
   * @param maxInterval how long a record may go without a reconcile when nothing happens (drift, health, late data)
   * @param allEvents   also on delete events (a reconciler that keeps its own finalizer sees its records go)
   */
  public <R extends HasMetadata> AgentOperator register(Reconciler<R> reconciler, String name, String finalizer,
      Duration maxInterval, boolean allEvents) {
    operator.register(reconciler, o -> {
      o.withName(name).settingNamespace(namespace)
          // the agent's own status writes (progress, phases) must reach it again: not only spec changes
          .withGenerationAware(false)
          .withReconciliationMaxInterval(maxInterval)
          .withTriggerReconcilerOnAllEvents(allEvents);
      if (finalizer != null) {
        o.withFinalizer(finalizer);
      }
    });
    registered.add(name);
    return this;
  }

  public synchronized void start() {
    operator.start();
    started = true;
  }

  public List<String> controllers() {
    return List.copyOf(registered);
  }

  /** Stops new reconciles; the reconcilers' own work is drained by closing them. */
  @Override
  public synchronized void close() {
    if (started) {
      operator.stop();
      started = false;
    }
  }
}
