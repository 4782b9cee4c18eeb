package io.flotilla.agent.addon;

import io.flotilla.common.SemanticVersion;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.common.Conditions;
import io.flotilla.common.Durations;
import io.flotilla.common.Time;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The agent's side of a ManagedAddOn's status, as plain decisions: which operation takes the cluster to the desired
 * version, how an operation moves from InProgress to Succeeded or Failed, the version bookkeeping, the bounded
 * history, and the Available / Progressing / Degraded conditions. Every method takes a status and returns a new one;
 * the input is never modified. The hub's fields (desiredVersion, the InvalidVersion condition) are carried through
 * untouched.
 *
 * <p>Versions: {@code currentVersion} is the version whose manifests are applied on the cluster (it moves when the
 * apply completes, before health is known); {@code previousVersion} is the one it replaced; {@code
 * lastKnownGoodVersion} is the newest version whose operation succeeded. Operation type: Install when nothing is
 * installed, Rollback when the desired version has lower precedence than the version last applied or attempted,
 * Upgrade otherwise.
 */
public final class AddOnLifecycle {
  public static final int HISTORY_LIMIT = 10;
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(5);

  /** Progressing reasons (OCM's, docs/ocm-facts.md §1.2). */
  public static final String REASON_PROGRESSING = "Progressing";
  public static final String REASON_COMPLETED = "Completed";
  public static final String REASON_FAILED = "Failed";
  /** Available reasons. */
  public static final String REASON_WORKLOADS_AVAILABLE = "WorkloadsAvailable";
  public static final String REASON_WORKLOADS_UNAVAILABLE = "WorkloadsUnavailable";
  /** Degraded reasons. */
  public static final String REASON_AS_EXPECTED = "AsExpected";
  public static final String REASON_OPERATION_FAILED = "OperationFailed";
  public static final String REASON_RELEASE_NOT_FOUND = "ReleaseNotFound";

  private AddOnLifecycle() {}

  /** The health of every workload of the applied release. */
  public record ReleaseHealth(List<WorkloadHealth> workloads) {
    public ReleaseHealth {
      workloads = List.copyOf(workloads);
    }

    public boolean ready() { return workloads.stream().allMatch(WorkloadHealth::ready); }

    public boolean failed() { return workloads.stream().anyMatch(WorkloadHealth::failed); }

    /** The workloads that are not ready, each with why. */
    public String problems() {
      return workloads.stream().filter(w -> !w.ready()).map(WorkloadHealth::describe).collect(Collectors.joining("; "));
    }

    public String failures() {
      return workloads.stream().filter(WorkloadHealth::failed).map(WorkloadHealth::describe)
          .collect(Collectors.joining("; "));
    }
  }

  /**
   * The operation that takes the cluster to {@code desired}, or empty when the current operation already targets it
   * (whatever its phase: a failed operation is not retried until the hub asks for another version) or nothing has
   * been asked for.
   */
  public static Optional<Operation> nextOperation(ManagedAddOnStatus status, String desired, Instant now) {
    if (desired == null || desired.isBlank()) {
      return Optional.empty();
    }
    Operation current = status == null ? null : status.operation;
    String installed = status == null ? null : status.currentVersion;
    if (current != null ? desired.equals(current.toVersion) : desired.equals(installed)) {
      return Optional.empty();
    }
    String reference = current != null && current.toVersion != null ? current.toVersion : installed;
    Type type;
    if (installed == null) {
      type = Type.Install;
    } else if (isRollback(desired, reference)) {
      type = Type.Rollback;
    } else {
      type = Type.Upgrade;
    }
    Operation op = new Operation();
    op.type = type;
    op.phase = Phase.InProgress;
    op.fromVersion = installed;
    op.toVersion = desired;
    op.startedAt = Time.format(now);
    op.message = describe(op) + " started";
    return Optional.of(op);
  }

  private static boolean isRollback(String desired, String reference) {
    if (reference == null || !SemanticVersion.isValid(desired) || !SemanticVersion.isValid(reference)) {
      return false;
    }
    return SemanticVersion.compare(desired, reference) < 0;
  }

