package io.flotilla.agent.schedule;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.agent.work.AgentWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the cluster's backup schedule on the spoke, with or without the hub. Every tick it asks {@link SchedulePlanner}
 * what is due (its javadoc has the catch-up rule: after downtime, one run for the most recent missed time, at start),
 * creates the run's HostedClusterBackup in the agent's namespace on the spoke (name from the run, policy label,
 * scheduled-time annotation), records the run's time in the local schedule copy, and takes the backup on a bounded
 * pool, never two of one hosted cluster at once. {@link RecordForwarder} brings the records to the hub.
 *
 * <p>Order per run: record first, then its time. A crash between the two leaves a record the next start finds; a
 * crash after both never repeats the run. At start, records an earlier process left unfinished are marked Failed
 * ({@code AgentRestarted}) and their times counted as run: a scheduled time gets at most one record.
 */
public final class ScheduleRunner implements AutoCloseable {
  /** Takes one scheduled backup; the production one is BackupExecutor bound to the spoke's records. */
  public interface BackupStep {
    /** Runs the backup {@code record} describes to Completed or Failed, writing its status; never throws for a failed backup. */
    void take(HostedClusterBackup record);

    /** Marks a record Failed with a reason (for runs an earlier agent process left unfinished). */
    void fail(HostedClusterBackup record, String reason, String message);
  }

  private static final Logger log = LoggerFactory.getLogger(ScheduleRunner.class);

  private final KubernetesClient local;
  private final String namespace;
  private final ScheduleCache cache;
  private final BackupStep step;
  private final Duration tick;
  private final Clock clock;
  private final SchedulePlanner planner = new SchedulePlanner();
  private final Set<NamespacedName> busy = ConcurrentHashMap.newKeySet();
  private final Set<String> reported = new HashSet<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService ticker;
  private final AgentWork work;
  private Map<String, Instant> lastRuns;
  /** What the spoke's copy holds, so a failed save is tried again on the next tick. */
  private Map<String, Instant> saved;

  /**
   * @param namespace   the agent's namespace on the spoke, where scheduled records are created
   * @param concurrency scheduled backups running at once on this cluster
   * @param tick        how often the schedule is checked (1 s suits six-field schedules with seconds)
   */
  public ScheduleRunner(KubernetesClient local, String namespace, ScheduleCache cache, BackupStep step,
      int concurrency, Duration tick, Clock clock) {
    this(local, namespace, cache, step, concurrency, tick, clock, AgentWork.create());
  }

  /** @param work the agent's stop signal and grace budget, which {@link #close()} uses */
  public ScheduleRunner(KubernetesClient local, String namespace, ScheduleCache cache, BackupStep step,
      int concurrency, Duration tick, Clock clock, AgentWork work) {
    this.work = Objects.requireNonNull(work, "work");
    this.local = Objects.requireNonNull(local, "local");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.step = Objects.requireNonNull(step, "step");
    this.tick = Objects.requireNonNull(tick, "tick");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.workers = Executors.newFixedThreadPool(concurrency, daemon("scheduled-backup"));
    this.ticker = Executors.newSingleThreadScheduledExecutor(daemon("backup-schedule"));
  }

