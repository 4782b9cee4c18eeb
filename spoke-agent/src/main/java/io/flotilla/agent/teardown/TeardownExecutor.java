package io.flotilla.agent.teardown;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.flotilla.agent.hostedcluster.HostedClusterPausePlan;
import io.flotilla.agent.hostedcluster.HostedClusterPauser;
import io.flotilla.agent.hostedcluster.ManagementObjects;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec.Purpose;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus.Phase;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.agent.teardown.PreservationCheck.ObjectState;
import io.flotilla.agent.teardown.TeardownOrder.Step;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.flotilla.agent.work.AgentWork;
import io.flotilla.agent.work.HostedClusterLocks;
import io.flotilla.agent.work.RecordLocks;
import io.flotilla.agent.work.StopSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one {@link HostedClusterTeardown}: preserve the workers (docs/hypershift-facts.md §3), read the preservation back and halt
 * with nothing deleted if any of it is missing, stop Cluster API, delete in {@link TeardownOrder}, then check that every
 * Agent bound before is still bound. Each step is in {@code status.step}; an agent restart mid-way starts again from
 * Preserving (every step before Deleting is idempotent), or carries on deleting if it had got that far.
 */
public final class TeardownExecutor {
  private static final Logger log = LoggerFactory.getLogger(TeardownExecutor.class);
  private static final int DELETE_ATTEMPTS = 5;

  public static final String REASON_IN_PROGRESS = "InProgress";
  public static final String REASON_PRESERVATION_VERIFIED = "PreservationVerified";
  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_NOTHING_TO_TEAR_DOWN = "NothingToTearDown";
  public static final String REASON_CLUSTER_API_NOT_STOPPED = "ClusterAPINotStopped";
  public static final String REASON_DELETE_FAILED = "DeleteFailed";
  public static final String REASON_STEP_FAILED = "StepFailed";
  public static final String REASON_WORKERS_UNBOUND = "WorkersUnbound";
  public static final String REASON_TORN_DOWN = "TornDown";

  private final KubernetesClient local;
  private final ManagementObjects objects;
  private final HostedClusterPauser pauser;
  private final HubRecords<HostedClusterTeardown, HostedClusterTeardownStatus> records;
  private final Clock clock;
  private final String cluster;
  private final Duration clusterApiStopTimeout;
  private final AgentWork work;

  /**
   * @param clusterApiStopTimeout how long to wait for the Cluster API pods to be gone once scaled to 0
   * @param work                  the agent's per-hosted-cluster locks and stop signal (io.flotilla.agent.work)
   */
  public TeardownExecutor(KubernetesClient local, HubRecords<HostedClusterTeardown, HostedClusterTeardownStatus> records,
      Clock clock, String cluster, Duration clusterApiStopTimeout, AgentWork work) {
    this.work = Objects.requireNonNull(work);
    this.local = Objects.requireNonNull(local);
    this.objects = new ManagementObjects(local);
    this.pauser = new HostedClusterPauser(local);
    this.records = Objects.requireNonNull(records);
    this.clock = Objects.requireNonNull(clock);
    this.cluster = cluster;
    this.clusterApiStopTimeout = Objects.requireNonNull(clusterApiStopTimeout);
  }

