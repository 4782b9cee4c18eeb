package io.flotilla.agent.teardown;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hostedcluster.RetryGate;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus.Phase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Watches the HostedClusterTeardowns in this cluster's namespace on the hub and runs them: new ones, ones an earlier
 * agent process left InProgress, and Halted ones once (at start-up, or when the record changes). A teardown that halted
 * or stopped on an error is not retried in a loop: the {@link RetryGate} waits for a change or a restart.
 */
public final class HostedClusterTeardownController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterTeardownController.class);
  /** How long the Cluster API pods get to stop once scaled to 0 (§1.5 step 2 waits 15 s). */
  public static final Duration CLUSTER_API_STOP_TIMEOUT = Duration.ofMinutes(2);

  private final KubernetesClient hub;
  private final AgentConfig config;
  private final HubRecords<HostedClusterTeardown, HostedClusterTeardownStatus> records;
  private final TeardownExecutor executor;
  private final RetryGate gate = new RetryGate();
  private final RecordWork work;
  private SharedIndexInformer<HostedClusterTeardown> informer;

  public HostedClusterTeardownController(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this.hub = Objects.requireNonNull(hub);
    this.config = Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    this.records = new HubRecords<>(hub, HostedClusterTeardown.class, HostedClusterTeardownStatus::new, null, clock,
        "flotilla-agent/" + config.clusterName());
    this.executor = new TeardownExecutor(local, records, clock, config.clusterName(), CLUSTER_API_STOP_TIMEOUT,
        config.work());
    this.work = new RecordWork("teardown-" + config.clusterName(), config.backup().concurrency(), config.work(), key -> { });
  }

  public synchronized void start() {
    informer = hub.resources(HostedClusterTeardown.class).inNamespace(config.clusterName())
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(HostedClusterTeardown t) { dispatch(t); }
          @Override public void onUpdate(HostedClusterTeardown o, HostedClusterTeardown t) { dispatch(t); }
          @Override public void onDelete(HostedClusterTeardown t, boolean unknown) { }
        }, 60_000L);
  }

  private void dispatch(HostedClusterTeardown t) {
    String key = t.getMetadata().getNamespace() + "/" + t.getMetadata().getName();
    if (t.getMetadata().getDeletionTimestamp() != null || work.busy(key) || !gate.open(t)) {
      return;
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
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
    work.close();
  }
}
