package io.flotilla.agent.teardown;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hostedcluster.RetryGate;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus.Phase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The agent's HostedClusterTeardown reconciler: runs new teardowns, ones an earlier agent process left InProgress, and
 * Halted ones once (at start-up, or when the record changes). A teardown that halted or stopped on an error is not
 * retried in a loop: the {@link RetryGate} waits for a change or a restart. No finalizer: the hub deletes a record
 * only once it has ended.
 */
public final class HostedClusterTeardownReconciler implements Reconciler<HostedClusterTeardown>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterTeardownReconciler.class);
  public static final String NAME = "hostedclusterteardown";
  /** How long the Cluster API pods get to stop once scaled to 0 (§1.5 step 2 waits 15 s). */
  public static final Duration CLUSTER_API_STOP_TIMEOUT = Duration.ofMinutes(2);

  private final TeardownExecutor executor;
  private final RetryGate gate = new RetryGate();
  private final RecordWork work;

  public HostedClusterTeardownReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this(hub, local, config, new RecordWork("teardown-" + config.clusterName(), config.backup().concurrency(),
        config.work()));
  }

  /** @param work where teardowns run ({@link RecordWork#inline} in tests that call the reconciler directly) */
  public HostedClusterTeardownReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config,
      RecordWork work) {
    Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    HubRecords<HostedClusterTeardown, HostedClusterTeardownStatus> records = new HubRecords<>(hub,
        HostedClusterTeardown.class, HostedClusterTeardownStatus::new, null, clock, "flotilla-agent/" + config.clusterName());
    this.executor = new TeardownExecutor(local, records, clock, config.clusterName(), CLUSTER_API_STOP_TIMEOUT,
        config.work());
    this.work = Objects.requireNonNull(work);
  }

  @Override
  public UpdateControl<HostedClusterTeardown> reconcile(HostedClusterTeardown t, Context<HostedClusterTeardown> context) {
    String key = RecordWork.key(t);
    if (t.getMetadata().getDeletionTimestamp() != null || work.busy(key) || !gate.open(t)) {
      return work.control(t);
    }
    Phase phase = t.getStatus() == null ? null : t.getStatus().phase;
    if (phase == null || phase == Phase.New || phase == Phase.InProgress || phase == Phase.Halted) {
      work.submit(key, () -> {
        boolean finished = false;
        try {
          finished = executor.run(t);
        } catch (RuntimeException e) {
          log.warn("teardown {} stopped unexpectedly; retried when the record changes or the agent restarts", key, e);
        } finally {
          if (finished) {
            gate.clear(t);
          } else {
            gate.stall(t);
          }
        }
      });
    }
    return work.control(t);
  }

  @Override
  public void close() {
    work.close();
  }
}
