package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;
import io.flotilla.common.Time;
import io.flotilla.hub.addon.placement.LabelSelectors;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * OCM's placement scheduler for one Placement, without a client (docs/ocm-facts.md §I2.4, §I2.5, §I6.4):
 *
 * <ol>
 *   <li>the sets it may use: those bound into its namespace by a ManagedClusterSetBinding named after an existing
 *       set, narrowed to {@code spec.clusterSets} when that is set;</li>
 *   <li>their members that are not being deleted;</li>
 *   <li>the predicates (any one of them: its label selector and its claim selector);</li>
 *   <li>the taints: a NoSelect taint excludes the cluster unless a toleration matches it (while its
 *       {@code tolerationSeconds}, counted from the taint's timeAdded, last); NoSelectIfNew only clusters not yet
 *       chosen; PreferNoSelect never;</li>
 *   <li>OCM's default prioritizers, Steady (clusters already chosen score 100) and Balance (clusters fewer other
 *       placements chose score higher), weight 1 each; ties by name; the first {@code numberOfClusters};</li>
 *   <li>the decision: one decision group (index 0, no name) sorted by name, in PlacementDecisions
 *       {@code <placement>-decision-1, -2, …} of at most 100 each, at least one even when empty.</li>
 * </ol>
 * Not simulated: CEL selectors, prioritizerPolicy, spreadPolicy, decisionStrategy (none is modelled on
 * {@link Placement}).
 */
final class PlacementSelection {
  /** OCM's maxNumOfClusterDecisions. */
  static final int MAX_DECISIONS_PER_PAGE = 100;
  static final int MAX_CLUSTER_SCORE = 100;
  private static final String PREDICATE = "Predicate";
  private static final String TAINT_TOLERATION = "TaintToleration";

  /**
   * @param bindings              the ManagedClusterSetBindings in the Placement's namespace
   * @param sets                  every ManagedClusterSet
   * @param clusters              every ManagedCluster
   * @param chosen                the clusters this Placement's PlacementDecisions hold now
   * @param otherPlacementsChosen per cluster, in how many decisions of other Placements it appears (for Balance)
   */
  record Input(Placement placement, List<ManagedClusterSetBinding> bindings, List<ManagedClusterSet> sets,
               List<ManagedCluster> clusters, Set<String> chosen, Map<String, Integer> otherPlacementsChosen,
               Instant now) {}

  /** One PlacementDecision: its name, group and clusters (sorted by name). */
  record Page(String name, int groupIndex, String groupName, List<String> clusters) {}

  /**
   * @param recheckAt when a tolerated taint of a chosen cluster stops being tolerated, the earliest; the scheduler
   *                  runs again then
   */
  record Result(List<Page> pages, List<Placement.DecisionGroup> decisionGroups, int numberOfSelectedClusters,
                DesiredCondition satisfied, DesiredCondition misconfigured, Optional<Instant> recheckAt) {
    List<String> selected() { return pages.stream().flatMap(p -> p.clusters().stream()).toList(); }
  }

  private PlacementSelection() {}

  static Result select(Input in) {
    Placement placement = in.placement();
    Placement.Spec spec = placement.getSpec() == null ? new Placement.Spec() : placement.getSpec();
    Set<String> setNames = new TreeSet<>();
    in.sets().forEach(s -> setNames.add(s.getMetadata().getName()));
    // OCM takes the binding's name as the set's: they are equal by rule (docs/ocm-facts.md §I2.4).
    List<String> validBindings = in.bindings().stream().map(b -> b.getMetadata().getName())
        .filter(setNames::contains).sorted().toList();
    Set<String> eligible = new TreeSet<>(validBindings);
    if (spec.clusterSets != null && !spec.clusterSets.isEmpty()) {
      eligible.retainAll(spec.clusterSets);
    }
    Map<String, ManagedCluster> available = new LinkedHashMap<>();
    for (ManagedClusterSet set : in.sets()) {
      if (eligible.contains(set.getMetadata().getName())) {
        for (ManagedCluster c : ClusterSets.members(set, in.clusters())) {
          if (c.getMetadata().getDeletionTimestamp() == null) {
            available.put(c.getMetadata().getName(), c);
          }
        }
      }
    }

    Optional<String> misconfigured = predicateProblem(spec).map(m -> PREDICATE + ":" + m)
        .or(() -> tolerationProblem(spec).map(m -> TAINT_TOLERATION + ":" + m));
    List<ManagedCluster> feasible = new ArrayList<>();
    if (misconfigured.isEmpty()) {
      for (ManagedCluster c : available.values()) {
        if (matchesPredicates(spec, c) && tolerated(c, spec.tolerations, in.chosen().contains(name(c)), in.now())) {
          feasible.add(c);
        }
      }
    }

    Map<String, Long> scores = scores(feasible, in.chosen(), in.otherPlacementsChosen());
    feasible.sort(Comparator.<ManagedCluster>comparingLong(c -> -scores.get(name(c))).thenComparing(PlacementSelection::name));
    int wanted = spec.numberOfClusters == null ? feasible.size() : Math.max(0, spec.numberOfClusters);
    List<String> selected = feasible.stream().limit(wanted).map(PlacementSelection::name).sorted().toList();
    int unscheduled = spec.numberOfClusters == null ? 0 : spec.numberOfClusters - selected.size();

    List<Page> pages = pages(placement.getMetadata().getName(), selected);
    Placement.DecisionGroup group = new Placement.DecisionGroup();
    group.decisionGroupIndex = 0;
    group.decisionGroupName = "";
    group.decisions = pages.stream().map(Page::name).toList();
    group.clusterCount = selected.size();

    DesiredCondition satisfied = satisfied(spec.clusterSets, eligible, validBindings.size(), available.size(),
        selected.size(), unscheduled);
    DesiredCondition misconfiguredCondition = misconfigured
        .map(m -> new DesiredCondition(Placement.MISCONFIGURED, Conditions.TRUE, "Misconfigured", m))
        .orElse(new DesiredCondition(Placement.MISCONFIGURED, Conditions.FALSE, "Succeedconfigured",
            "Placement configurations check pass"));
    Optional<Instant> recheckAt = misconfigured.isPresent() ? Optional.empty()
        : recheckAt(in.clusters(), in.chosen(), spec.tolerations, in.now());
    return new Result(pages, List.of(group), selected.size(), satisfied, misconfiguredCondition, recheckAt);
  }

