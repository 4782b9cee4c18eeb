package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.Phase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Objects;

/**
 * Watches the HostedClusterPauses in this cluster's namespace on the hub: holds new ones, completes one an earlier agent
 * process left in Pausing (or releases it, if release was asked meanwhile), releases on {@code spec.release} or when
 * the record is deleted (its finalizer keeps it until then). A Paused record is left as it is across restarts.
 */
public final class HostedClusterPauseController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterPauseController.class);
  private final KubernetesClient hub;
  private final AgentConfig config;
  private final HubRecords<HostedClusterPause, HostedClusterPauseStatus> records;
  private final HostedClusterHold hold;
  private final RetryGate gate = new RetryGate();
  private final RecordWork work;
  private SharedIndexInformer<HostedClusterPause> informer;

  public HostedClusterPauseController(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this.hub = Objects.requireNonNull(hub);
    this.config = Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    this.records = new HubRecords<>(hub, HostedClusterPause.class, HostedClusterPauseStatus::new,
        HostedClusterPause.RELEASE_FINALIZER, clock, "flotilla-agent/" + config.clusterName());
    this.hold = new HostedClusterHold(new ManagementObjects(local), new HostedClusterPauser(local), records, clock,
        config.clusterName(), config.work());
    // Look again once a task ends: a release or a delete may have arrived while the hold was being taken.
    this.work = new RecordWork("pause-" + config.clusterName(), config.backup().concurrency(), config.work(), key -> {
      String[] parts = key.split("/", 2);
      HostedClusterPause now = records.get(parts[0], parts[1]);
      if (now != null) {
        dispatch(now);
      }
    });
  }

  public synchronized void start() {
    informer = hub.resources(HostedClusterPause.class).inNamespace(config.clusterName())
        .inform(new ResourceEventHandler<>() {
          @Override public void onAdd(HostedClusterPause p) { dispatch(p); }
          @Override public void onUpdate(HostedClusterPause o, HostedClusterPause p) { dispatch(p); }
          @Override public void onDelete(HostedClusterPause p, boolean unknown) { }
        }, 60_000L);
  }

  private void dispatch(HostedClusterPause p) {
    String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    if (work.busy(key) || !gate.open(p)) {
      return;
    }
    Phase phase = p.getStatus() == null ? null : p.getStatus().phase;
    boolean releaseAsked = p.getSpec() != null && p.getSpec().released();
    if (p.getMetadata().getDeletionTimestamp() != null) {
      if (p.getMetadata().getFinalizers() == null
          || !p.getMetadata().getFinalizers().contains(HostedClusterPause.RELEASE_FINALIZER)) {
        return;
      }
      if (HostedClusterHold.holdsNothing(p)) {
        work.submit(key, () -> hold.dropFinalizer(p));
      } else {
        submit(key, p, () -> hold.release(p));
      }
      return;
    }
    if (phase == null) {
      submit(key, p, () -> hold.hold(p));
    } else if (phase == Phase.Pausing) {
      submit(key, p, () -> releaseAsked ? hold.release(p) : hold.hold(p));
    } else if (releaseAsked && (phase == Phase.Paused || phase == Phase.Releasing
        || (phase == Phase.Failed && !HostedClusterHold.holdsNothing(p)))) {
      submit(key, p, () -> hold.release(p));
    }
  }

  /** Runs a task; a failed one waits for the record to change (or the agent to restart) before it is tried again. */
  private void submit(String key, HostedClusterPause p, java.util.function.BooleanSupplier task) {
    work.submit(key, () -> {
      boolean ok = false;
      try {
        ok = task.getAsBoolean();
      } catch (RuntimeException e) {
        log.warn("hold {} stopped unexpectedly; retried when the record changes or the agent restarts", key, e);
      } finally {
        if (ok) {
          gate.clear(p);
        } else {
          gate.stall(p);
        }
      }
    });
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
