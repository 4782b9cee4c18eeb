package io.flotilla.sandbox.ocm;

import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.flotilla.sandbox.ocm.OcmFixtures.binding;
import static io.flotilla.sandbox.ocm.OcmFixtures.claimPredicate;
import static io.flotilla.sandbox.ocm.OcmFixtures.cluster;
import static io.flotilla.sandbox.ocm.OcmFixtures.deleting;
import static io.flotilla.sandbox.ocm.OcmFixtures.exclusiveSet;
import static io.flotilla.sandbox.ocm.OcmFixtures.labelPredicate;
import static io.flotilla.sandbox.ocm.OcmFixtures.labelSelectorSet;
import static io.flotilla.sandbox.ocm.OcmFixtures.matchLabels;
import static io.flotilla.sandbox.ocm.OcmFixtures.placement;
import static io.flotilla.sandbox.ocm.OcmFixtures.requirement;
import static io.flotilla.sandbox.ocm.OcmFixtures.toleration;
import static io.flotilla.sandbox.ocm.OcmFixtures.withClaim;
import static io.flotilla.sandbox.ocm.OcmFixtures.withTaint;
import static org.assertj.core.api.Assertions.assertThat;

/** OCM's placement scheduling as the simulator plays it (docs/ocm-facts.md §I2.4, §I2.5, §I6.4). */
class PlacementSelectionTest {
  private static final String NS = "flotilla-system";
  private static final Instant NOW = Instant.parse("2026-12-10T12:00:00Z");
  private static final List<ManagedClusterSet> SETS = List.of(exclusiveSet("default"),
      labelSelectorSet("global", new io.fabric8.kubernetes.api.model.LabelSelector()), exclusiveSet("edge"),
      labelSelectorSet("prod", matchLabels("env", "prod")), exclusiveSet("empty"));
  private static final List<ManagedCluster> CLUSTERS = List.of(cluster("a"), cluster("b", "env", "prod"),
      cluster("c", ManagedCluster.CLUSTER_SET_LABEL, "edge"), deleting(cluster("d")));

  // ---- §I2.4: a Placement sees only the sets bound into its namespace

