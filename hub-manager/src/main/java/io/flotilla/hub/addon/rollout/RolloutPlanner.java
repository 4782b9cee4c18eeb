package io.flotilla.hub.addon.rollout;

import io.flotilla.common.DesiredCondition;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.placement.LabelSelectors;
import io.flotilla.hub.addon.rollout.ClusterState.Operation;
import io.flotilla.hub.addon.rollout.FleetRollout.Blocker;
import io.flotilla.hub.addon.rollout.Plan.ClusterPlan;
import io.flotilla.hub.addon.rollout.Plan.Counts;
import io.flotilla.hub.addon.rollout.Plan.GroupProgress;
import io.flotilla.hub.addon.rollout.Plan.State;
import io.flotilla.hub.addon.validation.AddOnValidation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides, from state alone, which version every placed cluster of one fleet add-on should run now (docs/architecture.md, flow 5,
 * OCM's RolloutStrategy from docs/ocm-facts.md §1.3 plus pause, failure strategy and pins). No client, no memory: the caller
 * passes the fleet spec, the released versions and every cluster's state, and writes the returned desired versions.
 *
 * <p>Rules, per cluster (first that applies):
 * <ul>
 *   <li>Pinned: desired = the pin when it is released (else unchanged); outside the rollout; applied even while
 *       the rollout is paused, because a pin is an operator's explicit per-cluster decision.</li>
 *   <li>Unknown (cluster not Available): never started, never counted as failed (its failure budget is not spent by
 *       an outage), never rolled back; it holds the concurrency slot it would hold if reachable (it may still be
 *       applying) until its soak ends or its progress deadline passes (with no deadline, until it is back).</li>
 *   <li>Failed: the newest operation toward the target failed or ran past {@code progressDeadline}, and nothing but
 *       rollbacks happened since (so a cluster rolled back by the Rollback strategy is not retried in a loop; pin it
 *       to retry).</li>
 *   <li>Updated: desired = target and the current operation to the target succeeded at least {@code minSuccessTime}
 *       ago. Progressing: desired = target otherwise (soaking included: a success frees its slot after the soak).</li>
 *   <li>Pending: everything else; started in rollout order (group order, then name) while slots are free.</li>
 * </ul>
 * Strategies: {@code All} starts every pending cluster and never halts on failures. {@code Progressive} runs the
 * mandatory groups first, one at a time, each until every cluster in it is updated (an Unknown cluster in a mandatory
 * group holds the rollout), then all other clusters; at most {@code maxConcurrency} (count, or percentage of the
 * placement rounded down, at least 1; unset = no limit) are busy; it halts once failures exceed {@code maxFailures}
 * (count or percentage of the placement, rounded down; default 0) or any mandatory cluster fails.
 * {@code ProgressivePerGroup} runs groups one after the other (mandatory first, then in spec order, clusters in no
 * group last); a group is done when each of its clusters is updated, failed or Unknown (mandatory: updated);
 * maxConcurrency and maxFailures are relative to the group's size, and mandatory groups tolerate no failure.
 * {@code paused}, an exceeded failure budget, or a {@link FleetRollout#blocker()} start nothing new; in-flight
 * operations continue. With failure strategy {@code Rollback}, failed clusters get desired = their own
 * last-known-good version, else the fleet's (unless paused or blocked). Moving the fleet target back is an ordinary
 * change: clusters on a higher version become pending like any other.
 */
public final class RolloutPlanner {
  /** The group of clusters no rollout group selects (not a DNS label, so it cannot clash with a group name). */
  public static final String UNGROUPED = "(ungrouped)";

  public static final String PROGRESSING = "Progressing";
  public static final String ROLLOUT_PAUSED = "RolloutPaused";
  public static final String COMPLETE = "Complete";

  public static final String REASON_ROLLING_OUT = "RollingOut";
  public static final String REASON_PAUSED = "Paused";
  public static final String REASON_FAILURE_BUDGET_SPENT = "FailureBudgetSpent";
  public static final String REASON_NOT_PAUSED = "NotPaused";
  public static final String REASON_COMPLETE = "Complete";
  public static final String REASON_ALL_UPDATED = "AllClustersUpdated";
  public static final String REASON_IN_PROGRESS = "InProgress";
  public static final String REASON_CLUSTERS_FAILED = "ClustersFailed";
  public static final String REASON_NO_CLUSTERS = "NoClusters";
  public static final String REASON_WAITING_FOR_UNKNOWN = "WaitingForUnknownClusters";

  private static final int NAMES_IN_MESSAGES = 5;
  private static final Pattern COUNT = Pattern.compile("^[0-9]+$");
  private static final Pattern PERCENT = Pattern.compile("^([0-9]+)%$");

  /**
   * Plans one fleet add-on.
   *
   * @param fleet            the fleet's spec (and a blocker, if the caller found it invalid)
   * @param releasedVersions the versions with an AddOnRelease for this add-on
   * @param clusters         every placed cluster, in any order (names unique)
   * @param now              the current time (soak and deadlines are measured against it)
   * @throws IllegalArgumentException if the fleet is not blocked and its strategy cannot be applied (a malformed
   *                                  count, percentage, duration or group selector); the message says which field
   */
  public Plan plan(FleetRollout fleet, Collection<String> releasedVersions, List<ClusterState> clusters, Instant now) {
    Objects.requireNonNull(fleet, "fleet");
    Objects.requireNonNull(clusters, "clusters");
    Objects.requireNonNull(now, "now");
    Set<String> released = releasedVersions instanceof Set<String> s ? s : new HashSet<>(releasedVersions);
    String target = fleet.targetVersion();
    Blocker blocker = fleet.blocker();
    if (blocker == null) {
      Optional<AddOnValidation.Problem> problem = AddOnValidation.versionProblem(fleet.addOn(), target, released);
      if (problem.isPresent()) {
        blocker = new Blocker(problem.get().reason(), problem.get().message());
      }
    }
    Rules rules = Rules.of(fleet.strategy(), blocker == null);
    return new Run(fleet, blocker, rules, released, clusters, now).plan();
  }

  /** The strategy, parsed once per plan. Durations are null when unset (no soak, no deadline). */
  record Rules(RolloutStrategy.Type type, IntOrString maxConcurrency, IntOrString maxFailures, Duration minSuccessTime,
               Duration progressDeadline, List<GroupRule> groups) {

    /** Mandatory groups first (spec order), then the others (spec order). */
    static Rules of(RolloutStrategy s, boolean strict) {
      RolloutStrategy.Type type = s.type == null ? RolloutStrategy.Type.All : s.type;
      List<GroupRule> mandatory = new ArrayList<>();
      List<GroupRule> others = new ArrayList<>();
      List<RolloutStrategy.Group> specGroups = s.groups == null ? List.of() : s.groups;
      for (int i = 0; i < specGroups.size(); i++) {
        RolloutStrategy.Group g = specGroups.get(i);
        if (g == null) {
          continue;
        }
        GroupRule rule = new GroupRule(g.name == null ? "groups[" + i + "]" : g.name, g.clusterSelector,
            Boolean.TRUE.equals(g.mandatory), i);
        Optional<String> selectorProblem = LabelSelectors.problem(g.clusterSelector);
        if (selectorProblem.isPresent()) {
          if (strict) {
            throw new IllegalArgumentException("rolloutStrategy group " + rule.name() + ": " + selectorProblem.get());
          }
          continue; // a blocked fleet only reports; a group that cannot select selects nothing
        }
        (rule.mandatory() ? mandatory : others).add(rule);
      }
      mandatory.addAll(others);
      return new Rules(type,
          checkedCount("maxConcurrency", s.maxConcurrency, strict),
          checkedCount("maxFailures", s.maxFailures, strict),
          duration("minSuccessTime", s.minSuccessTime, strict),
          duration("progressDeadline", s.progressDeadline, strict),
          List.copyOf(mandatory));
    }

    private static IntOrString checkedCount(String field, IntOrString v, boolean strict) {
      if (v == null) {
        return null;
      }
      try {
        count(field, v, 100, false);
        return v;
      } catch (IllegalArgumentException e) {
        if (strict) {
          throw e;
        }
        return null;
      }
    }

    private static Duration duration(String field, String v, boolean strict) {
      if (v == null || v.isBlank() || "None".equals(v)) { // "None": OCM's spelling of "no deadline"
        return null;
      }
      Optional<Duration> d = AddOnValidation.parseDuration(v);
      if (d.isEmpty() && strict) {
        throw new IllegalArgumentException("rolloutStrategy." + field + " \"" + v + "\" is not a duration such as 90s or 1h30m");
      }
      return d.filter(x -> !x.isZero()).orElse(null);
    }
  }

  record GroupRule(String name, LabelSelector selector, boolean mandatory, int specIndex) {}

  /**
   * A count or a percentage of {@code base}; percentages round down, and to at least 1 when {@code atLeastOne}.
   */
  static int count(String field, IntOrString v, int base, boolean atLeastOne) {
    Integer n = v.getIntVal();
    String text = v.getStrVal();
    int result;
    if (n != null) {
      result = n;
    } else if (text != null && COUNT.matcher(text.trim()).matches() && text.trim().length() < 10) {
      result = Integer.parseInt(text.trim());
    } else {
      Matcher m = text == null ? null : PERCENT.matcher(text.trim());
      if (m == null || !m.matches() || m.group(1).length() > 3 || Integer.parseInt(m.group(1)) > 100) {
        throw new IllegalArgumentException("rolloutStrategy." + field + " \"" + text
            + "\" must be a count or a percentage such as 25%");
      }
      result = (int) ((long) Integer.parseInt(m.group(1)) * base / 100);
    }
    if (result < 0) {
      throw new IllegalArgumentException("rolloutStrategy." + field + " must not be negative, got " + result);
    }
    return atLeastOne ? Math.max(1, result) : result;
  }

  /** One cluster while planning. */
  private static final class Row {
    final ClusterState c;
    final int group;
    State state;
    boolean busy;
    String desired;
    Instant recheck;

    Row(ClusterState c, int group) {
      this.c = c;
      this.group = group;
      this.desired = c.desiredVersion();
    }
  }

  /** One planning pass; all mutable state lives here, so the planner itself stays stateless and thread-safe. */
  private static final class Run {
    final FleetRollout fleet;
    final Blocker blocker;
    final Rules rules;
    final Set<String> released;
    final Instant now;
    final String target;
    final List<Row> rows;
    final int groupCount; // rules.groups().size() + 1 (the last index is UNGROUPED)
    final boolean grouped;
    int busy;
    int started;
    String waitingForMandatory;

    Run(FleetRollout fleet, Blocker blocker, Rules rules, Set<String> released, List<ClusterState> clusters,
        Instant now) {
      this.fleet = fleet;
      this.blocker = blocker;
      this.rules = rules;
      this.released = released;
      this.now = now;
      this.target = fleet.targetVersion();
      this.grouped = !rules.groups().isEmpty();
      this.groupCount = rules.groups().size() + 1;
      Row[] r = new Row[clusters.size()];
      for (int i = 0; i < r.length; i++) {
        ClusterState c = clusters.get(i);
        r[i] = new Row(c, groupOf(c));
      }
      Arrays.sort(r, Comparator.<Row>comparingInt(x -> x.group).thenComparing(x -> x.c.name()));
      this.rows = Arrays.asList(r);
    }

    int groupOf(ClusterState c) {
      List<GroupRule> groups = rules.groups();
      int best = -1;
      int bestSpec = Integer.MAX_VALUE;
      // membership: the first group in spec order that selects the cluster
      for (int i = 0; i < groups.size(); i++) {
        GroupRule g = groups.get(i);
        if (g.specIndex() < bestSpec && selects(g, c.labels())) {
          best = i;
          bestSpec = g.specIndex();
        }
      }
      return best < 0 ? groups.size() : best;
    }

    /** A group without a selector selects nothing (unlike a placement, where no selector means every cluster). */
    boolean selects(GroupRule g, Map<String, String> labels) {
      return g.selector() != null && LabelSelectors.matches(g.selector(), labels);
    }

    String groupName(int g) {
      return g < rules.groups().size() ? rules.groups().get(g).name() : UNGROUPED;
    }

    boolean mandatory(int g) {
      return g < rules.groups().size() && rules.groups().get(g).mandatory();
    }

    Plan plan() {
      for (Row r : rows) {
        classify(r);
        if (r.busy) {
          busy++;
        }
      }
      int[] members = new int[groupCount];
      int[] failedIn = new int[groupCount];
      for (Row r : rows) {
        members[r.group]++;
        if (r.state == State.Failed) {
          failedIn[r.group]++;
        }
      }
      Breach breach = breach(members, failedIn);
      boolean halted = blocker != null || fleet.paused() || breach != null;
      if (!halted) {
        start(members);
      }
      if (fleet.failureStrategy() == FailureStrategy.Rollback && blocker == null && !fleet.paused()) {
        rollBackFailed();
      }
      return result(members, breach);
    }

    // ------------------------------------------------------------------ classification

    void classify(Row r) {
      ClusterState c = r.c;
      if (c.pinned()) {
        r.state = State.Pinned;
        if (released.contains(c.pin())) {
          r.desired = c.pin();
        }
        return;
      }
      Operation op = c.operation();
      boolean desiredIsTarget = target != null && target.equals(c.desiredVersion());
      boolean opRunning = op != null && op.phase() == Phase.InProgress;
      if (failedAtTarget(c)) {
        r.state = State.Failed;
      } else if (desiredIsTarget) {
        r.busy = true;
        boolean succeeded = target.equals(op == null ? null : op.toVersion()) && op.phase() == Phase.Succeeded;
        Instant soakEnd = !succeeded || rules.minSuccessTime() == null || op.completedAt() == null ? null
            : op.completedAt().plus(rules.minSuccessTime());
        if (succeeded && (soakEnd == null || !now.isBefore(soakEnd))) {
          r.state = State.Updated;
          r.busy = false;
        } else {
          r.state = State.Progressing;
          r.recheck = succeeded ? soakEnd : opRunning && target.equals(op.toVersion()) ? deadline(op) : null;
        }
      } else {
        r.state = State.Pending;
        // still busy with an earlier change (e.g. the previous target): it occupies a slot until that ends
        r.busy = opRunning && !timedOut(op);
        r.recheck = r.busy ? deadline(op) : null;
      }
      if (!c.available()) {
        // Unreachable: its last report may be stale, so it is neither started nor counted as failed, but it holds
        // the slot it would hold if reachable (it may still be applying) until its soak or deadline ends.
        r.state = State.Unknown;
      }
    }

    /**
     * The newest operation toward the target failed or timed out, and only rollbacks happened since (the Rollback
     * failure strategy's own, or an operator's): the cluster has failed this target and is not retried.
     */
    boolean failedAtTarget(ClusterState c) {
      if (target == null) {
        return false;
      }
      Operation op = c.operation();
      List<Operation> history = c.history();
      int start = !history.isEmpty() && op != null && history.get(0).equals(op) ? 1 : 0;
      int n = (op == null ? 0 : 1) + history.size() - start;
      for (int i = 0; i < n; i++) {
        Operation o = op == null ? history.get(start + i) : i == 0 ? op : history.get(start + i - 1);
        if (target.equals(o.toVersion())) {
          return o.phase() == Phase.Failed || (o.phase() == Phase.InProgress && timedOut(o));
        }
        if (o.type() != Type.Rollback) {
          return false;
        }
      }
      return false;
    }

    boolean timedOut(Operation op) {
      Instant d = deadline(op);
      return d != null && !now.isBefore(d);
    }

    Instant deadline(Operation op) {
      return rules.progressDeadline() == null || op.startedAt() == null ? null
          : op.startedAt().plus(rules.progressDeadline());
    }

    // ------------------------------------------------------------------ failure budget

    record Breach(String message) {}

    Breach breach(int[] members, int[] failedIn) {
      List<String> failedNames = rows.stream().filter(r -> r.state == State.Failed).map(r -> r.c.name()).toList();
      if (failedNames.isEmpty() || rules.type() == RolloutStrategy.Type.All) {
        return null;
      }
      for (int g = 0; g < groupCount; g++) {
        if (mandatory(g) && failedIn[g] > 0) {
          return new Breach("mandatory group " + groupName(g) + " tolerates no failure and " + failedIn[g]
              + " of its clusters failed (" + names(State.Failed, g) + ")");
        }
      }
      if (rules.type() == RolloutStrategy.Type.Progressive) {
        int budget = rules.maxFailures() == null ? 0 : count("maxFailures", rules.maxFailures(), rows.size(), false);
        return failedNames.size() > budget
            ? new Breach(failedNames.size() + " clusters failed (" + names(State.Failed, -1) + "), more than the "
                + budget + " maxFailures allows")
            : null;
      }
      for (int g = 0; g < groupCount; g++) {
        int budget = rules.maxFailures() == null ? 0 : count("maxFailures", rules.maxFailures(), members[g], false);
        if (failedIn[g] > budget) {
          return new Breach(failedIn[g] + " clusters of group " + groupName(g) + " failed (" + names(State.Failed, g)
              + "), more than the " + budget + " maxFailures allows");
        }
      }
      return null;
    }

    // ------------------------------------------------------------------ starting clusters

    void start(int[] members) {
      switch (rules.type()) {
        case All -> fill(-1, Integer.MAX_VALUE);
        case Progressive -> {
          int limit = rules.maxConcurrency() == null ? Integer.MAX_VALUE
              : count("maxConcurrency", rules.maxConcurrency(), rows.size(), true);
          for (int g = 0; g < groupCount && mandatory(g); g++) {
            if (!complete(g)) {
              waitingForMandatory = groupName(g);
              fill(g, limit);
              return;
            }
          }
          fill(-1, limit);
        }
        case ProgressivePerGroup -> {
          for (int g = 0; g < groupCount; g++) {
            if (!complete(g)) {
              if (mandatory(g)) {
                waitingForMandatory = groupName(g);
              }
              fill(g, rules.maxConcurrency() == null ? Integer.MAX_VALUE
                  : count("maxConcurrency", rules.maxConcurrency(), members[g], true));
              return;
            }
          }
        }
      }
    }

    /** Mandatory groups are complete when every cluster in them is updated; others also accept failed and Unknown. */
    boolean complete(int g) {
      boolean strict = mandatory(g);
      for (Row r : rows) {
        if (r.group != g || r.state == State.Pinned || r.state == State.Updated) {
          continue;
        }
        if (strict || !(r.state == State.Failed || r.state == State.Unknown)) {
          return false;
        }
      }
      return true;
    }

    /** Starts pending clusters of group {@code g} (or all, for -1) in rollout order while fewer than limit are busy. */
    void fill(int g, int limit) {
      for (Row r : rows) {
        if (r.state != State.Pending || (g >= 0 && r.group != g)) {
          continue;
        }
        if (!r.busy) {
          if (busy >= limit) {
            continue; // a busy pending cluster later in the order may still be redirected without a new slot
          }
          busy++;
        }
        r.desired = target;
        r.state = State.Progressing;
        r.busy = true;
        r.recheck = null;
        started++;
      }
    }

    void rollBackFailed() {
      for (Row r : rows) {
        if (r.state != State.Failed) {
          continue;
        }
        String to = rollbackTarget(r.c.lastKnownGoodVersion());
        if (to == null) {
          to = rollbackTarget(fleet.lastKnownGoodVersion());
        }
        if (to != null) {
          r.desired = to;
        }
      }
    }

    String rollbackTarget(String v) {
      return v != null && !v.equals(target) && released.contains(v) ? v : null;
    }

    // ------------------------------------------------------------------ result

    Plan result(int[] members, Breach breach) {
      List<ClusterPlan> out = new ArrayList<>(rows.size());
      int[] n = new int[State.values().length];
      Instant recheck = null;
      for (Row r : rows) {
        n[r.state.ordinal()]++;
        out.add(new ClusterPlan(r.c.name(), grouped ? groupName(r.group) : null, r.state, r.desired,
            !Objects.equals(r.desired, r.c.desiredVersion())));
        if (r.recheck != null && (recheck == null || r.recheck.isBefore(recheck))) {
          recheck = r.recheck;
        }
      }
      Counts counts = new Counts(rows.size(), n[State.Updated.ordinal()], n[State.Progressing.ordinal()],
          n[State.Failed.ordinal()], n[State.Pinned.ordinal()], n[State.Unknown.ordinal()],
          n[State.Pending.ordinal()]);

      List<GroupProgress> groups = new ArrayList<>();
      if (grouped) {
        for (int g = 0; g < groupCount; g++) {
          if (g == groupCount - 1 && members[g] == 0) {
            continue; // report the ungrouped remainder only if there is one
          }
          int[] s = new int[State.values().length];
          for (Row r : rows) {
            if (r.group == g) {
              s[r.state.ordinal()]++;
            }
          }
          groups.add(new GroupProgress(groupName(g), mandatory(g), members[g], s[State.Updated.ordinal()],
              s[State.Progressing.ordinal()], s[State.Failed.ordinal()], complete(g)));
        }
      }

      int following = counts.total() - counts.pinned();
      boolean allUpdated = blocker == null && following > 0 && counts.succeeded() == following;
      String lastKnownGood = allUpdated ? target
          : fleet.lastKnownGoodVersion() != null ? fleet.lastKnownGoodVersion() : commonLastKnownGood();
      return new Plan(List.copyOf(out), counts, List.copyOf(groups), lastKnownGood,
          conditions(counts, following, allUpdated, breach), recheck);
    }

    /** Without a fleet record (first rollout, or status lost): the clusters' most common last-known-good version. */
    String commonLastKnownGood() {
      Map<String, Integer> votes = new HashMap<>();
      for (Row r : rows) {
        if (r.state != State.Pinned && r.c.lastKnownGoodVersion() != null) {
          votes.merge(r.c.lastKnownGoodVersion(), 1, Integer::sum);
        }
      }
      return votes.entrySet().stream()
          .max(Map.Entry.<String, Integer>comparingByValue()
              .thenComparing(Map.Entry.comparingByKey(AddOnValidation.SEMVER_ORDER)))
          .map(Map.Entry::getKey).orElse(null);
    }

    List<DesiredCondition> conditions(Counts k, int following, boolean allUpdated, Breach breach) {
      String summary = k.succeeded() + "/" + following + " clusters on " + target + "; " + k.progressing()
          + " in progress, " + k.failed() + " failed, " + k.pending() + " pending, " + k.unknown() + " unknown, "
          + k.pinned() + " pinned";
      if (k.failed() > 0) {
        summary += "; failed: " + names(State.Failed, -1);
      }
      if (k.unknown() > 0) {
        summary += "; unknown: " + names(State.Unknown, -1);
      }

      DesiredCondition complete;
      if (blocker != null) {
        complete = new DesiredCondition(COMPLETE, Conditions.FALSE, blocker.reason(), blocker.message());
      } else if (allUpdated) {
        complete = new DesiredCondition(COMPLETE, Conditions.TRUE, REASON_ALL_UPDATED, "all " + following
            + " clusters run " + target + (k.pinned() > 0 ? "; " + k.pinned() + " pinned clusters are excluded" : ""));
      } else if (following == 0) {
        complete = new DesiredCondition(COMPLETE, Conditions.FALSE, REASON_NO_CLUSTERS,
            k.total() == 0 ? "the placement selects no cluster" : "every placed cluster is pinned");
      } else {
        complete = new DesiredCondition(COMPLETE, Conditions.FALSE,
            k.failed() > 0 ? REASON_CLUSTERS_FAILED : REASON_IN_PROGRESS, summary);
      }

      String rollbackNote = fleet.failureStrategy() == FailureStrategy.Rollback
          ? "; failed clusters roll back to their last-known-good version" : "";
      DesiredCondition paused;
      if (fleet.paused()) {
        paused = new DesiredCondition(ROLLOUT_PAUSED, Conditions.TRUE, REASON_PAUSED,
            "spec.paused is set: no cluster starts a new operation; operations in flight continue"
                + (breach != null ? "; also: " + breach.message() : ""));
      } else if (breach != null && blocker == null) {
        paused = new DesiredCondition(ROLLOUT_PAUSED, Conditions.TRUE, REASON_FAILURE_BUDGET_SPENT,
            breach.message() + "; no further cluster starts " + target + rollbackNote);
      } else {
        paused = new DesiredCondition(ROLLOUT_PAUSED, Conditions.FALSE, REASON_NOT_PAUSED, "the rollout is not paused");
      }

      DesiredCondition progressing;
      boolean pendingAvailable = k.pending() > 0;
      if (blocker != null) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, blocker.reason(), blocker.message());
      } else if (allUpdated) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_COMPLETE, complete.message());
      } else if (fleet.paused()) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_PAUSED, summary);
      } else if (breach != null) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_FAILURE_BUDGET_SPENT, summary);
      } else if (busy > 0 || pendingAvailable) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.TRUE, REASON_ROLLING_OUT,
            summary + (waitingForMandatory != null ? "; waiting for mandatory group " + waitingForMandatory : ""));
      } else if (k.failed() > 0) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_CLUSTERS_FAILED, summary);
      } else if (k.unknown() > 0) {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_WAITING_FOR_UNKNOWN, summary);
      } else {
        progressing = new DesiredCondition(PROGRESSING, Conditions.FALSE, REASON_NO_CLUSTERS, complete.message());
      }
      return List.of(complete, progressing, paused);
    }

    /** "a, b, c and 4 more": the first names of clusters in {@code state} (in group {@code g}, or any for -1). */
    String names(State state, int g) {
      List<String> names = new ArrayList<>();
      int more = 0;
      for (Row r : rows) {
        if (r.state == state && (g < 0 || r.group == g)) {
          if (names.size() < NAMES_IN_MESSAGES) {
            names.add(r.c.name());
          } else {
            more++;
          }
        }
      }
      return String.join(", ", names) + (more > 0 ? " and " + more + " more" : "");
    }
  }
}
