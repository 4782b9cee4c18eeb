package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.flotilla.sandbox.ocm.OcmFixtures.cluster;
import static io.flotilla.sandbox.ocm.OcmFixtures.exclusiveSet;
import static io.flotilla.sandbox.ocm.OcmFixtures.labelSelectorSet;
import static io.flotilla.sandbox.ocm.OcmFixtures.matchLabels;
import static io.flotilla.sandbox.ocm.OcmFixtures.requirement;
import static org.assertj.core.api.Assertions.assertThat;

/** Cluster-set membership and the hub's default sets (docs/ocm-facts.md §I2.4, §I6.2). */
class ClusterSetsTest {
  private static final List<ManagedCluster> CLUSTERS = List.of(cluster("a"), cluster("b", "env", "prod"),
      cluster("c", ManagedCluster.CLUSTER_SET_LABEL, "edge", "env", "prod"));

  static Stream<Arguments> membership() {
    ManagedClusterSet noType = exclusiveSet("default");
    noType.getSpec().clusterSelector = null;
    LabelSelector bad = new LabelSelector();
    bad.setMatchExpressions(List.of(requirement("env", "In")));
    ManagedClusterSet unknownType = exclusiveSet("x");
    unknownType.getSpec().clusterSelector.selectorType = "Other";
    return Stream.of(
        Arguments.of("exclusive: the cluster-set label names it", exclusiveSet("default"), List.of("a", "b")),
        Arguments.of("exclusive, another set", exclusiveSet("edge"), List.of("c")),
        Arguments.of("no selector at all: exclusive (OCM's default)", noType, List.of("a", "b")),
        Arguments.of("label selector", labelSelectorSet("prod", matchLabels("env", "prod")), List.of("b", "c")),
        Arguments.of("empty label selector: every cluster (global)", ClusterSets.globalSet(), List.of("a", "b", "c")),
        Arguments.of("missing label selector: none", labelSelectorSet("none", null), List.of()),
        Arguments.of("a label selector that cannot be evaluated: none", labelSelectorSet("bad", bad), List.of()),
        Arguments.of("an unknown selector type: none", unknownType, List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void membership(String what, ManagedClusterSet set, List<String> members) {
    assertThat(ClusterSets.members(set, CLUSTERS)).extracting(c -> c.getMetadata().getName()).isEqualTo(members);
  }

  @Test
  void emptyAndBoundConditions() {
    assertThat(ClusterSets.emptyCondition(0).status()).isEqualTo("True");
    assertThat(ClusterSets.emptyCondition(0).reason()).isEqualTo("NoClusterMatched");
    assertThat(ClusterSets.emptyCondition(3).status()).isEqualTo("False");
    assertThat(ClusterSets.emptyCondition(3).message()).isEqualTo("3 ManagedClusters selected");
    assertThat(ClusterSets.boundCondition(true).reason()).isEqualTo("ClusterSetBound");
    assertThat(ClusterSets.boundCondition(false).status()).isEqualTo("False");
    assertThat(ClusterSets.boundCondition(false).reason()).isEqualTo("ClusterSetNotFound");
  }

  @Test
  void theHubPutsBackTheDefaultSetsSelectorUnlessToldNotTo() {
    ManagedClusterSet changed = exclusiveSet("global");
    assertThat(ClusterSets.selectorToRestore(changed, ClusterSets.globalSet())).isPresent()
        .get().extracting(s -> s.selectorType).isEqualTo(ManagedClusterSet.SELECTOR_LABEL_SELECTOR);
    assertThat(ClusterSets.selectorToRestore(ClusterSets.globalSet(), ClusterSets.globalSet())).isEmpty();
    assertThat(ClusterSets.selectorToRestore(ClusterSets.defaultSet(), ClusterSets.defaultSet())).isEmpty();

    changed.getMetadata().setAnnotations(Map.of(ClusterSets.AUTO_UPDATE_ANNOTATION, "false"));
    assertThat(ClusterSets.selectorToRestore(changed, ClusterSets.globalSet())).isEmpty();
  }
}
