package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.flotilla.agent.hostedcluster.HostedClusterPausePlan.Field;
import io.flotilla.agent.hostedcluster.HostedClusterPausePlan.Observed;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.SavedValue;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.agent.work.AgentWork;
import io.flotilla.agent.work.HostedClusterLocks;
import io.flotilla.agent.work.RecordLocks;
import io.flotilla.agent.work.StopSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Executes a {@link HostedClusterPause} on the management cluster: pauses what it asks for and releases it, and
 * reports it in the record's status. Every value it will change is written to {@code status.saved} (phase Pausing)
 * before the first change, so whoever releases (this agent after a crash, or a runbook) puts back exactly what was
 * there. What it changes and puts back is {@link HostedClusterPausePlan}'s to decide.
 */
public final class HostedClusterPauseExecutor {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterPauseExecutor.class);

  // Reasons, messages and events keep saying "held" (Held, HoldFailed, HostedClusterHeld): the hub and tests read them.
  public static final String REASON_PAUSING = "Pausing";
  public static final String REASON_HELD = "Held";
  public static final String REASON_HOSTED_CLUSTER_NOT_FOUND = "HostedClusterNotFound";
  public static final String REASON_HOLD_FAILED = "HoldFailed";
  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_RELEASING = "Releasing";
  public static final String REASON_RELEASED = "Released";
  public static final String REASON_HOSTED_CLUSTER_GONE = "HostedClusterGone";

  private final ManagementObjects objects;
  private final HostedClusterPauser pauser;
  private final HubRecords<HostedClusterPause, HostedClusterPauseStatus> records;
  private final Clock clock;
  private final String cluster;
  private final AgentWork work;

  /** @param work the agent's per-hosted-cluster locks and stop signal: pausing and releasing is locked work */
  public HostedClusterPauseExecutor(ManagementObjects objects, HostedClusterPauser pauser,
      HubRecords<HostedClusterPause, HostedClusterPauseStatus> records, Clock clock, String cluster, AgentWork work) {
    this.work = Objects.requireNonNull(work);
    this.objects = Objects.requireNonNull(objects);
    this.pauser = Objects.requireNonNull(pauser);
    this.records = Objects.requireNonNull(records);
    this.clock = Objects.requireNonNull(clock);
    this.cluster = cluster;
  }

  /** Nothing is paused for this record: it changed nothing, or everything it changed was put back. */
  public static boolean pausesNothing(HostedClusterPause p) {
    HostedClusterPauseStatus s = p.getStatus();
    return s == null || s.saved == null || s.saved.isEmpty() || s.releasedAt != null;
  }

  /**
   * Pauses what a new record asks for, or completes a pause a previous agent process left in Pausing (its
   * {@code saved} list is authoritative then: the values were recorded before the first change).
   *
   * @return false when pausing failed (the record says why)
   */
  public boolean pause(HostedClusterPause record) {
    return locked(record, HostedClusterPause.CONDITION_PAUSED, () -> {
      try {
        return pauseLocked(record);
      } catch (RuntimeException e) {
        note(record, HostedClusterPause.CONDITION_PAUSED, REASON_HOLD_FAILED, e);
        return false;
      }
    });
  }

  /**
   * Runs a pause's or a release's change under the hosted cluster's lock (io.flotilla.agent.work): a backup running on
   * the same hosted cluster finishes and puts back what it paused first, so the pause records the real values. A
   * record without a hosted cluster needs no lock (it fails as InvalidSpec).
   */
  private boolean locked(HostedClusterPause record, String condition, java.util.function.BooleanSupplier change) {
    NamespacedName ref = record.getSpec() == null ? null : record.getSpec().hostedCluster;
    if (ref == null || ref.namespace == null || ref.name == null) {
      return change.getAsBoolean();
    }
    try (HostedClusterLocks.Lock lock = RecordLocks.lock(work, records, record, ref, s -> s.conditions, clock)) {
      return change.getAsBoolean();
    } catch (HostedClusterLocks.Busy e) {
      Instant now = clock.instant();
      Long generation = record.getMetadata().getGeneration();
      String message = e.getMessage() + "; retried when the record changes or the agent restarts";
      records.updateStatus(record.getMetadata().getNamespace(), record.getMetadata().getName(),
          s -> Conditions.set(s.conditions, condition, Conditions.FALSE, RecordLocks.REASON_BUSY, message, generation, now));
      records.event(record, "Warning", RecordLocks.REASON_BUSY, message);
      return false;
    } catch (StopSignal.Stopped e) {
      log.info("hold {}/{}: the agent is stopping; the next agent process takes it up", record.getMetadata().getNamespace(),
          record.getMetadata().getName());
      return false;
    }
  }

  private boolean pauseLocked(HostedClusterPause record) {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    HostedClusterPause current = records.get(ns, name);
    if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
      return true; // the controller looks at it again
    }
    Phase phase = current.getStatus() == null ? null : current.getStatus().phase;
    if (phase != null && phase != Phase.Pausing) {
      return true;
    }
    NamespacedName ref = current.getSpec() == null ? null : current.getSpec().hostedCluster;
    Long generation = current.getMetadata().getGeneration();
    if (ref == null || ref.namespace == null || ref.name == null) {
      fail(current, REASON_INVALID_SPEC, "spec.hostedCluster needs namespace and name");
      return false;
    }
    if (phase == null && current.getSpec().released()) {
      Instant now = clock.instant();
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.Released;
        s.observedGeneration = generation;
        s.releasedAt = Time.format(now);
        Conditions.set(s.conditions, HostedClusterPause.CONDITION_RELEASED, Conditions.TRUE, REASON_RELEASED,
            "Released before it was held: nothing was changed", generation, now);
      });
      return true;
    }
    HostedCluster hc = objects.get(HostedCluster.class, ref.namespace, ref.name);
    if (hc == null) {
      if (phase == Phase.Pausing) {
        return release(current); // the hosted cluster went away mid-pause: nothing left to pause
      }
      fail(current, REASON_HOSTED_CLUSTER_NOT_FOUND, "HostedCluster " + ref + " does not exist on " + cluster
          + "; nothing was changed");
      return false;
    }
    List<SavedValue> saved;
    if (phase == null) {
      // the finalizer (JOSDK's, HostedClusterPauseReconciler) is on the record before it gets here
      saved = HostedClusterPausePlan.toSave(observe(hc), current.getSpec().quiesce(), current.getSpec().pausesWorkers());
      Instant now = clock.instant();
      List<SavedValue> toRecord = saved;
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.Pausing;
        s.observedGeneration = generation;
        s.saved = new ArrayList<>(toRecord);
        Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.FALSE, REASON_PAUSING,
            "Recorded " + toRecord.size() + " values to change on " + ref, generation, now);
      });
    } else {
      saved = current.getStatus().saved == null ? List.of() : current.getStatus().saved;
      log.info("hold {}/{}: completing a hold an earlier agent process started ({} values recorded)", ns, name,
          saved.size());
    }
    try {
      for (SavedValue v : saved) {
        apply(v, HostedClusterPausePlan.fieldOf(v).pausedValue());
      }
    } catch (RuntimeException e) {
      pauseFailed(current, ref, e);
      return false;
    }
    Instant now = clock.instant();
    String summary = summary(saved, ref);
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.Paused;
      s.pausedAt = Time.format(now);
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.TRUE, REASON_HELD, summary,
          generation, now);
    });
    records.event(current, "Normal", "HostedClusterHeld", summary);
    log.info("hold {}/{}: {}", ns, name, summary);
    return true;
  }

  /**
   * Puts back every recorded value (see {@link HostedClusterPausePlan#release}); on a deleted record, then drops the finalizer. A
   * hosted cluster that is gone (torn down after the point of no return) has nothing to put back.
   *
   * @return false when a value could not be put back (the record says why)
   */
  public boolean release(HostedClusterPause record) {
    return locked(record, HostedClusterPause.CONDITION_RELEASED, () -> {
      try {
        return releaseLocked(record);
      } catch (RuntimeException e) {
        note(record, HostedClusterPause.CONDITION_RELEASED, HostedClusterPause.REASON_RELEASE_FAILED, e);
        return false;
      }
    });
  }

  private boolean releaseLocked(HostedClusterPause record) {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    HostedClusterPause current = records.get(ns, name);
    if (current == null) {
      return true;
    }
    Long generation = current.getMetadata().getGeneration();
    NamespacedName ref = current.getSpec() == null ? null : current.getSpec().hostedCluster;
    HostedCluster hc = ref == null || ref.namespace == null || ref.name == null ? null
        : objects.get(HostedCluster.class, ref.namespace, ref.name);
    if (hc == null) {
      Instant now = clock.instant();
      String message = "nothing to release: HostedCluster " + ref + " is gone";
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.Released;
        s.releasedAt = Time.format(now);
        Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.FALSE, REASON_HOSTED_CLUSTER_GONE,
            message, generation, now);
        Conditions.set(s.conditions, HostedClusterPause.CONDITION_RELEASED, Conditions.TRUE, REASON_HOSTED_CLUSTER_GONE,
            message, generation, now);
      });
      records.event(current, "Normal", "HostedClusterReleased", message);
      log.info("hold {}/{}: {}", ns, name, message);
      return true;
    }
    List<SavedValue> saved = current.getStatus() == null || current.getStatus().saved == null ? List.of()
        : current.getStatus().saved;
    Instant started = clock.instant();
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.Releasing;
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_RELEASED, Conditions.FALSE, REASON_RELEASING,
          "Putting back " + saved.size() + " values", generation, started);
    });
    PutBack result;
    try {
      result = putBack(saved);
    } catch (RuntimeException e) {
      String message = "Could not put back every value (" + ManagementObjects.reason(e) + "); retried when the record "
          + "changes or the agent restarts";
      Instant now = clock.instant();
      records.updateStatus(ns, name, s -> Conditions.set(s.conditions, HostedClusterPause.CONDITION_RELEASED,
          Conditions.FALSE, HostedClusterPause.REASON_RELEASE_FAILED, message, generation, now));
      records.event(current, "Warning", HostedClusterPause.REASON_RELEASE_FAILED, message);
      log.warn("hold {}/{}: {}", ns, name, message);
      return false;
    }
    Instant now = clock.instant();
    String message = result.message(ref);
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.Released;
      s.releasedAt = Time.format(now);
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.FALSE, REASON_RELEASED, message,
          generation, now);
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_RELEASED, Conditions.TRUE, REASON_RELEASED, message,
          generation, now);
    });
    records.event(current, "Normal", "HostedClusterReleased", message);
    log.info("hold {}/{}: {}", ns, name, message);
    return true;
  }

  /** A pause that could not be completed is undone at once: the hosted cluster must not stay half paused. */
  private void pauseFailed(HostedClusterPause record, NamespacedName ref, RuntimeException cause) {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    Long generation = record.getMetadata().getGeneration();
    String why = "Could not hold " + ref + ": " + ManagementObjects.reason(cause);
    log.warn("hold {}/{}: {}", ns, name, why, cause);
    String undone;
    boolean released;
    try {
      HostedClusterPause current = records.get(ns, name);
      putBack(current == null || current.getStatus() == null ? List.of() : current.getStatus().saved);
      undone = "; every value changed so far was put back";
      released = true;
    } catch (RuntimeException e) {
      undone = "; putting back what was changed failed too (" + ManagementObjects.reason(e) + "): set spec.release or "
          + "delete the record to retry, or put status.saved back by hand";
      released = false;
    }
    String message = why + undone;
    Instant now = clock.instant();
    boolean allBack = released;
    records.updateStatus(ns, name, s -> {
      s.phase = Phase.Failed;
      if (allBack) {
        s.releasedAt = Time.format(now);
      }
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.FALSE, REASON_HOLD_FAILED, message,
          generation, now);
    });
    records.event(record, "Warning", REASON_HOLD_FAILED, message);
  }

  /** An unexpected error (e.g. the API server refused a read): said in the condition, the phase left for a retry. */
  private void note(HostedClusterPause record, String condition, String reason, RuntimeException e) {
    String message = "Stopped: " + ManagementObjects.reason(e) + "; retried when the record changes or the agent restarts";
    log.warn("hold {}/{}: {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), message, e);
    Instant now = clock.instant();
    Long generation = record.getMetadata().getGeneration();
    records.updateStatus(record.getMetadata().getNamespace(), record.getMetadata().getName(),
        s -> Conditions.set(s.conditions, condition, Conditions.FALSE, reason, message, generation, now));
    records.event(record, "Warning", reason, message);
  }

  private void fail(HostedClusterPause record, String reason, String message) {
    Instant now = clock.instant();
    Long generation = record.getMetadata().getGeneration();
    records.updateStatus(record.getMetadata().getNamespace(), record.getMetadata().getName(), s -> {
      s.phase = Phase.Failed;
      s.observedGeneration = generation;
      Conditions.set(s.conditions, HostedClusterPause.CONDITION_PAUSED, Conditions.FALSE, reason, message, generation,
          now);
    });
    records.event(record, "Warning", reason, message);
    log.warn("hold {}/{} failed ({}): {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), reason,
        message);
  }

  /**
   * The fields a pause may change, in the order it changes them: HostedCluster, its NodePools, the API servers, the CAPI
   * Cluster, AgentMachines, AgentClusters.
   */
  List<Observed> observe(HostedCluster hc) {
    List<Observed> observed = new ArrayList<>();
    observed.add(new Observed("HostedCluster", hc.getMetadata().getNamespace(), hc.getMetadata().getName(),
        Field.PAUSED_UNTIL, hc.getSpec() == null ? null : hc.getSpec().pausedUntil));
    for (NodePool np : pauser.nodePoolsOf(hc)) {
      observed.add(new Observed("NodePool", np.getMetadata().getNamespace(), np.getMetadata().getName(),
          Field.PAUSED_UNTIL, np.getSpec() == null ? null : np.getSpec().pausedUntil));
    }
    String cpNs = hc.controlPlaneNamespace();
    for (String deployment : HostedClusterPauser.API_SERVERS) {
      Deployment d = objects.get(Deployment.class, cpNs, deployment);
      if (d != null) {
        observed.add(new Observed("Deployment", cpNs, deployment, Field.REPLICAS, valueOf(d,
            Field.REPLICAS)));
      }
    }
    for (Cluster c : objects.list(Cluster.class, cpNs)) {
      observed.add(observed(c, Field.CAPI_PAUSED));
    }
    for (AgentMachine am : objects.list(AgentMachine.class, cpNs)) {
      observed.add(observed(am, Field.PAUSED_ANNOTATION));
    }
    for (AgentCluster ac : objects.list(AgentCluster.class, cpNs)) {
      observed.add(observed(ac, Field.PAUSED_ANNOTATION));
    }
    return observed;
  }

  private static Observed observed(HasMetadata o, Field field) {
    return new Observed(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName(), field,
        valueOf(o, field));
  }

  /** A field's current value as {@link SavedValue} spells it; null when absent. */
  static String valueOf(HasMetadata o, Field field) {
    return ManagementObjects.value(o, field);
  }

  /**
   * Writes the paused value where the field still has the recorded one (compare-and-set); an object that is gone is
   * skipped. A field someone changed since the record was written is theirs: the pause stops and is undone.
   */
  private void apply(SavedValue v, String value) {
    ManagementObjects.SwapResult r = objects.compareAndSet(v.kind, v.namespace, v.name, HostedClusterPausePlan.fieldOf(v), v.value,
        value);
    switch (r.swap()) {
      case GONE -> log.info("hold: {} is gone; skipping it", HostedClusterPausePlan.describe(v));
      case CHANGED -> throw new IllegalStateException(HostedClusterPausePlan.describe(v) + " changed to '" + r.found()
          + "' since the hold recorded it; theirs is kept");
      case WRITTEN, ALREADY -> { }
    }
  }

  private record PutBack(int putBack, int alreadyBack, List<String> changedSince, int gone) {
    String message(NamespacedName ref) {
      StringBuilder m = new StringBuilder("Released " + ref + ": put back " + putBack + " value"
          + (putBack == 1 ? "" : "s"));
      if (alreadyBack > 0) {
        m.append(", ").append(alreadyBack).append(" already back");
      }
      if (gone > 0) {
        m.append(", ").append(gone).append(" on objects that are gone");
      }
      if (!changedSince.isEmpty()) {
        m.append("; left as changed since the hold: ").append(String.join(", ", changedSince));
      }
      return m.toString();
    }
  }

  private PutBack putBack(List<SavedValue> saved) {
    int putBack = 0;
    int already = 0;
    int gone = 0;
    List<String> changed = new ArrayList<>();
    for (SavedValue v : HostedClusterPausePlan.releaseOrder(saved)) {
      Field field = HostedClusterPausePlan.fieldOf(v);
      HasMetadata o = objects.get(v.kind, v.namespace, v.name);
      String now = o == null ? null : valueOf(o, field);
      switch (HostedClusterPausePlan.release(v, o != null, now)) {
        case PUT_BACK -> {
          ManagementObjects.SwapResult r = objects.compareAndSet(v.kind, v.namespace, v.name, field, field.pausedValue(),
              v.value);
          switch (r.swap()) {
            case WRITTEN -> putBack++;
            case ALREADY -> already++;
            case GONE -> gone++;
            case CHANGED -> {
              changed.add(HostedClusterPausePlan.describe(v) + " = " + r.found());
              log.info("release: {} changed to '{}' just now; leaving it", HostedClusterPausePlan.describe(v), r.found());
            }
          }
        }
        case ALREADY_BACK -> already++;
        case GONE -> gone++;
        case CHANGED_SINCE -> {
          changed.add(HostedClusterPausePlan.describe(v) + " = " + now);
          log.info("release: {} changed to '{}' since the hold; leaving it", HostedClusterPausePlan.describe(v), now);
        }
      }
    }
    return new PutBack(putBack, already, changed, gone);
  }

  /** "Held clusters/hc-1: 7 values changed (Deployment 3, HostedCluster 1, NodePool 2, AgentMachine 1)". */
  private static String summary(List<SavedValue> saved, NamespacedName ref) {
    Map<String, Integer> byKind = new TreeMap<>();
    saved.forEach(v -> byKind.merge(v.kind, 1, Integer::sum));
    StringBuilder kinds = new StringBuilder();
    byKind.forEach((k, n) -> kinds.append(kinds.isEmpty() ? "" : ", ").append(k).append(' ').append(n));
    return "Held " + ref + ": " + saved.size() + " value" + (saved.size() == 1 ? "" : "s") + " changed"
        + (saved.isEmpty() ? " (it was already held)" : " (" + kinds + ")");
  }
}
