package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.Phase;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.time.Clock;
import java.util.Objects;

/**
 * The agent's HostedClusterPause reconciler: pauses for new records, completes one an earlier agent process left in
 * Pausing (or releases it, if release was asked meanwhile), releases on {@code spec.release}, and releases a deleted
 * record before its finalizer ({@link Cleaner}) lets it go. A Paused record is left as it is across restarts. A pause
 * or a release that failed waits for the record to change or the agent to restart ({@link RetryGate}), not for a
 * resync. {@link HostedClusterPauseExecutor} does the work.
 */
public final class HostedClusterPauseReconciler implements Reconciler<HostedClusterPause>, Cleaner<HostedClusterPause>,
    AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterPauseReconciler.class);
  public static final String NAME = "hostedclusterpause";

  private final HostedClusterPauseExecutor executor;
  private final RetryGate gate = new RetryGate();
  private final RecordWork work;

  public HostedClusterPauseReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this(hub, local, config, new RecordWork("pause-" + config.clusterName(), config.backup().concurrency(),
        config.work()));
  }

  /** @param work where pauses and releases run ({@link RecordWork#inline} in tests that call the reconciler directly) */
  public HostedClusterPauseReconciler(KubernetesClient hub, KubernetesClient local, AgentConfig config, RecordWork work) {
    Objects.requireNonNull(config);
    Clock clock = Clock.systemUTC();
    HubRecords<HostedClusterPause, HostedClusterPauseStatus> records = new HubRecords<>(hub, HostedClusterPause.class,
        HostedClusterPauseStatus::new, HostedClusterPause.RELEASE_FINALIZER, clock, "flotilla-agent/" + config.clusterName());
    this.executor = new HostedClusterPauseExecutor(new ManagementObjects(local), new HostedClusterPauser(local), records,
        clock, config.clusterName(), config.work());
    this.work = Objects.requireNonNull(work);
  }

  @Override
  public UpdateControl<HostedClusterPause> reconcile(HostedClusterPause p, Context<HostedClusterPause> context) {
    String key = RecordWork.key(p);
    if (work.busy(key) || !gate.open(p)) {
      return work.control(p);
    }
    Phase phase = p.getStatus() == null ? null : p.getStatus().phase;
    boolean releaseAsked = p.getSpec() != null && p.getSpec().released();
    if (phase == null) {
      submit(key, p, () -> executor.pause(p));
    } else if (phase == Phase.Pausing) {
      submit(key, p, () -> releaseAsked ? executor.release(p) : executor.pause(p));
    } else if (releaseAsked && (phase == Phase.Paused || phase == Phase.Releasing
        || (phase == Phase.Failed && !HostedClusterPauseExecutor.pausesNothing(p)))) {
      submit(key, p, () -> executor.release(p));
    }
    return work.control(p);
  }

  /** A deleted record that pauses something is released first; one that pauses nothing goes at once. */
  @Override
  public DeleteControl cleanup(HostedClusterPause p, Context<HostedClusterPause> context) {
    if (HostedClusterPauseExecutor.pausesNothing(p)) {
      return DeleteControl.defaultDelete();
    }
    String key = RecordWork.key(p);
    if (!work.busy(key)) {
      if (!gate.open(p)) {
        return DeleteControl.noFinalizerRemoval(); // the release failed on this version: a change or a restart retries
      }
      submit(key, p, () -> executor.release(p));
    }
    // the release writes releasedAt; the next look lets the record go
    return DeleteControl.<HostedClusterPause>noFinalizerRemoval().rescheduleAfter(RecordWork.BUSY_RECHECK);
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
  public void close() {
    work.close();
  }
}