  /** Starts {@code next}: the previous operation goes to the history (marked Failed if it was cut short). */
  public static ManagedAddOnStatus start(ManagedAddOnStatus status, Operation next, Instant now, Long generation) {
    ManagedAddOnStatus s = copy(status);
    if (s.operation != null) {
      Operation previous = copy(s.operation);
      if (previous.phase == Phase.InProgress) {
        previous.phase = Phase.Failed;
        previous.completedAt = Time.format(now);
        previous.message = describe(previous) + " superseded by " + describe(next);
      }
      s.history.add(0, previous);
      while (s.history.size() > HISTORY_LIMIT) {
        s.history.remove(s.history.size() - 1);
      }
    }
    s.operation = copy(next);
    s.observedGeneration = generation;
    Conditions.set(s.conditions, ManagedAddOn.PROGRESSING, Conditions.TRUE, REASON_PROGRESSING, next.message,
        generation, now);
    Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.FALSE, REASON_AS_EXPECTED,
        describe(next) + " in progress", generation, now);
    return s;
  }

  /** The operation's manifests are applied: the current version moves, the one it replaced becomes previous. */
  public static ManagedAddOnStatus applied(ManagedAddOnStatus status) {
    ManagedAddOnStatus s = copy(status);
    String to = s.operation == null ? null : s.operation.toVersion;
    if (to != null && !to.equals(s.currentVersion)) {
      s.previousVersion = s.currentVersion;
      s.currentVersion = to;
    }
    return s;
  }

  /**
   * Judges the release's health. An operation in progress succeeds when every workload is ready and fails when a
   * workload failed for good or the progress deadline (from startedAt) has passed. Whatever the phase, Available and
   * Degraded follow the health, so health that flaps after success is reported without rewriting the operation.
   */
  public static ManagedAddOnStatus judge(ManagedAddOnStatus status, ReleaseHealth health, Duration progressDeadline,
                                         Instant now, Long generation) {
    ManagedAddOnStatus s = copy(status);
    s.observedGeneration = generation;
    Operation op = s.operation;
    if (op != null && op.phase == Phase.InProgress) {
      Instant deadline = deadline(op, progressDeadline);
      if (health.ready()) {
        op.phase = Phase.Succeeded;
        op.completedAt = Time.format(now);
        op.message = describe(op) + " succeeded: " + workloadCount(health) + " available";
        s.lastKnownGoodVersion = op.toVersion;
      } else if (health.failed()) {
        finish(op, Phase.Failed, describe(op) + " failed: " + health.failures(), now);
      } else if (!now.isBefore(deadline)) {
        finish(op, Phase.Failed, describe(op) + " failed: not healthy within the progress deadline of "
            + Durations.format(progressDeadline) + ": " + health.problems(), now);
      } else {
        op.message = describe(op) + ": waiting for " + health.problems();
      }
    }
    setProgressing(s, now, generation);
    if (health.ready()) {
      Conditions.set(s.conditions, ManagedAddOn.AVAILABLE, Conditions.TRUE, REASON_WORKLOADS_AVAILABLE,
          workloadCount(health) + " of " + s.currentVersion + " available", generation, now);
    } else {
      Conditions.set(s.conditions, ManagedAddOn.AVAILABLE, Conditions.FALSE, REASON_WORKLOADS_UNAVAILABLE,
          health.problems(), generation, now);
    }
    if (op != null && op.phase == Phase.Failed) {
      Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.TRUE, REASON_OPERATION_FAILED, op.message,
          generation, now);
    } else if (op != null && op.phase == Phase.Succeeded && !health.ready()) {
      Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.TRUE, REASON_WORKLOADS_UNAVAILABLE,
          health.problems(), generation, now);
    } else {
      Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.FALSE, REASON_AS_EXPECTED,
          op == null ? "nothing to do" : op.message, generation, now);
    }
    return s;
  }

  /** The operation in progress fails without waiting for health (a render or apply error that retrying cannot fix). */
  public static ManagedAddOnStatus fail(ManagedAddOnStatus status, String message, Instant now, Long generation) {
    ManagedAddOnStatus s = copy(status);
    s.observedGeneration = generation;
    if (s.operation != null && s.operation.phase == Phase.InProgress) {
      finish(s.operation, Phase.Failed, describe(s.operation) + " failed: " + message, now);
    }
    setProgressing(s, now, generation);
    Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.TRUE, REASON_OPERATION_FAILED,
        s.operation == null ? message : s.operation.message, generation, now);
    return s;
  }

  /** The hub asks for a version that has no AddOnRelease: nothing is applied, and Degraded says why. */
  public static ManagedAddOnStatus releaseNotFound(ManagedAddOnStatus status, String releaseName, Instant now,
                                                   Long generation) {
    ManagedAddOnStatus s = copy(status);
    s.observedGeneration = generation;
    Conditions.set(s.conditions, ManagedAddOn.DEGRADED, Conditions.TRUE, REASON_RELEASE_NOT_FOUND,
        "AddOnRelease " + releaseName + " does not exist on the hub; nothing was applied", generation, now);
    return s;
  }

  /** When an operation in progress must be judged at the latest. */
  public static Instant deadline(Operation op, Duration progressDeadline) {
    Instant started = Time.parse(op.startedAt);
    return (started == null ? Instant.EPOCH : started).plus(progressDeadline);
  }

  /** The release's progressDeadline (a Go duration such as "90s" or "1h30m"), or the default of five minutes. */
  public static Duration progressDeadline(AddOnReleaseSpec release) {
    String text = release == null ? null : release.progressDeadline;
    Duration d;
    try {
      d = Durations.parseOr(text, DEFAULT_PROGRESS_DEADLINE);
    } catch (IllegalArgumentException e) {
      d = Duration.ZERO;
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("progressDeadline \"" + text + "\" is not a positive duration such as 90s, 5m or 1h30m");
    }
    return d;
  }

  /** "Upgrade 1.0.0 → 1.1.0", "Install 1.0.0". */
  public static String describe(Operation op) {
    return op.type + " " + (op.fromVersion == null ? "" : op.fromVersion + " → ") + op.toVersion;
  }

  private static void setProgressing(ManagedAddOnStatus s, Instant now, Long generation) {
    Operation op = s.operation;
    if (op == null) {
      return;
    }
    switch (op.phase) {
      case InProgress -> Conditions.set(s.conditions, ManagedAddOn.PROGRESSING, Conditions.TRUE, REASON_PROGRESSING,
          op.message, generation, now);
      case Succeeded -> Conditions.set(s.conditions, ManagedAddOn.PROGRESSING, Conditions.FALSE, REASON_COMPLETED,
          op.message, generation, now);
      case Failed -> Conditions.set(s.conditions, ManagedAddOn.PROGRESSING, Conditions.FALSE, REASON_FAILED,
          op.message, generation, now);
    }
  }

  private static void finish(Operation op, Phase phase, String message, Instant now) {
    op.phase = phase;
    op.completedAt = Time.format(now);
    op.message = message;
  }

  private static String workloadCount(ReleaseHealth health) {
    int n = health.workloads().size();
    return n == 0 ? "no workloads to wait for" : n == 1 ? "1 workload" : n + " workloads";
  }

  // ---- copies: the api classes are mutable POJOs, and decisions must not change their input

  public static ManagedAddOnStatus copy(ManagedAddOnStatus in) {
    ManagedAddOnStatus s = new ManagedAddOnStatus();
    if (in == null) {
      return s;
    }
    s.observedGeneration = in.observedGeneration;
    s.desiredVersion = in.desiredVersion;
    s.currentVersion = in.currentVersion;
    s.previousVersion = in.previousVersion;
    s.lastKnownGoodVersion = in.lastKnownGoodVersion;
    s.operation = in.operation == null ? null : copy(in.operation);
    s.history = in.history == null ? new ArrayList<>()
        : in.history.stream().filter(Objects::nonNull).map(AddOnLifecycle::copy).collect(Collectors.toCollection(ArrayList::new));
    s.conditions = in.conditions == null ? new ArrayList<>()
        : in.conditions.stream().map(c -> new ConditionBuilder(c).build()).collect(Collectors.toCollection(ArrayList::new));
    return s;
  }

  public static Operation copy(Operation in) {
    Operation o = new Operation();
    o.type = in.type;
    o.phase = in.phase;
    o.fromVersion = in.fromVersion;
    o.toVersion = in.toVersion;
    o.startedAt = in.startedAt;
    o.completedAt = in.completedAt;
    o.message = in.message;
    return o;
  }

  /**
   * Copies the agent's fields from {@code ours} onto {@code fresh} (a status just read from the hub) and returns it:
   * desiredVersion and the hub's conditions (InvalidVersion) stay as the hub wrote them.
   */
  public static ManagedAddOnStatus mergeAgentFields(ManagedAddOnStatus fresh, ManagedAddOnStatus ours) {
    ManagedAddOnStatus s = copy(fresh);
    s.observedGeneration = ours.observedGeneration;
    s.currentVersion = ours.currentVersion;
    s.previousVersion = ours.previousVersion;
    s.lastKnownGoodVersion = ours.lastKnownGoodVersion;
    s.operation = ours.operation == null ? null : copy(ours.operation);
    s.history = copy(ours).history;
    List<Condition> merged = new ArrayList<>();
    for (Condition c : s.conditions) {
      if (!AGENT_CONDITIONS.contains(c.getType())) {
        merged.add(c);
      }
    }
    for (Condition c : ours.conditions) {
      if (AGENT_CONDITIONS.contains(c.getType())) {
        merged.add(new ConditionBuilder(c).build());
      }
    }
    merged.sort((a, b) -> a.getType().compareTo(b.getType()));
    s.conditions = merged;
    return s;
  }

  /** The condition types the agent owns; every other type (InvalidVersion) is the hub's. */
  public static final List<String> AGENT_CONDITIONS =
      List.of(ManagedAddOn.AVAILABLE, ManagedAddOn.DEGRADED, ManagedAddOn.PROGRESSING);
}