  static Stream<Arguments> clusterSets() {
    return Stream.of(
        Arguments.of("no binding", List.of(), null, Placement.REASON_NO_BINDINGS, List.of()),
        Arguments.of("a binding of a set that does not exist counts as none", List.of("nope"), null,
            Placement.REASON_NO_BINDINGS, List.of()),
        Arguments.of("spec.clusterSets names a set not bound here", List.of("default"), List.of("edge"),
            "NoIntersection", List.of()),
        Arguments.of("the bound set has no member", List.of("empty"), null, "AllManagedClusterSetsEmpty", List.of()),
        Arguments.of("default: by the cluster-set label; a cluster being deleted never", List.of("default"), null,
            "AllDecisionsScheduled", List.of("a", "b")),
        Arguments.of("global: every cluster", List.of("global"), null, "AllDecisionsScheduled", List.of("a", "b", "c")),
        Arguments.of("a label-selector set", List.of("prod"), null, "AllDecisionsScheduled", List.of("b")),
        Arguments.of("two sets bound, their union", List.of("edge", "prod"), null, "AllDecisionsScheduled",
            List.of("b", "c")),
        Arguments.of("two sets bound, spec.clusterSets narrows to one", List.of("edge", "prod"), List.of("edge"),
            "AllDecisionsScheduled", List.of("c")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void clusterSets(String what, List<String> bound, List<String> clusterSets, String reason, List<String> selected) {
    Placement p = placement(NS, "p");
    p.getSpec().clusterSets = clusterSets;
    List<ManagedClusterSetBinding> bindings = bound.stream().map(s -> binding(NS, s)).toList();

    PlacementSelection.Result r = select(p, bindings, CLUSTERS, Set.of(), Map.of(), NOW);

    assertThat(r.satisfied().reason()).isEqualTo(reason);
    assertThat(r.satisfied().status()).isEqualTo(selected.isEmpty() ? Conditions.FALSE : Conditions.TRUE);
    assertThat(r.selected()).isEqualTo(selected);
    assertThat(r.numberOfSelectedClusters()).isEqualTo(selected.size());
  }

  @Test
  void bindingsInAnotherNamespaceAreNotSeen() {
    // the caller passes the Placement's namespace's bindings only; the selection trusts the binding's name, as OCM
    PlacementSelection.Result r = select(placement(NS, "p"), List.of(), CLUSTERS, Set.of(), Map.of(), NOW);
    assertThat(r.satisfied().message()).isEqualTo("No valid ManagedClusterSetBindings found in placement namespace");
  }

  // ---- §I2.5: predicates, label and claim selectors

  static Stream<Arguments> predicates() {
    String hosting = ClusterClaim.HOSTING_CLUSTER;
    return Stream.of(
        Arguments.of("no predicate: everything", List.of(), List.of("a", "b", "h")),
        Arguments.of("a label selector", List.of(labelPredicate(matchLabels("env", "prod"))), List.of("b")),
        Arguments.of("a claim selector", List.of(claimPredicate(requirement(hosting, "In", "true"))), List.of("h")),
        Arguments.of("a claim selector, NotIn", List.of(claimPredicate(requirement(hosting, "NotIn", "true"))),
            List.of("a", "b")),
        Arguments.of("predicates are ORed", List.of(labelPredicate(matchLabels("env", "prod")),
            claimPredicate(requirement(hosting, "Exists"))), List.of("b", "h")),
        Arguments.of("label and claim selector of one predicate are ANDed", List.of(both(matchLabels("env", "prod"),
            requirement(hosting, "Exists"))), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void predicates(String what, List<Placement.Predicate> predicates, List<String> selected) {
    Placement p = placement(NS, "p");
    p.getSpec().predicates = predicates;
    List<ManagedCluster> clusters = List.of(cluster("a"), cluster("b", "env", "prod"),
        withClaim(cluster("h"), ClusterClaim.HOSTING_CLUSTER, "true"));

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), clusters, Set.of(), Map.of(), NOW);

    assertThat(r.selected()).isEqualTo(selected);
    assertThat(r.misconfigured().status()).isEqualTo(Conditions.FALSE);
    assertThat(r.misconfigured().reason()).isEqualTo("Succeedconfigured");
    assertThat(r.satisfied().reason()).isEqualTo(selected.isEmpty() ? "NoManagedClusterMatched" : "AllDecisionsScheduled");
  }

  @Test
  void aSelectorThatCannotBeEvaluatedMisconfiguresThePlacementAndSelectsNothing() {
    Placement p = placement(NS, "p");
    p.getSpec().predicates = List.of(claimPredicate(requirement(ClusterClaim.HOSTING_CLUSTER, "In")));

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), List.of(cluster("a")), Set.of(), Map.of(), NOW);

    assertThat(r.misconfigured().status()).isEqualTo(Conditions.TRUE);
    assertThat(r.misconfigured().reason()).isEqualTo("Misconfigured");
    assertThat(r.misconfigured().message()).startsWith("Predicate:");
    assertThat(r.selected()).isEmpty();
    assertThat(r.pages()).hasSize(1);
  }

  // ---- §I2.1, §I3.4 item 2: taints and tolerations

  private static final Instant ADDED = NOW.minusSeconds(100);

  static Stream<Arguments> taints() {
    String unreachable = ManagedCluster.TAINT_UNREACHABLE;
    String noSelect = ManagedCluster.EFFECT_NO_SELECT;
    return Stream.of(
        Arguments.of("no taint", null, null, List.of(), false, true),
        Arguments.of("NoSelect, not tolerated", unreachable, noSelect, List.of(), false, false),
        Arguments.of("NoSelect, not tolerated, even if chosen before", unreachable, noSelect, List.of(), true, false),
        Arguments.of("tolerated by key, Exists", unreachable, noSelect,
            List.of(toleration(unreachable, Placement.OPERATOR_EXISTS, null)), false, true),
        Arguments.of("an Exists toleration without key tolerates every taint", unreachable, noSelect,
            List.of(toleration(null, Placement.OPERATOR_EXISTS, null)), false, true),
        Arguments.of("Equal (the default) with the taint's empty value", unreachable, noSelect,
            List.of(toleration(unreachable, null, null)), false, true),
        Arguments.of("another key", unreachable, noSelect,
            List.of(toleration(ManagedCluster.TAINT_UNAVAILABLE, Placement.OPERATOR_EXISTS, null)), false, false),
        Arguments.of("another effect", unreachable, noSelect, List.of(effect(toleration(unreachable,
            Placement.OPERATOR_EXISTS, null), ManagedCluster.EFFECT_PREFER_NO_SELECT)), false, false),
        Arguments.of("Equal, another value", unreachable, noSelect, List.of(value(toleration(unreachable,
            Placement.OPERATOR_EQUAL, null), "x")), false, false),
        Arguments.of("tolerationSeconds not yet run out (101 s from timeAdded)", unreachable, noSelect,
            List.of(toleration(unreachable, Placement.OPERATOR_EXISTS, 101L)), true, true),
        Arguments.of("tolerationSeconds run out exactly now", unreachable, noSelect,
            List.of(toleration(unreachable, Placement.OPERATOR_EXISTS, 100L)), true, false),
        Arguments.of("a toleration that ran out, then one that did not", unreachable, noSelect,
            List.of(toleration(unreachable, Placement.OPERATOR_EXISTS, 10L), toleration(null, Placement.OPERATOR_EXISTS,
                null)), true, true),
        Arguments.of("PreferNoSelect never excludes", "x", ManagedCluster.EFFECT_PREFER_NO_SELECT, List.of(), false, true),
        Arguments.of("NoSelectIfNew excludes a new cluster", "x", ManagedCluster.EFFECT_NO_SELECT_IF_NEW, List.of(),
            false, false),
        Arguments.of("NoSelectIfNew keeps a cluster chosen before", "x", ManagedCluster.EFFECT_NO_SELECT_IF_NEW,
            List.of(), true, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void taints(String what, String taintKey, String effect, List<Placement.Toleration> tolerations, boolean chosen,
              boolean selected) {
    ManagedCluster x = cluster("x");
    if (taintKey != null) {
      withTaint(x, taintKey, effect, ADDED);
    }
    Placement p = placement(NS, "p");
    p.getSpec().tolerations = tolerations;

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), List.of(x),
        chosen ? Set.of("x") : Set.of(), Map.of(), NOW);

    assertThat(r.selected()).isEqualTo(selected ? List.of("x") : List.of());
  }

  @Test
  void aChosenClusterIsScheduledAgainWhenItsTolerationRunsOut() {
    ManagedCluster x = withTaint(cluster("x"), ManagedCluster.TAINT_UNREACHABLE, ManagedCluster.EFFECT_NO_SELECT, ADDED);
    Placement p = placement(NS, "p");
    p.getSpec().tolerations = List.of(toleration(ManagedCluster.TAINT_UNREACHABLE, Placement.OPERATOR_EXISTS, 300L));

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), List.of(x), Set.of("x"), Map.of(), NOW);

    assertThat(r.selected()).containsExactly("x");
    assertThat(r.recheckAt()).contains(ADDED.plusSeconds(300));
    assertThat(select(p, List.of(binding(NS, "default")), List.of(x), Set.of("x"), Map.of(), ADDED.plusSeconds(300))
        .selected()).isEmpty();
  }

  static Stream<Arguments> misconfiguredTolerations() {
    return Stream.of(
        Arguments.of("no key, operator Equal", toleration(null, Placement.OPERATOR_EQUAL, null)),
        Arguments.of("no key, no operator", toleration(null, null, null)),
        Arguments.of("Exists with a value", value(toleration("k", Placement.OPERATOR_EXISTS, null), "v")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void misconfiguredTolerations(String what, Placement.Toleration toleration) {
    Placement p = placement(NS, "p");
    p.getSpec().tolerations = List.of(toleration);

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), List.of(cluster("a")), Set.of(), Map.of(), NOW);

    assertThat(r.misconfigured().status()).isEqualTo(Conditions.TRUE);
    assertThat(r.misconfigured().message()).isEqualTo("TaintToleration:");
    assertThat(r.selected()).isEmpty();
  }

  // ---- numberOfClusters and OCM's default prioritizers

  static Stream<Arguments> numberOfClusters() {
    return Stream.of(
        Arguments.of("ties go by name", 2, Set.of(), Map.of(), List.of("a", "b"), "AllDecisionsScheduled"),
        Arguments.of("Steady keeps what was chosen", 2, Set.of("d", "e"), Map.of(), List.of("d", "e"),
            "AllDecisionsScheduled"),
        Arguments.of("Balance prefers clusters other placements chose less", 2, Set.of(),
            Map.of("a", 2, "b", 1), List.of("c", "d"), "AllDecisionsScheduled"),
        Arguments.of("more wanted than there are", 7, Set.of(), Map.of(), List.of("a", "b", "c", "d", "e"),
            "NotAllDecisionsScheduled"),
        Arguments.of("none wanted", 0, Set.of(), Map.of(), List.of(), "NoManagedClusterMatched"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void numberOfClusters(String what, int wanted, Set<String> chosen, Map<String, Integer> others, List<String> selected,
                        String reason) {
    Placement p = placement(NS, "p");
    p.getSpec().numberOfClusters = wanted;
    List<ManagedCluster> clusters = Stream.of("e", "d", "c", "b", "a").map(OcmFixtures::cluster).toList();

    PlacementSelection.Result r = select(p, List.of(binding(NS, "default")), clusters, chosen, others, NOW);

    assertThat(r.selected()).isEqualTo(selected);
    assertThat(r.satisfied().reason()).isEqualTo(reason);
    if (reason.equals("NotAllDecisionsScheduled")) {
      assertThat(r.satisfied().message()).isEqualTo("2 cluster decisions unscheduled");
    }
  }

  // ---- §I2.5: pages of at most 100, named <placement>-decision-<n>, at least one

  static Stream<Arguments> pages() {
    return Stream.of(
        Arguments.of(0, List.of(0)),
        Arguments.of(1, List.of(1)),
        Arguments.of(100, List.of(100)),
        Arguments.of(101, List.of(100, 1)),
        Arguments.of(250, List.of(100, 100, 50)));
  }

  @ParameterizedTest(name = "{0} clusters: pages of {1}")
  @MethodSource
  void pages(int clusters, List<Integer> sizes) {
    List<ManagedCluster> all = IntStream.range(0, clusters).mapToObj(i -> cluster(String.format("mc-%03d", i))).toList();
    List<ManagedCluster> shuffled = new ArrayList<>(all);
    java.util.Collections.shuffle(shuffled, new java.util.Random(7));

    PlacementSelection.Result r = select(placement(NS, "dr"), List.of(binding(NS, "default")), shuffled, Set.of(),
        Map.of(), NOW);

    assertThat(r.pages()).extracting(pg -> pg.clusters().size()).isEqualTo(sizes);
    assertThat(r.pages()).extracting(PlacementSelection.Page::name)
        .isEqualTo(IntStream.rangeClosed(1, sizes.size()).mapToObj(i -> "dr-decision-" + i).toList());
    assertThat(r.pages()).allSatisfy(pg -> {
      assertThat(pg.groupIndex()).isZero();
      assertThat(pg.groupName()).isEmpty();
    });
    // sorted by name across the pages
    assertThat(r.selected()).isEqualTo(all.stream().map(c -> c.getMetadata().getName()).toList());
    Placement.DecisionGroup group = r.decisionGroups().get(0);
    assertThat(r.decisionGroups()).hasSize(1);
    assertThat(group.decisionGroupIndex).isZero();
    assertThat(group.decisionGroupName).isEmpty();
    assertThat(group.decisions).isEqualTo(r.pages().stream().map(PlacementSelection.Page::name).toList());
    assertThat(group.clusterCount).isEqualTo(clusters);
  }

  // ---- helpers

  private static PlacementSelection.Result select(Placement p, List<ManagedClusterSetBinding> bindings,
                                                  List<ManagedCluster> clusters, Set<String> chosen,
                                                  Map<String, Integer> others, Instant now) {
    return PlacementSelection.select(new PlacementSelection.Input(p, bindings, SETS, clusters, chosen, others, now));
  }

  private static Placement.Predicate both(io.fabric8.kubernetes.api.model.LabelSelector labels,
                                          io.fabric8.kubernetes.api.model.LabelSelectorRequirement claim) {
    Placement.Predicate p = claimPredicate(claim);
    p.requiredClusterSelector.labelSelector = labels;
    return p;
  }

  private static Placement.Toleration effect(Placement.Toleration t, String effect) {
    t.effect = effect;
    return t;
  }

  private static Placement.Toleration value(Placement.Toleration t, String value) {
    t.value = value;
    return t;
  }
}
