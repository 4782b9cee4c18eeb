package io.flotilla.hub.cluster.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.api.common.PlacementRef;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClusterSelectionTest {
  static final LabelSelector PROD = new LabelSelectorBuilder().addToMatchLabels("env", "prod").build();
  static final LabelSelector BAD = new LabelSelectorBuilder().addNewMatchExpression().withKey("env")
      .withOperator("Near").endMatchExpression().build();

  static Stream<Arguments> specs() {
    return Stream.of(
        Arguments.of("neither: every cluster", null, null, null),
        Arguments.of("a selector", PROD, null, null),
        Arguments.of("a placement", null, new PlacementRef(null, "dr"), null),
        Arguments.of("a placement in a namespace", null, new PlacementRef("ops", "dr"), null),
        Arguments.of("both", PROD, new PlacementRef(null, "dr"),
            "spec.clusterSelector and spec.placementRef are both set: choose the clusters by labels or by an OCM"
                + " Placement, not both"),
        Arguments.of("a placement without a name", null, new PlacementRef("ops", null),
            "spec.placementRef.name \"null\" is not a Placement name"),
        Arguments.of("a placement in a namespace that cannot be", null, new PlacementRef("Ops", "dr"),
            "spec.placementRef.namespace \"Ops\" is not a namespace name"),
        Arguments.of("a selector that cannot be evaluated", BAD, null,
            "spec.clusterSelector: label selector requirement on env has unknown operator Near (use In, NotIn, Exists"
                + " or DoesNotExist)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void oneWayOrTheOther(String name, LabelSelector selector, PlacementRef ref, String problem) {
    assertThat(ClusterSelection.specProblem("spec", selector, ref)).isEqualTo(Optional.ofNullable(problem));
  }

  /** What the DR rule keeps: placed before, no longer decided, tainted. */
  static Stream<Arguments> unreachable() {
    return Stream.of(
        Arguments.of("decided: nothing to keep", Set.of("a"), Set.of("a"), Set.of("a"), Set.of()),
        Arguments.of("dropped while tainted: kept", Set.of("a"), Set.of(), Set.of("a"), Set.of("a")),
        Arguments.of("dropped and reachable: gone", Set.of("a"), Set.of(), Set.of(), Set.of()),
        Arguments.of("tainted but never placed: not taken", Set.of(), Set.of(), Set.of("a"), Set.of()),
        Arguments.of("only the tainted ones of those dropped", Set.of("a", "b", "c"), Set.of("a"), Set.of("a", "b"),
            Set.of("b")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreachable")
  void aLostClusterStaysInItsBackupsPolicy(String name, Set<String> before, Set<String> decided, Set<String> tainted,
                                          Set<String> kept) {
    assertThat(ClusterSelection.keptWhileUnreachable(before, decided, tainted)).isEqualTo(kept);
  }

  @Test
  void selectsByLabelsOrByDecisionsAndKeeps() {
    assertThat(ClusterSelection.byLabels(null).selects("a", Map.of())).isTrue();
    assertThat(ClusterSelection.byLabels(PROD).selects("a", Map.of("env", "dev"))).isFalse();
    assertThat(ClusterSelection.byLabels(PROD).selects("a", Map.of("env", "prod"))).isTrue();
    assertThatThrownBy(() -> ClusterSelection.byLabels(BAD)).isInstanceOf(IllegalArgumentException.class);

    ClusterSelection decided = ClusterSelection.byPlacement(Set.of("a"));
    assertThat(decided.byPlacement()).isTrue();
    // labels do not matter to a placement
    assertThat(decided.selects("a", Map.of())).isTrue();
    assertThat(decided.selects("b", Map.of("env", "prod"))).isFalse();
    assertThat(decided.keeping(Set.of("b")).selects("b", Map.of())).isTrue();
    assertThat(decided.keeping(Set.of("b")).kept()).containsExactly("b");

    ClusterSelection none = ClusterSelection.unusable("no OCM");
    assertThat(none.selects("a", Map.of())).isFalse();
    assertThat(none.unusable()).contains("no OCM");
  }
}