  /**
   * Runs or resumes the teardown to an end state (Completed, Failed, Halted) or, when a step fails for a reason that may
   * pass (an API error), leaves it InProgress with the reason in its Completed condition.
   *
   * @return false when the teardown stopped short (Halted, or an error): the controller retries it only once the record
   *     changes or the agent restarts
   */
  public boolean run(HostedClusterTeardown record) {
    NamespacedName ref = record.getSpec() == null ? null : record.getSpec().hostedCluster;
    if (ref == null || ref.namespace == null || ref.name == null) {
      return runOrNote(record); // fails as an invalid spec; nothing to lock
    }
    // Under the hosted cluster's lock: a backup or a HostedClusterPause release still running on it finishes first.
    try (HostedClusterLocks.Lock lock = RecordLocks.lock(work, records, record, ref, s -> s.conditions, clock)) {
      return runOrNote(record);
    } catch (HostedClusterLocks.Busy e) {
      Instant now = clock.instant();
      Long generation = record.getMetadata().getGeneration();
      String message = e.getMessage() + "; nothing was deleted. Retried when the record changes or the agent restarts";
      update(record, s -> Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE,
          RecordLocks.REASON_BUSY, message, generation, now));
      records.event(record, "Warning", RecordLocks.REASON_BUSY, message);
      return false;
    } catch (StopSignal.Stopped e) {
      log.info("teardown {}/{}: the agent is stopping before it started; the next agent process takes it up",
          record.getMetadata().getNamespace(), record.getMetadata().getName());
      return false;
    }
  }

  private boolean runOrNote(HostedClusterTeardown record) {
    try {
      return runSteps(record);
    } catch (RuntimeException e) {
      String message = "Stopped: " + ManagementObjects.reason(e) + "; nothing further was deleted. Retried when the "
          + "record changes or the agent restarts";
      log.warn("teardown {}/{}: {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), message, e);
      Instant now = clock.instant();
      Long generation = record.getMetadata().getGeneration();
      update(record, s -> Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE,
          REASON_STEP_FAILED, message, generation, now));
      records.event(record, "Warning", REASON_STEP_FAILED, message);
      return false;
    }
  }

  private boolean runSteps(HostedClusterTeardown record) {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    HostedClusterTeardown current = records.get(ns, name);
    if (current == null || current.getMetadata().getDeletionTimestamp() != null) {
      return true;
    }
    HostedClusterTeardownStatus status = current.getStatus();
    Phase phase = status == null ? null : status.phase;
    if (phase == Phase.Completed || phase == Phase.Failed) {
      return true;
    }
    Long generation = current.getMetadata().getGeneration();
    NamespacedName ref = current.getSpec() == null ? null : current.getSpec().hostedCluster;
    if (ref == null || ref.namespace == null || ref.name == null || current.getSpec().purpose == null) {
      end(current, Phase.Failed, REASON_INVALID_SPEC, "spec.hostedCluster (namespace and name) and spec.purpose are "
          + "required", "Warning");
      return true;
    }
    String cpNs = HostedCluster.controlPlaneNamespace(ref.namespace, ref.name);
    boolean deleting = phase == Phase.InProgress && Step.Deleting.name().equals(status.step);
    HostedCluster hc = objects.get(HostedCluster.class, ref.namespace, ref.name);
    if (hc == null && !deleting) {
      end(current, Phase.Completed, REASON_NOTHING_TO_TEAR_DOWN, "nothing to tear down: HostedCluster " + ref
          + " does not exist on " + cluster, "Normal");
      return true;
    }
    String agentNamespace = agentNamespace(hc);
    Integer boundBefore = status == null || status.workers == null ? null : status.workers.boundBefore;
    if (!deleting) {
      int before = boundAgents(agentNamespace, cpNs).size();
      boundBefore = before;
      Instant now = clock.instant();
      update(current, s -> {
        s.phase = Phase.InProgress;
        s.observedGeneration = generation;
        s.startedAt = s.startedAt == null ? Time.format(now) : s.startedAt;
        s.step = Step.Preserving.name();
        s.workers = new HostedClusterTeardownStatus.Workers();
        s.workers.boundBefore = before;
        Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE, REASON_IN_PROGRESS,
            wording(current).starting() + ref, generation, now);
      });
      records.event(current, "Normal", "TeardownStarted", wording(current).starting() + ref + " (" + before
          + " workers bound)");
      if (!preserveAndVerify(current, ref, cpNs, agentNamespace)) {
        return false;
      }
      if (!stopClusterApi(current, hc, cpNs)) {
        return false;
      }
    } else {
      log.info("teardown {}/{}: an earlier agent process was deleting {}; carrying on", ns, name, ref);
    }
    setStep(current, Step.Deleting);
    try {
      deleteInOrder(ref, cpNs);
    } catch (RuntimeException e) {
      String message = "Deleting " + ref + " stopped: " + ManagementObjects.reason(e) + "; retried when the record "
          + "changes or the agent restarts";
      log.warn("teardown {}/{}: {}", ns, name, message, e);
      Instant now = clock.instant();
      update(current, s -> Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE,
          REASON_DELETE_FAILED, message, generation, now));
      records.event(current, "Warning", REASON_DELETE_FAILED, message);
      return false;
    }
    int after = boundAgents(agentNamespace, cpNs).size();
    int before = boundBefore == null ? after : boundBefore;
    update(current, s -> {
      if (s.workers == null) {
        s.workers = new HostedClusterTeardownStatus.Workers();
        s.workers.boundBefore = before;
      }
      s.workers.boundAfter = after;
    });
    if (after < before) {
      end(current, Phase.Failed, REASON_WORKERS_UNBOUND, (before - after) + " of " + before + " Agents bound to " + ref
          + " before the teardown are no longer bound: their hosts were unbound (deprovisioned)", "Warning");
      return true;
    }
    end(current, Phase.Completed, REASON_TORN_DOWN, wording(current).done() + ref + "; " + after + " of " + before
        + " workers still bound, control-plane namespace " + cpNs + " kept", "Normal");
    return true;
  }

  // ---------------------------------------------------------------- (a) Preserving, (b) Verifying

  private boolean preserveAndVerify(HostedClusterTeardown record, NamespacedName ref, String cpNs, String agentNamespace) {
    Map<String, String> patchErrors = new LinkedHashMap<>();
    for (PreservationCheck.Missing m : PreservationCheck.check(observe(ref, cpNs, agentNamespace)).missing()) {
      ObjectState o = m.object();
      try {
        PreservationCheck.Requirement r = m.requirement();
        if (r.annotation() != null) {
          objects.setAnnotation(o.kind(), o.namespace(), o.name(), r.annotation(), r.annotationValue());
        } else {
          objects.mergePatch(o.kind(), o.namespace(), o.name(), r.specPatch());
        }
      } catch (RuntimeException e) {
        patchErrors.putIfAbsent(o.describe(), ManagementObjects.reason(e));
        log.warn("teardown {}: {} could not be applied: {}", ref, m.describe(), ManagementObjects.reason(e));
      }
    }
    setStep(record, Step.Verifying);
    PreservationCheck.Result result = PreservationCheck.check(observe(ref, cpNs, agentNamespace));
    List<String> missing = result.describe(patchErrors);
    Long generation = record.getMetadata().getGeneration();
    Instant now = clock.instant();
    boolean verified = missing.isEmpty();
    String message = verified
        ? "Preserved: " + result.agentMachines() + " AgentMachines and " + result.agentClusters() + " AgentClusters "
            + "paused, " + result.clusterDeployments() + " ClusterDeployments preserveOnDelete, " + result.agents()
            + " Agents skip-spoke-cleanup, control-plane namespace kept"
        : "Worker preservation is not in place, so nothing was deleted: " + String.join("; ", missing);
    update(record, s -> {
      s.preservation = new HostedClusterTeardownStatus.Preservation();
      s.preservation.verified = verified;
      s.preservation.agentMachines = result.agentMachines();
      s.preservation.agentClusters = result.agentClusters();
      s.preservation.clusterDeployments = result.clusterDeployments();
      s.preservation.agents = result.agents();
      s.preservation.missing = new ArrayList<>(missing);
      Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_PRESERVATION_VERIFIED,
          verified ? Conditions.TRUE : Conditions.FALSE,
          verified ? REASON_PRESERVATION_VERIFIED : HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED, message,
          generation, now);
      if (!verified) {
        s.phase = Phase.Halted;
        Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE,
            HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED, message, generation, now);
      }
    });
    if (!verified) {
      records.event(record, "Warning", HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED, message);
      log.warn("teardown {}/{} of {} halted: {}", record.getMetadata().getNamespace(), record.getMetadata().getName(),
          ref, message);
    }
    return verified;
  }

  /** The objects the preservation covers, as they are now. */
  PreservationCheck.Observed observe(NamespacedName ref, String cpNs, String agentNamespace) {
    HostedCluster hc = objects.get(HostedCluster.class, ref.namespace, ref.name);
    return new PreservationCheck.Observed(cpNs, hc == null ? null : state(hc),
        objects.list(AgentMachine.class, cpNs).stream().map(TeardownExecutor::state).toList(),
        objects.list(AgentCluster.class, cpNs).stream().map(TeardownExecutor::state).toList(),
        objects.list(ClusterDeployment.class, cpNs).stream().map(cd -> new ObjectState(cd.getKind(),
            cd.getMetadata().getNamespace(), cd.getMetadata().getName(), cd.getMetadata().getAnnotations(),
            cd.getSpec() == null ? null : cd.getSpec().preserveOnDelete, null)).toList(),
        agents(agentNamespace));
  }

  private List<ObjectState> agents(String agentNamespace) {
    return objects.list(Agent.class, agentNamespace).stream().map(a -> {
      Agent.ClusterDeploymentName cd = a.getSpec() == null ? null : a.getSpec().clusterDeploymentName;
      return new ObjectState(a.getKind(), a.getMetadata().getNamespace(), a.getMetadata().getName(),
          a.getMetadata().getAnnotations(), null, cd == null ? null : new NamespacedName(cd.namespace, cd.name));
    }).toList();
  }

  private List<ObjectState> boundAgents(String agentNamespace, String cpNs) {
    return PreservationCheck.boundAgents(agents(agentNamespace), cpNs);
  }

  private static ObjectState state(HasMetadata o) {
    return ObjectState.of(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName(),
        o.getMetadata().getAnnotations());
  }

  /**
   * The InfraEnv namespace the hosted cluster's Agents live in; null (look in every namespace) when the HostedCluster
   * does not say, or is already gone on a resumed teardown.
   */
  private static String agentNamespace(HostedCluster hc) {
    HostedCluster.Platform p = hc == null || hc.getSpec() == null ? null : hc.getSpec().platform;
    return p == null || p.agent == null ? null : p.agent.agentNamespace;
  }

  // ---------------------------------------------------------------- (c) StoppingClusterAPI

  /**
   * Pauses HyperShift's reconcile of the hosted cluster, then scales Cluster API and the Agent provider to 0 and waits
   * for their pods to be gone. The pause matters: an unpaused HostedCluster has its operator scale the CAPI Deployments
   * back and re-create the CAPI Cluster we are about to delete (the HyperShift operator itself, which §1.5 step 1 scales
   * down, serves every hosted cluster on this management cluster, so the agent does not touch it). It is indefinite
   * ("true"): the HostedCluster is deleted moments later.
   */
  private boolean stopClusterApi(HostedClusterTeardown record, HostedCluster hc, String cpNs) {
    setStep(record, Step.StoppingClusterAPI);
    try {
      List<HasMetadata> paused = new ArrayList<>();
      paused.add(hc);
      paused.addAll(pauser.nodePoolsOf(hc));
      for (HasMetadata o : paused) {
        String pausedUntil = o instanceof HostedCluster h ? h.getSpec().pausedUntil : ((NodePool) o).getSpec().pausedUntil;
        if (!"true".equals(pausedUntil) && !"True".equals(pausedUntil)) {
          objects.mergePatch(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName(),
              HostedClusterPausePlan.Field.PAUSED_UNTIL.mergePatch("true"));
        }
      }
      List<String> running = TeardownOrder.CLUSTER_API_DEPLOYMENTS.stream()
          .filter(d -> objects.get(Deployment.class, cpNs, d) != null).toList();
      // one way: the control plane is being removed, nothing is put back (not pause bookkeeping, so no compare-and-set)
      running.forEach(d -> objects.mergePatch("Deployment", cpNs, d,
          HostedClusterPausePlan.Field.REPLICAS.mergePatch("0")));
      for (String d : running) {
        // Deployment status.replicas counts its pods; gone means no CAPI controller can act any more.
        local.apps().deployments().inNamespace(cpNs).withName(d).waitUntilCondition(TeardownExecutor::stopped,
            clusterApiStopTimeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      return true;
    } catch (RuntimeException e) {
      String why = e instanceof KubernetesClientTimeoutException
          ? "its pods were still running after " + clusterApiStopTimeout.toSeconds() + " s"
          : ManagementObjects.reason(e);
      String message = "Could not stop Cluster API in " + cpNs + " (" + why + "); nothing was deleted. Retried when "
          + "the record changes or the agent restarts";
      log.warn("teardown {}/{}: {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), message);
      Instant now = clock.instant();
      Long generation = record.getMetadata().getGeneration();
      update(record, s -> Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED, Conditions.FALSE,
          REASON_CLUSTER_API_NOT_STOPPED, message, generation, now));
      records.event(record, "Warning", REASON_CLUSTER_API_NOT_STOPPED, message);
      return false;
    }
  }

  /**
   * The deployment controller has seen the scale-down and counts no pods. No status at all: nothing has run it (a
   * bare API server, as in tests).
   */
  private static boolean stopped(Deployment d) {
    if (d == null || d.getStatus() == null) {
      return true;
    }
    Long generation = d.getMetadata().getGeneration();
    Long observed = d.getStatus().getObservedGeneration();
    boolean seen = generation == null || observed == null || observed >= generation;
    return seen && (d.getStatus().getReplicas() == null || d.getStatus().getReplicas() == 0);
  }

  // ---------------------------------------------------------------- (d) Deleting

  private void deleteInOrder(NamespacedName ref, String cpNs) {
    List<TeardownOrder.Found> found = new ArrayList<>();
    HostedCluster hc = objects.get(HostedCluster.class, ref.namespace, ref.name);
    if (hc != null) {
      pauser.nodePoolsOf(hc).forEach(np -> found.add(found(np)));
      found.add(found(hc));
    } else {
      // resumed after the HostedCluster went: its NodePools are found by name alone
      objects.list(NodePool.class, ref.namespace).stream()
          .filter(np -> np.getSpec() != null && ref.name.equals(np.getSpec().clusterName))
          .forEach(np -> found.add(found(np)));
    }
    for (Class<? extends HasMetadata> kind : List.of(Machine.class, Cluster.class, AgentMachine.class,
        HostedControlPlane.class, AgentCluster.class, ClusterDeployment.class)) {
      objects.list(kind, cpNs).forEach(o -> found.add(found(o)));
    }
    for (TeardownOrder.Deletion d : TeardownOrder.plan(found)) {
      delete(d);
    }
  }

  private static TeardownOrder.Found found(HasMetadata o) {
    return new TeardownOrder.Found(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /**
   * Finalizers off, then delete; again while a controller put a finalizer back in between (as the migrate script
   * repeats both, §1.5 step 8). A kept finalizer (the ClusterDeployment's) is left to its owner: deleted is enough.
   */
  private void delete(TeardownOrder.Deletion d) {
    for (int attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
      HasMetadata o = objects.get(d.kind(), d.namespace(), d.name());
      if (o == null) {
        return;
      }
      if (!d.stripFinalizers()) {
        if (o.getMetadata().getDeletionTimestamp() == null) {
          objects.delete(o);
        }
        return;
      }
      if (objects.stripFinalizers(o)) {
        objects.delete(o);
      }
    }
    if (objects.get(d.kind(), d.namespace(), d.name()) != null) {
      throw new IllegalStateException(ManagementObjects.describe(d.kind(), d.namespace(), d.name())
          + " is still there after " + DELETE_ATTEMPTS + " attempts to remove its finalizers and delete it");
    }
  }

  // ---------------------------------------------------------------- status

  private void setStep(HostedClusterTeardown record, Step step) {
    update(record, s -> s.step = step.name());
  }

  private void update(HostedClusterTeardown record, Consumer<HostedClusterTeardownStatus> change) {
    records.updateStatus(record.getMetadata().getNamespace(), record.getMetadata().getName(), change);
  }

  private void end(HostedClusterTeardown record, Phase phase, String reason, String message, String eventType) {
    Instant now = clock.instant();
    Long generation = record.getMetadata().getGeneration();
    update(record, s -> {
      s.phase = phase;
      s.observedGeneration = generation;
      s.startedAt = s.startedAt == null ? Time.format(now) : s.startedAt;
      s.completedAt = Time.format(now);
      if (phase == Phase.Completed) {
        s.step = Step.Done.name();
      }
      Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED,
          phase == Phase.Completed ? Conditions.TRUE : Conditions.FALSE, reason, message, generation, now);
    });
    records.event(record, eventType, phase == Phase.Completed ? "TeardownCompleted" : reason, message);
    if (phase == Phase.Completed) {
      log.info("teardown {}/{}: {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), message);
    } else {
      log.warn("teardown {}/{} {} ({}): {}", record.getMetadata().getNamespace(), record.getMetadata().getName(), phase,
          reason, message);
    }
  }

  /** Purpose changes only the words (events, logs, messages). */
  private record Wording(String starting, String done) {}

  private static Wording wording(HostedClusterTeardown record) {
    return record.getSpec().purpose == Purpose.RolledBack
        ? new Wording("Removing the rolled-back migration's copy of ", "Removed the rolled-back migration's copy of ")
        : new Wording("Removing the migrated source control plane of ", "Removed the migrated source control plane of ");
  }
}