  /** Pages of at most 100 decisions, named from 1 (OCM keeps 1 for backward compatibility); one, empty, for none. */
  static List<Page> pages(String placement, List<String> sortedClusters) {
    List<Page> pages = new ArrayList<>();
    for (int from = 0; from < sortedClusters.size() || pages.isEmpty(); from += MAX_DECISIONS_PER_PAGE) {
      int to = Math.min(sortedClusters.size(), from + MAX_DECISIONS_PER_PAGE);
      pages.add(new Page(placement + "-decision-" + (pages.size() + 1), 0, "",
          List.copyOf(sortedClusters.subList(Math.min(from, to), to))));
    }
    return pages;
  }

  // ---- the predicate filter

  private static Optional<String> predicateProblem(Placement.Spec spec) {
    if (spec.predicates == null) {
      return Optional.empty();
    }
    for (Placement.Predicate p : spec.predicates) {
      Placement.ClusterSelector s = p.requiredClusterSelector;
      if (s == null) {
        continue;
      }
      Optional<String> problem = LabelSelectors.problem(s.labelSelector).or(() -> LabelSelectors.problem(claims(s)));
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  /** No predicate selects every cluster; otherwise any one predicate must select it (label and claim selector). */
  private static boolean matchesPredicates(Placement.Spec spec, ManagedCluster c) {
    if (spec.predicates == null || spec.predicates.isEmpty()) {
      return true;
    }
    Map<String, String> labels = c.getMetadata().getLabels() == null ? Map.of() : c.getMetadata().getLabels();
    Map<String, String> claims = new HashMap<>();
    if (c.getStatus() != null && c.getStatus().clusterClaims != null) {
      c.getStatus().clusterClaims.forEach(v -> claims.put(v.name, v.value));
    }
    for (Placement.Predicate p : spec.predicates) {
      Placement.ClusterSelector s = p.requiredClusterSelector;
      if (s == null || (LabelSelectors.matches(s.labelSelector, labels) && LabelSelectors.matches(claims(s), claims))) {
        return true;
      }
    }
    return false;
  }

  private static LabelSelector claims(Placement.ClusterSelector s) {
    if (s.claimSelector == null) {
      return null;
    }
    LabelSelector selector = new LabelSelector();
    selector.setMatchExpressions(s.claimSelector.matchExpressions);
    return selector;
  }

  // ---- the taint-toleration filter

  private static Optional<String> tolerationProblem(Placement.Spec spec) {
    if (spec.tolerations == null) {
      return Optional.empty();
    }
    for (Placement.Toleration t : spec.tolerations) {
      boolean exists = Placement.OPERATOR_EXISTS.equals(t.operator);
      // OCM reports both without a message.
      if ((t.key == null || t.key.isEmpty()) && !exists) {
        return Optional.of("");
      }
      if (exists && t.value != null && !t.value.isEmpty()) {
        return Optional.of("");
      }
    }
    return Optional.empty();
  }

  /** Every taint of the cluster tolerated (or of an effect that does not exclude it). */
  static boolean tolerated(ManagedCluster c, List<Placement.Toleration> tolerations, boolean chosen, Instant now) {
    return toleratedUntil(c, tolerations, chosen, now).isPresent();
  }

  /**
   * Empty when some taint is not tolerated; otherwise the earliest instant a toleration runs out, or
   * {@link Instant#MAX} when none does.
   */
  private static Optional<Instant> toleratedUntil(ManagedCluster c, List<Placement.Toleration> tolerations,
                                                  boolean chosen, Instant now) {
    Instant until = Instant.MAX;
    List<ManagedCluster.Taint> taints = c.getSpec() == null || c.getSpec().taints == null ? List.of() : c.getSpec().taints;
    for (ManagedCluster.Taint taint : taints) {
      if (ManagedCluster.EFFECT_PREFER_NO_SELECT.equals(taint.effect)
          || (ManagedCluster.EFFECT_NO_SELECT_IF_NEW.equals(taint.effect) && chosen)) {
        continue;
      }
      Optional<Instant> tolerated = tolerations == null ? Optional.empty()
          : tolerations.stream().map(t -> toleratedUntil(taint, t, now)).flatMap(Optional::stream).findFirst();
      if (tolerated.isEmpty()) {
        return Optional.empty();
      }
      until = tolerated.get().isBefore(until) ? tolerated.get() : until;
    }
    return Optional.of(until);
  }

  private static Optional<Instant> toleratedUntil(ManagedCluster.Taint taint, Placement.Toleration t, Instant now) {
    if (t.effect != null && !t.effect.isEmpty() && !t.effect.equals(taint.effect)) {
      return Optional.empty();
    }
    if (t.key != null && !t.key.isEmpty() && !t.key.equals(taint.key)) {
      return Optional.empty();
    }
    boolean matched = Placement.OPERATOR_EXISTS.equals(t.operator)
        || ((t.operator == null || t.operator.isEmpty() || Placement.OPERATOR_EQUAL.equals(t.operator))
            && Objects.equals(blankToNull(t.value), blankToNull(taint.value)));
    if (!matched) {
      return Optional.empty();
    }
    if (t.tolerationSeconds == null) {
      return Optional.of(Instant.MAX);
    }
    Instant added = Time.parse(taint.timeAdded);
    Instant end = (added == null ? Instant.EPOCH : added).plusSeconds(t.tolerationSeconds);
    return now.isBefore(end) ? Optional.of(end) : Optional.empty();
  }

  private static Optional<Instant> recheckAt(List<ManagedCluster> clusters, Set<String> chosen,
                                             List<Placement.Toleration> tolerations, Instant now) {
    Instant earliest = null;
    for (ManagedCluster c : clusters) {
      if (chosen.contains(name(c))) {
        Optional<Instant> until = toleratedUntil(c, tolerations, true, now);
        if (until.isPresent() && until.get() != Instant.MAX && (earliest == null || until.get().isBefore(earliest))) {
          earliest = until.get();
        }
      }
    }
    return Optional.ofNullable(earliest);
  }

  // ---- the prioritizers

  private static Map<String, Long> scores(List<ManagedCluster> feasible, Set<String> chosen,
                                          Map<String, Integer> otherPlacementsChosen) {
    long maxCount = otherPlacementsChosen.values().stream().mapToLong(Integer::longValue).max().orElse(0);
    Map<String, Long> scores = new HashMap<>();
    for (ManagedCluster c : feasible) {
      long steady = chosen.contains(name(c)) ? MAX_CLUSTER_SCORE : 0;
      Integer count = otherPlacementsChosen.get(name(c));
      // OCM's Balance: 2 * int64(100 * (0.5 - count/maxCount)), from 100 (least used) to -100 (most used).
      long balance = count == null || maxCount == 0 ? MAX_CLUSTER_SCORE
          : 2 * (long) (MAX_CLUSTER_SCORE * (0.5 - (double) count / maxCount));
      scores.put(name(c), steady + balance);
    }
    return scores;
  }

  // ---- PlacementSatisfied

  private static DesiredCondition satisfied(List<String> clusterSetsInSpec, Set<String> eligible, int bindings,
                                            int available, int selected, int unscheduled) {
    String t = Placement.SATISFIED;
    if (bindings == 0) {
      return new DesiredCondition(t, Conditions.FALSE, Placement.REASON_NO_BINDINGS,
          "No valid ManagedClusterSetBindings found in placement namespace");
    }
    if (eligible.isEmpty()) {
      return new DesiredCondition(t, Conditions.FALSE, "NoIntersection", "None of ManagedClusterSets ["
          + String.join(",", clusterSetsInSpec == null ? List.of() : clusterSetsInSpec) + "] is bound to placement namespace");
    }
    if (available == 0) {
      return new DesiredCondition(t, Conditions.FALSE, "AllManagedClusterSetsEmpty",
          "All ManagedClusterSets [" + String.join(",", eligible) + "] have no member ManagedCluster");
    }
    if (selected == 0) {
      return new DesiredCondition(t, Conditions.FALSE, "NoManagedClusterMatched",
          "No ManagedCluster matches any of the cluster predicate");
    }
    if (unscheduled <= 0) {
      return new DesiredCondition(t, Conditions.TRUE, "AllDecisionsScheduled", "All cluster decisions scheduled");
    }
    return new DesiredCondition(t, Conditions.FALSE, "NotAllDecisionsScheduled",
        unscheduled + " cluster decisions unscheduled");
  }

  private static String name(ManagedCluster c) { return c.getMetadata().getName(); }

  private static String blankToNull(String s) { return s == null || s.isEmpty() ? null : s; }
}