  /** Settles what an earlier process left, then ticks until closed. */
  public synchronized void start() {
    recover();
    ticker.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        log.warn("backup schedule tick failed: {}", e.getMessage());
      }
    }, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Hosted clusters with a scheduled backup queued or running. */
  public Set<NamespacedName> busy() {
    return Set.copyOf(busy);
  }

  /**
   * Unfinished scheduled records from an earlier process: Failed, and their times counted as run. Visible for tests.
   * The executor's journal (resume, tidy the bucket) must have run before, so these are only the records it did not
   * settle: created but never started, or started without a journal entry yet.
   */
  synchronized void recover() {
    saved = Map.copyOf(cache.lastRuns());
    lastRuns = new LinkedHashMap<>(saved);
    boolean changed = false;
    for (HostedClusterBackup b : scheduledRecords()) {
      Instant at = ScheduledRun.scheduledTimeOf(b);
      if (at == null || b.getSpec().hostedCluster == null) {
        continue;
      }
      String key = SchedulePlanner.key(b.getSpec().policy, b.getSpec().hostedCluster);
      Instant last = lastRuns.get(key);
      if (last == null || at.isAfter(last)) {
        lastRuns.put(key, at);
        changed = true;
      }
      Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
      if (phase != Phase.Completed && phase != Phase.Failed) {
        step.fail(b, BackupFailure.AGENT_RESTARTED, "The agent stopped before this scheduled backup finished; the "
            + "next scheduled time runs as usual");
      }
    }
    if (changed) {
      save();
    }
  }

  private void save() {
    try {
      cache.saveLastRuns(lastRuns);
      saved = Map.copyOf(lastRuns);
    } catch (RuntimeException e) {
      log.warn("could not save the last-run times on this cluster, retrying next tick: {}", e.getMessage());
    }
  }

  /** One look at the schedule: start what is due. Visible for tests (with a fixed clock). */
  public synchronized void tick() {
    if (lastRuns == null) {
      saved = Map.copyOf(cache.lastRuns());
      lastRuns = new LinkedHashMap<>(saved);
    }
    if (!cache.ready()) {
      return; // neither the hub nor a local copy has answered: nothing to run, and nothing to forget
    }
    Instant now = clock.instant();
    SchedulePlanner.Plan plan = planner.plan(cache.schedule(), lastRuns, busy, now);
    for (String problem : plan.problems()) {
      if (reported.add(problem)) {
        log.warn("backup schedule: {}", problem);
      }
    }
    Map<String, Instant> next = new LinkedHashMap<>(plan.lastRuns());
    for (ScheduledRun run : plan.runs()) {
      HostedClusterBackup record;
      try {
        record = create(run);
      } catch (KubernetesClientException e) {
        log.warn("scheduled backup {} of {}: cannot create its record on this cluster, retrying next tick: {}",
            run.recordName(), run.hostedCluster(), e.getMessage());
        continue;
      }
      next.put(run.key(), run.scheduledTime());
      if (record != null) {
        submit(run, record);
      }
    }
    lastRuns = next;
    if (!lastRuns.equals(saved)) {
      save();
    }
  }

  /** The run's record, or null when it exists already (an earlier process created it; it is not run twice). */
  private HostedClusterBackup create(ScheduledRun run) {
    try {
      return local.resource(run.record(namespace)).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        log.info("scheduled backup {} exists already; not running it again", run.recordName());
        return null;
      }
      throw e;
    }
  }

  private void submit(ScheduledRun run, HostedClusterBackup record) {
    NamespacedName hc = run.hostedCluster();
    busy.add(hc);
    log.info("scheduled backup {} of {} (policy {}, time {}) starting", run.recordName(), hc, run.policy(),
        run.scheduledTime());
    try {
      workers.execute(() -> {
        try {
          step.take(record);
        } catch (RuntimeException e) {
          log.warn("scheduled backup {} failed: {}", run.recordName(), e.toString());
        } finally {
          busy.remove(hc);
        }
      });
    } catch (RejectedExecutionException e) {
      busy.remove(hc); // closing
    }
  }

  private List<HostedClusterBackup> scheduledRecords() {
    return local.resources(HostedClusterBackup.class).inNamespace(namespace).list().getItems().stream()
        .filter(b -> ScheduledRun.scheduledTimeOf(b) != null).toList();
  }

  /**
   * Stops ticking, then stops running backups the agent's way ({@link AgentWork#drain}): each finishes, or resumes its
   * hosted cluster, aborts its upload and marks itself Failed ({@code AgentStopped}).
   */
  @Override
  public void close() {
    AgentWork.finishThenStop(ticker, Duration.ofSeconds(5));
    work.drain(workers, "scheduled backups", busy);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
