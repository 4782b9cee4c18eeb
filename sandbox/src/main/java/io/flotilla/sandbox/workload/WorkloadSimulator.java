package io.flotilla.sandbox.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the Kubernetes deployment controller on one management cluster's sandbox API server, so that add-on health
 * in the sandbox is judged on real Deployment status. It watches Deployments in every namespace; for each new
 * generation it waits the ready delay and then reports what the deployment controller would once the pods are up:
 * {@code observedGeneration}, {@code replicas}, {@code updatedReplicas}, {@code readyReplicas},
 * {@code availableReplicas}, {@code Available=True} (MinimumReplicasAvailable) and {@code Progressing=True}
 * (NewReplicaSetAvailable).
 *
 * <p><b>Failure rule.</b> A Deployment whose <em>pod template</em> carries the annotation
 * {@code sandbox.flotilla.io/fail: "true"} never becomes available, as if its pods crash-looped: after the ready delay
 * it reports {@code readyReplicas=0}, {@code availableReplicas=0}, {@code Available=False}
 * (MinimumReplicasUnavailable) and {@code Progressing=True} (ReplicaSetUpdated), and once
 * {@code spec.progressDeadlineSeconds} (default 600) has passed since that generation's rollout began,
 * {@code Progressing=False} (ProgressDeadlineExceeded), as the real controller does. The add-on releases built to fail
 * in addon-templates/ use this rule (and also crash for real on a real cluster).
 *
 * <p>A status that disappears while the generation stays the same (the sandbox API server drops status on a PUT of
 * the object) is written again. Threading: informer callbacks only enqueue; one thread does all the work.
 */
public final class WorkloadSimulator implements AutoCloseable {
  public static final String FAIL_ANNOTATION = "sandbox.flotilla.io/fail";
  /** How long "pods starting" takes: short, so a sandbox rollout is quick but still observably in progress. */
  public static final Duration DEFAULT_READY_DELAY = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(WorkloadSimulator.class);

  /** A rollout of one generation of one Deployment (the uid tells a re-created Deployment apart). */
  private record Rollout(String uid, long generation, Instant started) { }

  private final String clusterName;
  private final KubernetesClient client;
  private final Duration readyDelay;
  private final Clock clock;
  private final Map<String, Rollout> rollouts = new ConcurrentHashMap<>();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService worker;
  private SharedIndexInformer<Deployment> informer;
  private volatile boolean closed;

  public WorkloadSimulator(String clusterName, KubernetesClient client) {
    this(clusterName, client, DEFAULT_READY_DELAY, Clock.systemUTC());
  }

  /** @param readyDelay how long after a new generation appears its pods are reported up (or crash-looping) */
  public WorkloadSimulator(String clusterName, KubernetesClient client, Duration readyDelay, Clock clock) {
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.client = Objects.requireNonNull(client, "client");
    this.readyDelay = Objects.requireNonNull(readyDelay, "readyDelay");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "workload-sim-" + clusterName);
      t.setDaemon(true);
      return t;
    });
  }

  public synchronized void start() {
    if (informer != null) {
      return;
    }
    informer = client.apps().deployments().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override public void onAdd(Deployment d) { enqueue(key(d)); }

      @Override public void onUpdate(Deployment oldD, Deployment newD) { enqueue(key(newD)); }

      @Override public void onDelete(Deployment d, boolean deletedFinalStateUnknown) { rollouts.remove(key(d)); }
    }, 0);
    LOG.info("workload simulator started on {} (ready delay {} ms)", clusterName, readyDelay.toMillis());
  }

  private void reconcile(String key) {
    int slash = key.indexOf('/');
    Deployment d = client.apps().deployments().inNamespace(key.substring(0, slash)).withName(key.substring(slash + 1)).get();
    if (d == null || d.getMetadata().getDeletionTimestamp() != null) {
      rollouts.remove(key);
      return;
    }
    long generation = d.getMetadata().getGeneration() == null ? 1 : d.getMetadata().getGeneration();
    Instant now = clock.instant();
    Rollout rollout = rollouts.compute(key, (k, r) ->
        r != null && r.generation() == generation && Objects.equals(r.uid(), d.getMetadata().getUid())
            ? r : new Rollout(d.getMetadata().getUid(), generation, now));
    Optional<DeploymentStatus> want = DeploymentRollout.statusAt(d, rollout.started(), now, readyDelay);
    if (want.isPresent() && !want.get().equals(d.getStatus())) {
      d.setStatus(want.get());
      try {
        client.resource(d).updateStatus(); // PUT with the resourceVersion just read: a concurrent write gives 409
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          enqueue(key);
          return;
        }
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    DeploymentRollout.nextChange(d, rollout.started(), now, readyDelay)
        .ifPresent(at -> schedule(key, Duration.between(clock.instant(), at)));
  }

  private void enqueue(String key) {
    if (closed || !pending.add(key)) {
      return;
    }
    try {
      worker.execute(() -> {
        pending.remove(key);
        if (closed) {
          return;
        }
        try {
          reconcile(key);
        } catch (RuntimeException e) {
          if (closed) {
            return;
          }
          LOG.warn("workload simulator on {}: {}: {}", clusterName, key, e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      pending.remove(key);
    }
  }

  private void schedule(String key, Duration delay) {
    try {
      worker.schedule(() -> enqueue(key), Math.max(0, delay.toMillis()) + 10, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException ignored) {
      // closed concurrently
    }
  }

  private static String key(Deployment d) {
    return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
  }

  @Override
  public void close() {
    closed = true;
    if (informer != null) {
      informer.close();
    }
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
