package io.flotilla.hub.dr.migration;

import static io.flotilla.hub.dr.migration.MigrationFacts.agentSays;
import static io.flotilla.hub.dr.migration.MigrationFacts.taken;
import static io.flotilla.hub.dr.migration.MigrationFacts.text;

import io.flotilla.common.Conditions;
import io.flotilla.common.Durations;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec.FailurePolicy;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownSpec.Purpose;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.hub.dr.migration.MigrationFacts.Fact;
import io.flotilla.hub.dr.migration.MigrationFacts.State;
import io.flotilla.hub.dr.migration.MigrationInput.Hold;
import io.flotilla.hub.dr.migration.MigrationInput.Teardown;
import io.flotilla.hub.dr.migration.MigrationPlan.Action;
import io.flotilla.hub.dr.migration.MigrationPlan.Event;
import io.flotilla.hub.dr.migration.MigrationPlan.Recheck;
import io.flotilla.hub.dr.migration.MigrationValidation.Problem;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides the next move of one HostedClusterMigration (docs/architecture.md, flow 4) from what is on the hub, with nothing
 * remembered between passes: the same input gives the same plan, so a pass after a crash repeats, never doubles, what
 * the crashed pass did (records have deterministic names, and a record that exists is observed, not created again).
 *
 * <p>A migration: {@value #PAUSE_SOURCE} (a HostedClusterPause holds the source) → {@value #BACK_UP_SOURCE} →
 * {@value #RESTORE_ON_DESTINATION} → {@value #VERIFY} (the restored etcd's revision and key count equal the
 * backup's) → {@value #POINT_OF_NO_RETURN} (written to status before anything irreversible happens) →
 * {@value #TEAR_DOWN_SOURCE} (without touching workers) → Succeeded. A fail-over (spec.source.lost, the cluster
 * declared lost) skips the source's steps and restores the newest Completed backup.
 *
 * <p>On an OCM hub a hosted cluster imported as a ManagedCluster of its own meets ACM on the way (docs/ocm-facts.md
 * §I4.3): the hypershift-addon deletes that ManagedCluster with the source and imports it again from the destination.
 * The migration then ends with {@value #MANAGED_CLUSTER_REIMPORTED}, which waits (up to {@code reimportTimeout}) for
 * a ManagedCluster of the hosted cluster's name to be Available with the destination as its hosting cluster. A timeout
 * is recorded (the step Skipped, condition ManagedClusterReimported=False, reason {@value #TIMEOUT}) and the migration
 * succeeds all the same: the hosted cluster runs on the destination; only ACM's view of it lags.
 *
 * <p>Before the point of no return a failure waits for an operator (failurePolicy Manual) or rolls back
 * (AutoRollback), and spec.rollback rolls back: {@value #REMOVE_DESTINATION_COPY} (if a restore was created) →
 * {@value #RESUME_SOURCE} (the hold is released: every value it changed is put back). After it, rollback is refused.
 * A teardown that halts because its workers' preservation could not be verified waits for an operator, who fixes the
 * preservation and deletes the halted record; the next pass creates it again.
 *
 * <p>At most {@code maxConcurrentRestores} migrations hold a restore slot on one destination at a time; the others
 * stay Pending (Queued) in creation order. A migration holds its slot from its start until its restore finished.
 *
 * <p>A pass plans from {@link MigrationValidation} (may a migration that has not started start?) and
 * {@link MigrationFacts} (what its records say about each step); this class turns them into actions and the status,
 * and names the steps and condition reasons that status carries.
 */
public final class MigrationPlanner {
  public static final String PAUSE_SOURCE = "PauseSource";
  public static final String BACK_UP_SOURCE = "BackUpSource";
  public static final String RESTORE_ON_DESTINATION = "RestoreOnDestination";
  public static final String VERIFY = "Verify";
  public static final String POINT_OF_NO_RETURN = "PointOfNoReturn";
  public static final String TEAR_DOWN_SOURCE = "TearDownSource";
  public static final String REMOVE_DESTINATION_COPY = "RemoveDestinationCopy";
  public static final String RESUME_SOURCE = "ResumeSource";
  public static final String MANAGED_CLUSTER_REIMPORTED = HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED;

  /**
   * Succeeded=False reasons for bad input ({@link MigrationValidation}): phase Failed, nothing created; re-checked
   * until the migration starts.
   */
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String CLUSTER_NOT_FOUND = "ClusterNotFound";
  public static final String BACKUP_STORE_NOT_FOUND = "BackupStoreNotFound";
  public static final String SOURCE_NOT_DECLARED_LOST = "SourceNotDeclaredLost";
  public static final String SOURCE_LOST = "SourceLost";
  public static final String DESTINATION_LOST = "DestinationLost";
  public static final String RECORD_NAME_TAKEN = "RecordNameTaken";

  /** Other condition reasons. */
  public static final String IN_PROGRESS = "InProgress";
  public static final String SUCCEEDED = "Succeeded";
  public static final String ROLLING_BACK = "RollingBack";
  public static final String ROLLED_BACK = "RolledBack";
  public static final String QUEUED = "Queued";
  public static final String WAITING_FOR_RESTORE_SLOT = "WaitingForRestoreSlot";
  public static final String STARTED = "Started";
  public static final String NOT_STARTED = "NotStarted";
  public static final String NOT_REACHED = "NotReached";
  public static final String POINT_OF_NO_RETURN_PASSED = "PointOfNoReturnPassed";
  public static final String NOT_WAITING = "NotWaiting";
  public static final String ROLLBACK_NOT_REQUESTED = "RollbackNotRequested";
  public static final String TEARDOWN_RUNNING = "TeardownRunning";
  /** ManagedClusterReimported reasons. */
  public static final String REIMPORTED = "Reimported";
  public static final String WAITING_FOR_REIMPORT = "WaitingForReimport";
  public static final String TIMEOUT = "Timeout";

  /** The BackupStore a migration without spec.store backs up to, if it exists. */
  public static final String DEFAULT_STORE = "default";
  public static final int DEFAULT_MAX_CONCURRENT_RESTORES = 2;
  /** How long a migration waits for its hosted cluster's ManagedCluster to come back from the destination. */
  public static final Duration DEFAULT_REIMPORT_TIMEOUT = Duration.ofMinutes(10);

  private static final Set<Phase> STARTED_PHASES =
      java.util.EnumSet.of(Phase.Running, Phase.WaitingForOperator, Phase.RollingBack);

  private final int maxConcurrentRestores;
  private final Duration reimportTimeout;

  public MigrationPlanner() {
    this(DEFAULT_MAX_CONCURRENT_RESTORES);
  }

  /** @param maxConcurrentRestores how many migrations may hold a restore slot on one destination at once (≥ 1) */
  public MigrationPlanner(int maxConcurrentRestores) {
    this(maxConcurrentRestores, DEFAULT_REIMPORT_TIMEOUT);
  }

  /** @param reimportTimeout how long {@value #MANAGED_CLUSTER_REIMPORTED} waits before it records a timeout */
  public MigrationPlanner(int maxConcurrentRestores, Duration reimportTimeout) {
    if (maxConcurrentRestores < 1) {
      throw new IllegalArgumentException("maxConcurrentRestores must be at least 1, not " + maxConcurrentRestores);
    }
    if (reimportTimeout == null || reimportTimeout.isNegative() || reimportTimeout.isZero()) {
      throw new IllegalArgumentException("reimportTimeout must be positive, not " + reimportTimeout);
    }
    this.maxConcurrentRestores = maxConcurrentRestores;
    this.reimportTimeout = reimportTimeout;
  }

  public int maxConcurrentRestores() { return maxConcurrentRestores; }

  public MigrationPlan plan(MigrationInput in) {
    return new Pass(in).plan();
  }

  /**
   * True while a migration occupies a restore slot on its destination: its restore runs, or it runs and its restore
   * is still to come (a migration that started holds its slot through pause and backup, so its source is never held
   * paused while it waits for a slot).
   */
  public static boolean holdsRestoreSlot(HostedClusterMigrationStatus s) {
    if (s == null || s.steps == null) {
      return false;
    }
    StepPhase restore = s.steps.stream().filter(st -> RESTORE_ON_DESTINATION.equals(st.name)).findFirst()
        .map(st -> st.phase).orElse(null);
    return restore == StepPhase.InProgress
        || (s.phase == Phase.Running && (restore == null || restore == StepPhase.Pending));
  }

  /** True for a migration that has not started and may start: it takes its turn for a restore slot. */
  public static boolean waitsForSlot(HostedClusterMigrationStatus s) {
    return s == null || s.phase == null || s.phase == Phase.Pending;
  }

  /** One planning pass over one input. */
  private final class Pass {
    private final MigrationInput in;
    private final HostedClusterMigrationSpec spec;
    private final MigrationInput.Records records;
    private final MigrationStatusAggregator status;
    private final MigrationFacts facts;
    private final List<Action> actions = new ArrayList<>();
    private final boolean failover;
    private final String source;
    private final String destination;
    private final NamespacedName hostedCluster;
    private final MigrationRecords names;
    private final String nowText;
    private String store;

    Pass(MigrationInput in) {
      this.in = in;
      this.spec = in.spec();
      this.records = in.records();
      this.status = new MigrationStatusAggregator(in.status(), in.generation(), in.now());
      this.facts = new MigrationFacts(in);
      this.failover = in.failover();
      this.source = in.source();
      this.destination = in.destination();
      this.hostedCluster = spec.hostedCluster;
      this.names = in.names();
      this.nowText = Time.format(in.now());
    }

    private HostedClusterMigrationStatus old() { return status.old(); }

    MigrationPlan plan() {
      if (old().phase == Phase.Succeeded) {
        return succeededAlready();
      }
      if (old().phase == Phase.RolledBack) {
        return rolledBackAlready();
      }
      if (!started()) {
        Optional<Problem> problem = MigrationValidation.problem(in);
        if (problem.isPresent()) {
          return invalid(problem.get());
        }
        store = MigrationValidation.store(in).orElseThrow();
        int ahead = in.restoringOnDestination() + in.queuedAhead();
        // a queued migration asked to roll back has nothing to undo: it ends without waiting for a slot
        if (ahead >= maxConcurrentRestores && !Boolean.TRUE.equals(spec.rollback)) {
          return queued(ahead);
        }
      } else {
        store = old().store != null ? old().store : MigrationValidation.store(in).orElse(spec.store);
      }

      Fact pause = facts.pause();
      Fact backup = facts.backup(store);
      Fact restore = facts.restore();
      Fact verify = facts.verify(restore);
      if (old().pointOfNoReturnTime != null || records.sourceTeardown() != null) {
        return afterPointOfNoReturn(pause, backup, restore, verify, false);
      }
      String failedStep = pause.state() == State.FAILED ? PAUSE_SOURCE
          : backup.state() == State.FAILED ? BACK_UP_SOURCE
          : restore.state() == State.FAILED ? RESTORE_ON_DESTINATION
          : verify.state() == State.FAILED ? VERIFY : null;
      Fact failure = failedStep == null ? null : switch (failedStep) {
        case PAUSE_SOURCE -> pause;
        case BACK_UP_SOURCE -> backup;
        case RESTORE_ON_DESTINATION -> restore;
        default -> verify;
      };
      boolean rollBack = old().phase == Phase.RollingBack
          || records.copyTeardown() != null
          || (records.hold() != null && records.hold().releaseRequested())
          || Boolean.TRUE.equals(spec.rollback)
          || (failure != null && spec.failurePolicy == FailurePolicy.AutoRollback);
      if (rollBack) {
        return rollBack(pause, backup, restore, verify, failedStep, failure);
      }
      if (failure != null) {
        return waitForOperator(pause, backup, restore, verify, failedStep, failure);
      }
      return forward(pause, backup, restore, verify);
    }

    // ---- before anything exists

    /** Started: the status says so, or records exist (a pass created them and crashed before writing status). */
    boolean started() {
      return STARTED_PHASES.contains(old().phase) || records.any()
          || (old().steps != null && old().steps.stream().anyMatch(s -> s.record != null));
    }

    MigrationPlan invalid(Problem problem) {
      plannedSteps("not started: " + problem.reason());
      status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, problem.reason(),
          problem.message());
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.FALSE, NOT_STARTED,
          "not started: " + problem.reason());
      notWaiting();
      pointOfNoReturnNotReached();
      List<Event> events = new ArrayList<>();
      if (status.changedTo(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE)) {
        events.add(new Event(Event.WARNING, problem.reason(), problem.message()));
      }
      return new MigrationPlan(actions, build(null, orNow(old().completedAt), null, null), events, Recheck.NONE);
    }

    MigrationPlan queued(int ahead) {
      plannedSteps("waiting for a restore slot on " + destination);
      String message = ahead + " migration" + (ahead == 1 ? "" : "s") + " ahead of this one on " + destination + " ("
          + in.restoringOnDestination() + " restoring, " + in.queuedAhead() + " queued earlier); at most "
          + maxConcurrentRestores + " restore there at once";
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.TRUE, WAITING_FOR_RESTORE_SLOT, message);
      status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, QUEUED, "queued: " + message);
      notWaiting();
      pointOfNoReturnNotReached();
      List<Event> events = new ArrayList<>();
      if (status.changedTo(HostedClusterMigration.CONDITION_QUEUED, Conditions.TRUE)) {
        events.add(new Event(Event.NORMAL, QUEUED, message));
      }
      return new MigrationPlan(actions, build(null, null, null, null), events, Recheck.PERIODIC);
    }

    /** The steps of a migration that has not started, all Pending (Skipped where they do not apply). */
    void plannedSteps(String message) {
      boolean lost = failover;
      String sourceMessage = lost ? facts.sourceLostSkip() : message;
      status.step(PAUSE_SOURCE, lost ? StepPhase.Skipped : StepPhase.Pending, sourceMessage, null);
      status.step(BACK_UP_SOURCE, lost ? StepPhase.Skipped : StepPhase.Pending, sourceMessage, null);
      status.step(RESTORE_ON_DESTINATION, StepPhase.Pending, message, null);
      status.step(VERIFY, StepPhase.Pending, message, null);
      status.step(POINT_OF_NO_RETURN, StepPhase.Pending, message, null);
      status.step(TEAR_DOWN_SOURCE, lost ? StepPhase.Skipped : StepPhase.Pending,
          lost ? "the source cluster is lost: there is nothing to tear down" : message, null);
      reimportPending(message);
    }

    // ---- the way forward, before the point of no return

    MigrationPlan forward(Fact pause, Fact backup, Fact restore, Fact verify) {
      if (verify.state() == State.DONE) {
        return afterPointOfNoReturn(pause, backup, restore, verify, true);
      }
      boolean go = true;
      go = forwardStep(PAUSE_SOURCE, pause, go, () ->
          new MigrationPlan.CreateHold(source, names.holdName(), hostedCluster),
          "holding " + hostedCluster + " on " + source);
      go = forwardStep(BACK_UP_SOURCE, backup, go, () ->
          new MigrationPlan.CreateBackup(source, names.backupName(), hostedCluster, store),
          "backing up the held source to store " + store);
      forwardStep(RESTORE_ON_DESTINATION, restore, go, () ->
          new MigrationPlan.CreateRestore(destination, names.restoreName(),
              failover ? null : new NamespacedName(source, names.backupName()), hostedCluster, store),
          "restoring " + hostedCluster + " on " + destination);
      status.step(VERIFY, StepPhase.Pending, null, null);
      status.step(POINT_OF_NO_RETURN, StepPhase.Pending, null, null);
      teardownPending();
      reimportPending(null);
      status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, IN_PROGRESS,
          currentStepMessage());
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.FALSE, STARTED, "started " + startedAt());
      notWaiting();
      pointOfNoReturnNotReached();
      rollbackNotRefused();
      return new MigrationPlan(actions, build(startedAt(), null, null, null), List.of(), Recheck.PERIODIC);
    }

    /**
     * Renders one forward step; creates its record if it has none and the steps before it are done.
     *
     * @return whether the next step may go
     */
    boolean forwardStep(String name, Fact fact, boolean go, Supplier<Action> create, String creating) {
      String record = fact.record();
      switch (fact.state()) {
        case SKIPPED -> {
          status.step(name, StepPhase.Skipped, fact.message(), null);
          return go;
        }
        case DONE -> {
          status.step(name, StepPhase.Succeeded, fact.message(), record);
          return go;
        }
        case RUNNING -> {
          status.step(name, StepPhase.InProgress, fact.message(), record);
          return false;
        }
        case FAILED -> {
          status.step(name, StepPhase.Failed, fact.message(), record);
          return false;
        }
        default -> {
          if (go) {
            Action a = create.get();
            actions.add(a);
            status.step(name, StepPhase.InProgress, creating, a.record());
          } else {
            status.step(name, StepPhase.Pending, null, null);
          }
          return false;
        }
      }
    }

    /** Verified: the point of no return. It is written to status before the source teardown is created. */
    MigrationPlan afterPointOfNoReturn(Fact pause, Fact backup, Fact restore, Fact verify, boolean passingNow) {
      String ponrTime = passingNow ? nowText : orNow(old().pointOfNoReturnTime);
      Optional<Step> oldVerify = status.oldStep(VERIFY).filter(s -> s.phase == StepPhase.Succeeded);
      if (old().pointOfNoReturnTime != null && status.oldStep(POINT_OF_NO_RETURN).isPresent()) {
        // what happened before the point of no return is history now; records may come and go
        for (String name : List.of(PAUSE_SOURCE, BACK_UP_SOURCE, RESTORE_ON_DESTINATION, VERIFY, POINT_OF_NO_RETURN)) {
          status.oldStep(name).ifPresent(status::keep);
        }
      } else {
        status.step(PAUSE_SOURCE, phaseOf(pause), pause.message(), pause.record());
        status.step(BACK_UP_SOURCE, phaseOf(backup), backup.message(), backup.record());
        status.step(RESTORE_ON_DESTINATION, phaseOf(restore), restore.message(), restore.record());
        status.step(VERIFY, verify.state() == State.NOT_STARTED ? StepPhase.Succeeded : phaseOf(verify),
            verify.message() == null ? "the source teardown started before this status was written" : verify.message(),
            null);
        status.step(POINT_OF_NO_RETURN, StepPhase.Succeeded, "passed at " + ponrTime + ": the destination is "
            + "verified; rollback is no longer possible", null);
      }
      String verifiedAt = oldVerify.map(s -> s.completedAt).orElse(nowText);
      String recoveryTime = old().recoveryTime != null ? old().recoveryTime : recoveryTime(verifiedAt);
      String backupName = failover ? (records.restore() == null ? old().backupName : records.restore().sourceBackup())
          : names.backupName();

      status.condition(HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN, Conditions.TRUE,
          POINT_OF_NO_RETURN_PASSED, "passed at " + ponrTime + ": " + hostedCluster + " is verified on " + destination
              + (failover ? "" : "; the source is torn down next") + ". Rollback is no longer possible");
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.FALSE, STARTED, "started " + startedAt());
      if (Boolean.TRUE.equals(spec.rollback)) {
        status.condition(HostedClusterMigration.CONDITION_ROLLBACK_REFUSED, Conditions.TRUE,
            POINT_OF_NO_RETURN_PASSED, "rollback refused: the point of no return was passed at " + ponrTime
                + (failover ? "" : " and the source is being torn down, so it cannot be resumed")
                + "; the migration carries on. To undo it, migrate " + hostedCluster + " back from " + destination);
      } else {
        rollbackNotRefused();
      }

      boolean tornDown;
      boolean recheckNow = false;
      Teardown t = records.sourceTeardown();
      String waiting = null;
      String waitingReason = null;
      if (failover) {
        status.step(TEAR_DOWN_SOURCE, StepPhase.Skipped, "the source cluster is lost: there is nothing to tear down",
            null);
        tornDown = true;
      } else if (passingNow) {
        status.step(TEAR_DOWN_SOURCE, StepPhase.Pending, "starts once the point of no return is on record", null);
        tornDown = false;
        recheckNow = true;
      } else {
        TeardownView v = teardown(TEAR_DOWN_SOURCE, t, names.sourceTeardown(), source, names.sourceTeardownName(),
            Purpose.Migrated, null, "tearing down " + hostedCluster + " on " + source + " without touching its workers");
        tornDown = v.done();
        waiting = v.waiting();
        waitingReason = v.waitingReason();
      }
      if (tornDown && records.hold() != null && !records.hold().deleting()) {
        // its hosted cluster is gone; deleting the record lets the agent drop its finalizer
        actions.add(new MigrationPlan.DeleteHold(source, names.holdName()));
      }
      Optional<String> reimport = reimport(tornDown);
      boolean done = tornDown && reimport.isPresent();
      if (done) {
        status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.TRUE, SUCCEEDED, hostedCluster
            + " runs on " + destination + (failover ? " (failed over from lost " + source + ")"
            : "; the source on " + source + " is torn down") + "; recovery time " + recoveryTime + reimport.get());
        notWaiting();
      } else {
        status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, IN_PROGRESS,
            waiting != null ? waiting : currentStepMessage());
        if (waiting != null) {
          status.condition(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR, Conditions.TRUE, waitingReason,
              waiting);
        } else {
          notWaiting();
        }
      }
      HostedClusterMigrationStatus s = build(startedAt(), done ? orNow(old().completedAt) : null, ponrTime,
          backupName);
      s.recoveryTime = recoveryTime;
      // a finished migration that deleted its hold looks once more, to see the hold gone
      Recheck recheck = recheckNow ? Recheck.NOW : done && actions.isEmpty() ? Recheck.NONE : Recheck.PERIODIC;
      return new MigrationPlan(actions, s, transitionEvents(), recheck);
    }

    // ---- a failure before the point of no return, failurePolicy Manual

    MigrationPlan waitForOperator(Fact pause, Fact backup, Fact restore, Fact verify, String failedStep,
                                  Fact failure) {
      renderForwardAsIs(pause, backup, restore, verify, StepPhase.Pending, null);
      status.step(POINT_OF_NO_RETURN, StepPhase.Pending, "not reached: " + failedStep + " failed", null);
      teardownPending();
      reimportPending(null);
      String message = failedStep + " failed: " + failure.message() + ". The point of no return is not passed: roll "
          + "back with `flotilla migrate rollback " + in.name() + "` or set spec.rollback: true (the destination copy "
          + "is removed without touching workers, and the source resumes exactly as it was)";
      status.condition(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR, Conditions.TRUE, failedStep, message);
      status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, IN_PROGRESS, message);
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.FALSE, STARTED, "started " + startedAt());
      pointOfNoReturnNotReached();
      rollbackNotRefused();
      return new MigrationPlan(actions, build(startedAt(), null, null, null), transitionEvents(), Recheck.PERIODIC);
    }

    // ---- rollback, before the point of no return

    MigrationPlan rollBack(Fact pause, Fact backup, Fact restore, Fact verify, String failedStep, Fact failure) {
      renderForwardAsIs(pause, backup, restore, verify, StepPhase.Skipped, "not run: the migration rolls back");
      status.step(POINT_OF_NO_RETURN, StepPhase.Skipped, "not reached: the migration rolls back", null);
      status.step(TEAR_DOWN_SOURCE, StepPhase.Skipped, "not run: the migration rolls back", null);
      if (reimportApplies()) {
        status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.Skipped, "not run: the migration rolls back; the source"
            + " keeps its ManagedCluster", null);
      }
      String why = Boolean.TRUE.equals(spec.rollback) ? "requested (spec.rollback)"
          : failure != null && spec.failurePolicy == FailurePolicy.AutoRollback
              ? "failurePolicy AutoRollback after " + failedStep + " failed: " + failure.message()
          : "in progress";

      // 1. remove the destination copy, once no restore runs there
      String waiting = null;
      String waitingReason = null;
      boolean copyRemoved;
      boolean restoreCreated = records.restore() != null || facts.wasCreated(RESTORE_ON_DESTINATION);
      if (!restoreCreated) {
        status.step(REMOVE_DESTINATION_COPY, StepPhase.Skipped, "no restore was created on " + destination, null);
        copyRemoved = true;
      } else if (Boolean.TRUE.equals(in.clusters().get(destination))) {
        status.step(REMOVE_DESTINATION_COPY, StepPhase.Skipped, "the destination " + destination + " is declared "
            + "lost; if it returns, remove its copy by hand first (docs/runbooks/failover.md step 3)", null);
        copyRemoved = true;
      } else if (restore.state() == State.RUNNING) {
        status.step(REMOVE_DESTINATION_COPY, StepPhase.Pending, "waiting for the restore " + names.restore()
            + " to finish before removing what it created", null);
        copyRemoved = false;
      } else {
        // only what this migration's restore created: a hosted cluster of that name it did not create stays
        TeardownView v = teardown(REMOVE_DESTINATION_COPY, records.copyTeardown(), names.copyTeardown(), destination,
            names.copyTeardownName(), Purpose.RolledBack, new NamespacedName(destination, names.restoreName()),
            "removing the copy of " + hostedCluster + " on "
                + destination + " without touching its workers");
        copyRemoved = v.done();
        waiting = v.waiting();
        waitingReason = v.waitingReason();
      }

      // 2. resume the source exactly as it was
      boolean resumed = false;
      boolean holdCreated = records.hold() != null || facts.wasCreated(PAUSE_SOURCE);
      Hold h = records.hold();
      if (failover) {
        status.step(RESUME_SOURCE, StepPhase.Skipped, facts.sourceLostSkip(), null);
        resumed = true;
      } else if (!holdCreated) {
        status.step(RESUME_SOURCE, StepPhase.Skipped, "the source was never held", null);
        resumed = true;
      } else if (!copyRemoved) {
        status.step(RESUME_SOURCE, StepPhase.Pending, "after " + REMOVE_DESTINATION_COPY, null);
      } else if (backup.state() == State.RUNNING) {
        // the backup keeps what the hold changed as it found it; releasing under it would be undone by its resume
        status.step(RESUME_SOURCE, StepPhase.Pending, "waiting for the backup " + names.backup()
            + " to finish before releasing the source", null);
      } else if (h == null) {
        status.step(RESUME_SOURCE, StepPhase.Succeeded, "the HostedClusterPause " + names.hold() + " was deleted; "
            + "its agent released the source when it was", names.hold());
        resumed = true;
      } else if (h.released()) {
        status.step(RESUME_SOURCE, StepPhase.Succeeded, "the source runs on " + source + " as it did before the "
            + "migration" + agentSays(h.message()), names.hold());
        resumed = true;
      } else if (!h.releaseRequested()) {
        actions.add(new MigrationPlan.ReleaseHold(source, names.holdName()));
        status.step(RESUME_SOURCE, StepPhase.InProgress, "releasing " + names.hold() + ": every value it changed is "
            + "put back", names.hold());
      } else if (h.releaseFailed()) {
        String message = "releasing the source failed: " + text(h.message());
        status.step(RESUME_SOURCE, StepPhase.Failed, message, names.hold());
        waiting = message + ". The agent of " + source + " tries again when the record changes or it restarts; "
            + "otherwise put back what status.saved of the HostedClusterPause " + names.hold() + " lists "
            + "(docs/runbooks/rollback.md step 2), then delete that record";
        waitingReason = RESUME_SOURCE;
      } else {
        status.step(RESUME_SOURCE, StepPhase.InProgress, "releasing " + names.hold() + agentSays(h.message()),
            names.hold());
      }

      boolean done = copyRemoved && resumed;
      if (done) {
        status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.TRUE, ROLLED_BACK, "rolled back ("
            + why + "): " + (failover ? "the destination copy is removed" : hostedCluster + " runs on " + source
            + " as before") + "; the backup " + (records.backup() != null ? names.backup() + " is kept" : "was not "
            + "taken"));
      } else {
        status.condition(HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.FALSE, ROLLING_BACK,
            "rolling back (" + why + ")");
      }
      if (waiting != null) {
        status.condition(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR, Conditions.TRUE, waitingReason,
            waiting);
      } else {
        notWaiting();
      }
      status.condition(HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN, Conditions.FALSE, ROLLED_BACK,
          "not passed: the migration " + (done ? "rolled back" : "rolls back"));
      status.condition(HostedClusterMigration.CONDITION_QUEUED, Conditions.FALSE, STARTED, "started " + startedAt());
      rollbackNotRefused();
      HostedClusterMigrationStatus s = build(startedAt(), done ? orNow(old().completedAt) : null, null,
          records.backup() != null ? names.backupName() : old().backupName);
      return new MigrationPlan(actions, s, transitionEvents(), done ? Recheck.NONE : Recheck.PERIODIC);
    }

    // ---- a teardown, of the source or of the destination copy

    record TeardownView(boolean done, String waiting, String waitingReason) {}

    TeardownView teardown(String step, Teardown t, String record, String namespace, String name, Purpose purpose,
                          NamespacedName restoredBy, String creating) {
      String halted = HostedClusterMigration.CONDITION_TEARDOWN_HALTED;
      if (records.taken().contains(record)) {
        String message = taken("HostedClusterTeardown", record) + "; delete or rename it, and the hub creates its own";
        status.step(step, StepPhase.Failed, message, null);
        return new TeardownView(false, message, step);
      }
      if (t == null) {
        actions.add(new MigrationPlan.CreateTeardown(namespace, name, hostedCluster, purpose, restoredBy));
        status.step(step, StepPhase.InProgress, creating, record);
        status.clearIfPresent(halted, TEARDOWN_RUNNING, "the HostedClusterTeardown " + record + " was created again");
        return new TeardownView(false, null, null);
      }
      if (t.phase() == HostedClusterTeardownStatus.Phase.Completed) {
        status.step(step, StepPhase.Succeeded, (purpose == Purpose.Migrated ? "the source" : "the destination copy")
            + " is torn down; its workers were preserved", record);
        status.clearIfPresent(halted, TEARDOWN_RUNNING, "the teardown " + record + " completed");
        return new TeardownView(true, null, null);
      }
      if (t.phase() == HostedClusterTeardownStatus.Phase.Halted) {
        String cluster = namespace;
        String message = text(t.message()) + ". The teardown " + record + " halted before deleting anything: the "
            + "preservation of the workers could not be applied or verified. Fix it on " + cluster + " (the "
            + "annotations of docs/hypershift-facts.md §3, docs/runbooks/migrate.md step 1), then delete the "
            + "HostedClusterTeardown " + record + ": the hub creates it again and the teardown starts over";
        status.step(step, StepPhase.Failed, "halted: " + text(t.message()), record);
        status.condition(halted, Conditions.TRUE, HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED, message);
        return new TeardownView(false, message, step);
      }
      status.clearIfPresent(halted, TEARDOWN_RUNNING, "the teardown " + record + " runs");
      if (t.phase() == HostedClusterTeardownStatus.Phase.Failed) {
        String message = "the teardown " + record + " failed: " + text(t.message()) + ". Fix the cause on "
            + namespace + ", then delete the HostedClusterTeardown " + record + ": the hub creates it again";
        status.step(step, StepPhase.Failed, "failed: " + text(t.message()), record);
        return new TeardownView(false, message, step);
      }
      status.step(step, StepPhase.InProgress, creating + agentSays(t.message()), record);
      return new TeardownView(false, null, null);
    }

    // ---- after the end

    MigrationPlan succeededAlready() {
      keepOldSteps();
      String ponr = old().pointOfNoReturnTime;
      if (Boolean.TRUE.equals(spec.rollback)) {
        status.condition(HostedClusterMigration.CONDITION_ROLLBACK_REFUSED, Conditions.TRUE,
            POINT_OF_NO_RETURN_PASSED, "rollback refused: the migration succeeded and its point of no return was "
                + "passed at " + ponr + ". To undo it, migrate " + hostedCluster + " back from " + destination);
      } else {
        rollbackNotRefused();
      }
      if (!failover && records.hold() != null && !records.hold().deleting()) {
        actions.add(new MigrationPlan.DeleteHold(source, names.holdName()));
      }
      HostedClusterMigrationStatus s = copyFields(status.build(fieldsOfOld()));
      boolean holdLingers = !failover && records.hold() != null;
      return new MigrationPlan(actions, s, transitionEvents(), holdLingers ? Recheck.PERIODIC : Recheck.NONE);
    }

    MigrationPlan rolledBackAlready() {
      keepOldSteps();
      return new MigrationPlan(actions, copyFields(status.build(fieldsOfOld())), List.of(), Recheck.NONE);
    }

    void keepOldSteps() {
      if (old().steps != null) {
        old().steps.forEach(status::keep);
      }
    }

    MigrationStatusAggregator.Fields fieldsOfOld() {
      HostedClusterMigrationStatus o = old();
      return new MigrationStatusAggregator.Fields(o.startedAt, o.completedAt, o.pointOfNoReturnTime, o.backupName,
          o.recoveryTime, o.store);
    }

    /** The phase of a finished migration stays as written, whatever its conditions say now. */
    HostedClusterMigrationStatus copyFields(HostedClusterMigrationStatus s) {
      s.phase = old().phase;
      return s;
    }

    // ---- helpers

    void renderForwardAsIs(Fact pause, Fact backup, Fact restore, Fact verify, StepPhase notStarted,
                           String notStartedMessage) {
      status.step(PAUSE_SOURCE, phaseOr(pause, notStarted), messageOr(pause, notStartedMessage), pause.record());
      status.step(BACK_UP_SOURCE, phaseOr(backup, notStarted), messageOr(backup, notStartedMessage), backup.record());
      status.step(RESTORE_ON_DESTINATION, phaseOr(restore, notStarted), messageOr(restore, notStartedMessage),
          restore.record());
      status.step(VERIFY, phaseOr(verify, notStarted), messageOr(verify, notStartedMessage), null);
    }

    void teardownPending() {
      if (failover) {
        status.step(TEAR_DOWN_SOURCE, StepPhase.Skipped, "the source cluster is lost: there is nothing to tear down",
            null);
      } else {
        status.step(TEAR_DOWN_SOURCE, StepPhase.Pending, null, null);
      }
    }

    // ---- ACM's view of the hosted cluster (docs/ocm-facts.md §I4.3)

    /**
     * True on an OCM hub when the hosted cluster has a ManagedCluster the hypershift-addon imported in Hosted mode from
     * the source (its hosting-cluster annotation names the source, or already the destination), or had one when an
     * earlier pass planned the step. Without OCM, or without such a ManagedCluster, there is no such step.
     */
    boolean reimportApplies() {
      MigrationInput.ManagedClusterState mc = in.managedCluster();
      if (mc == null) {
        return false;
      }
      if (status.oldStep(MANAGED_CLUSTER_REIMPORTED).isPresent()) {
        return true;
      }
      return mc.exists() && mc.hostingCluster() != null
          && (mc.hostingCluster().equals(source) || mc.hostingCluster().equals(destination));
    }

    void reimportPending(String message) {
      if (reimportApplies()) {
        status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.Pending, message, null);
      }
    }

    /**
     * Renders {@value #MANAGED_CLUSTER_REIMPORTED} once the source is torn down (or lost).
     *
     * @return empty while it waits; once settled, what the Succeeded message adds (empty text when the step does not
     *     apply)
     */
    Optional<String> reimport(boolean tornDown) {
      if (!reimportApplies()) {
        return Optional.of("");
      }
      MigrationInput.ManagedClusterState mc = in.managedCluster();
      String name = mc.name();
      String type = HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED;
      if (!tornDown) {
        status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.Pending, "after " + TEAR_DOWN_SOURCE + ": the"
            + " hypershift-addon deletes ManagedCluster " + name + " with the source and imports it from " + destination,
            null);
        return Optional.empty();
      }
      if (mc.exists() && mc.available() && destination.equals(mc.hostingCluster())) {
        String message = "ManagedCluster " + name + " is Available again, imported from " + destination;
        status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.Succeeded, message, null);
        status.condition(type, Conditions.TRUE, REIMPORTED, message);
        return Optional.of("; " + message);
      }
      String seen = !mc.exists() ? "it is not back yet"
          : mc.hostingCluster() == null ? "it names no hosting cluster"
          : !destination.equals(mc.hostingCluster()) ? "it still names " + mc.hostingCluster() + " as its hosting"
              + " cluster" + (failover ? " (the lost source's hypershift-addon has not deleted it)" : "")
          : "it is imported from " + destination + " but not Available yet";
      Instant since = status.oldStep(MANAGED_CLUSTER_REIMPORTED)
          .filter(st -> st.phase == StepPhase.InProgress && st.startedAt != null)
          .map(st -> Time.parse(st.startedAt)).orElse(in.now());
      if (!in.now().isBefore(since.plus(reimportTimeout))) {
        String message = "ManagedCluster " + name + " was not imported again from " + destination + " within "
            + Durations.format(reimportTimeout) + ": " + seen + ". The hosted cluster runs on " + destination
            + "; ACM's view of it lags (docs/runbooks/migrate.md)";
        status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.Skipped, "timed out after "
            + Durations.format(reimportTimeout) + ": " + seen, null);
        status.condition(type, Conditions.FALSE, TIMEOUT, message);
        return Optional.of("; ManagedCluster " + name + " was not imported again within "
            + Durations.format(reimportTimeout) + " (condition " + type + ")");
      }
      status.step(MANAGED_CLUSTER_REIMPORTED, StepPhase.InProgress, "waiting for ManagedCluster " + name + " to be"
          + " imported from " + destination + " and Available: " + seen, null);
      status.condition(type, Conditions.FALSE, WAITING_FOR_REIMPORT, "waiting up to "
          + Durations.format(reimportTimeout) + " for ManagedCluster " + name + " to be imported from " + destination
          + " and Available: " + seen);
      return Optional.empty();
    }

    void pointOfNoReturnNotReached() {
      status.condition(HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN, Conditions.FALSE, NOT_REACHED,
          "not passed: rollback is possible until the destination is verified");
    }

    void notWaiting() {
      status.condition(HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR, Conditions.FALSE, NOT_WAITING,
          "nothing waits for an operator");
    }

    void rollbackNotRefused() {
      status.clearIfPresent(HostedClusterMigration.CONDITION_ROLLBACK_REFUSED, ROLLBACK_NOT_REQUESTED,
          "spec.rollback is not set");
    }

    /** Events for the transitions an operator should see in `kubectl get events`. */
    List<Event> transitionEvents() {
      List<Event> events = new ArrayList<>();
      event(events, HostedClusterMigration.CONDITION_POINT_OF_NO_RETURN, Conditions.TRUE, Event.NORMAL);
      event(events, HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR, Conditions.TRUE, Event.WARNING);
      event(events, HostedClusterMigration.CONDITION_TEARDOWN_HALTED, Conditions.TRUE, Event.WARNING);
      event(events, HostedClusterMigration.CONDITION_ROLLBACK_REFUSED, Conditions.TRUE, Event.WARNING);
      event(events, HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED, Conditions.TRUE, Event.NORMAL);
      if (status.current(HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED)
          .filter(c -> TIMEOUT.equals(c.getReason())).isPresent()) {
        event(events, HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED, Conditions.FALSE, Event.WARNING);
      }
      event(events, HostedClusterMigration.CONDITION_SUCCEEDED, Conditions.TRUE, Event.NORMAL);
      return events;
    }

    void event(List<Event> events, String type, String conditionStatus, String eventType) {
      if (status.changedTo(type, conditionStatus)) {
        status.current(type).ifPresent(c -> events.add(new Event(eventType,
            HostedClusterMigration.CONDITION_SUCCEEDED.equals(type) ? c.getReason() : type, c.getMessage())));
      }
    }

    HostedClusterMigrationStatus build(String startedAt, String completedAt, String ponrTime, String backupName) {
      return status.build(new MigrationStatusAggregator.Fields(startedAt, completedAt, ponrTime,
          backupName != null ? backupName : old().backupName != null ? old().backupName
              : !failover && records.backup() != null ? names.backupName() : null,
          old().recoveryTime, store));
    }

    String startedAt() { return orNow(old().startedAt); }

    String orNow(String time) { return time != null ? time : nowText; }

    String recoveryTime(String verifiedAt) {
      Instant verified = Time.parse(verifiedAt);
      Instant created = in.created() != null ? in.created() : Time.parse(startedAt());
      Duration d = Duration.between(created, verified);
      return Durations.format(d.isNegative() ? Duration.ZERO : d);
    }

    /** The step running now, for Succeeded=False's message. */
    String currentStepMessage() {
      List<Step> steps = status.steps();
      return steps.stream().filter(st -> st.phase == StepPhase.InProgress).findFirst()
          .map(st -> st.name + ": " + st.message)
          .orElse(steps.stream().filter(st -> st.phase == StepPhase.Pending).findFirst()
              .map(st -> "next: " + st.name).orElse("running"));
    }
  }

  private static StepPhase phaseOf(Fact f) {
    return switch (f.state()) {
      case RUNNING -> StepPhase.InProgress;
      case DONE -> StepPhase.Succeeded;
      case FAILED -> StepPhase.Failed;
      case SKIPPED -> StepPhase.Skipped;
      case NOT_STARTED -> StepPhase.Pending;
    };
  }

  private static StepPhase phaseOr(Fact f, StepPhase notStarted) {
    return f.state() == State.NOT_STARTED ? notStarted : phaseOf(f);
  }

  private static String messageOr(Fact f, String notStarted) {
    return f.state() == State.NOT_STARTED ? notStarted : f.message();
  }
}
