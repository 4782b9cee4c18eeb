package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.testing.MutableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.flotilla.sandbox.ocm.OcmFixtures.binding;
import static io.flotilla.sandbox.ocm.OcmFixtures.cluster;
import static io.flotilla.sandbox.ocm.OcmFixtures.exclusiveSet;
import static io.flotilla.sandbox.ocm.OcmFixtures.placement;
import static io.flotilla.sandbox.ocm.OcmFixtures.toleration;
import static io.flotilla.sandbox.ocm.OcmFixtures.withTaint;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub's placement and cluster-set controllers against a sandbox hub, by direct calls (docs/ocm-facts.md §I2.4,
 * §I2.5, §I6.2, §I6.4). The 250 clusters are ManagedClusters created directly: placement needs no management cluster
 * behind them.
 */
class PlacementControllerTest {
  private static final Instant NOW = Instant.parse("2026-12-10T12:00:00Z");
  static MockApiServer hub;
  static KubernetesClient client;
  final MutableClock clock = new MutableClock(NOW);
  final PlacementController placements = new PlacementController(client, clock);
  final ClusterSetController clusterSets = new ClusterSetController(client, clock);

  @BeforeAll
  static void start() {
    hub = MockApiServer.start("hub");
    client = hub.adminClient();
  }

  @AfterAll
  static void stop() { hub.close(); }

  @Test
  void theHubKeepsTheDefaultAndGlobalSetsAndPutsBackTheirSelectors() {
    clusterSets.ensureDefaultSets();
    ManagedClusterSet global = client.resources(ManagedClusterSet.class).withName("global").get();
    assertThat(global.getSpec().clusterSelector.selectorType).isEqualTo("LabelSelector");
    assertThat(client.resources(ManagedClusterSet.class).withName("default").get().getSpec().clusterSelector.selectorType)
        .isEqualTo("ExclusiveClusterSetLabel");

    global.getSpec().clusterSelector.selectorType = "ExclusiveClusterSetLabel";
    client.resource(global).update();
    clusterSets.ensureDefaultSets();

    assertThat(client.resources(ManagedClusterSet.class).withName("global").get().getSpec().clusterSelector.selectorType)
        .isEqualTo("LabelSelector");
  }

  @Test
  void setsSayWhetherTheyAreEmptyAndBindingsWhetherTheirSetExists() {
    client.resource(exclusiveSet("lonely")).create();
    client.resource(exclusiveSet("busy")).create();
    client.resource(cluster("busy-1", ManagedCluster.CLUSTER_SET_LABEL, "busy")).create();
    namespace("team-a");
    client.resource(binding("team-a", "busy")).create();
    client.resource(binding("team-a", "missing")).create();

    clusterSets.syncSet("lonely");
    clusterSets.syncSet("busy");
    clusterSets.syncBinding("team-a", "busy");
    clusterSets.syncBinding("team-a", "missing");

    assertThat(condition(client.resources(ManagedClusterSet.class).withName("lonely").get().getStatus().conditions,
        "ClusterSetEmpty")).extracting(Condition::getStatus, Condition::getReason).containsExactly("True", "NoClusterMatched");
    assertThat(condition(client.resources(ManagedClusterSet.class).withName("busy").get().getStatus().conditions,
        "ClusterSetEmpty")).extracting(Condition::getStatus, Condition::getMessage)
        .containsExactly("False", "1 ManagedClusters selected");
    assertThat(condition(readBinding("team-a", "busy").getStatus().conditions, "Bound").getStatus()).isEqualTo("True");
    assertThat(condition(readBinding("team-a", "missing").getStatus().conditions, "Bound").getReason())
        .isEqualTo("ClusterSetNotFound");
  }

  /** §I2.5: at most 100 decisions a page, every page labelled and owned by the Placement, status counted. */
  @Test
  void twoHundredFiftyClustersMakeThreePagesThatShrinkAndGoWithThePlacement() {
    client.resource(exclusiveSet("fleet")).create();
    IntStream.range(0, 250).forEach(i -> client.resource(
        cluster(String.format("fleet-%03d", i), ManagedCluster.CLUSTER_SET_LABEL, "fleet")).create());
    namespace("dr");
    client.resource(binding("dr", "fleet")).create();
    Placement dr = client.resource(placement("dr", "all")).create();

    placements.sync("dr", "all");

    List<PlacementDecision> pages = pages("dr", "all");
    assertThat(pages).extracting(pd -> pd.getMetadata().getName())
        .containsExactly("all-decision-1", "all-decision-2", "all-decision-3");
    assertThat(pages).extracting(pd -> pd.getStatus().decisions.size()).containsExactly(100, 100, 50);
    assertThat(pages.get(0).getStatus().decisions.get(0).clusterName).isEqualTo("fleet-000");
    assertThat(pages.get(2).getStatus().decisions.get(49).clusterName).isEqualTo("fleet-249");
    for (PlacementDecision pd : pages) {
      assertThat(pd.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
          PlacementDecision.PLACEMENT_LABEL, "all", PlacementDecision.DECISION_GROUP_INDEX_LABEL, "0",
          PlacementDecision.DECISION_GROUP_NAME_LABEL, ""));
      OwnerReference owner = pd.getMetadata().getOwnerReferences().get(0);
      assertThat(owner.getUid()).isEqualTo(dr.getMetadata().getUid());
      assertThat(owner.getController()).isTrue();
    }
    Placement.Status status = client.resources(Placement.class).inNamespace("dr").withName("all").get().getStatus();
    assertThat(status.numberOfSelectedClusters).isEqualTo(250);
    assertThat(status.decisionGroups).singleElement().satisfies(g -> {
      assertThat(g.decisions).containsExactly("all-decision-1", "all-decision-2", "all-decision-3");
      assertThat(g.clusterCount).isEqualTo(250);
    });
    assertThat(condition(status.conditions, Placement.SATISFIED)).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("True", "AllDecisionsScheduled");
    assertThat(condition(status.conditions, Placement.MISCONFIGURED).getStatus()).isEqualTo("False");

    Placement fewer = client.resources(Placement.class).inNamespace("dr").withName("all").get();
    fewer.getSpec().numberOfClusters = 150;
    client.resource(fewer).update();
    placements.sync("dr", "all");

    assertThat(pages("dr", "all")).extracting(pd -> pd.getStatus().decisions.size()).containsExactly(100, 50);
    assertThat(client.resources(Placement.class).inNamespace("dr").withName("all").get().getStatus()
        .numberOfSelectedClusters).isEqualTo(150);

    client.resources(Placement.class).inNamespace("dr").withName("all").delete();
    placements.sync("dr", "all");

    assertThat(pages("dr", "all")).isEmpty();
  }

  /** §I2.1, §I3.4 item 2: an unreachable cluster drops out of a placement that does not tolerate it. */
  @Test
  void anUnreachableClusterDropsOutUnlessTolerated() {
    client.resource(exclusiveSet("mgmt")).create();
    client.resource(cluster("mgmt-1", ManagedCluster.CLUSTER_SET_LABEL, "mgmt")).create();
    client.resource(withTaint(cluster("mgmt-2", ManagedCluster.CLUSTER_SET_LABEL, "mgmt"),
        ManagedCluster.TAINT_UNREACHABLE, ManagedCluster.EFFECT_NO_SELECT, NOW)).create();
    namespace("ops");
    client.resource(binding("ops", "mgmt")).create();
    client.resource(placement("ops", "plain")).create();
    Placement tolerant = placement("ops", "dr-agents");
    tolerant.getSpec().tolerations = List.of(toleration(ManagedCluster.TAINT_UNREACHABLE, Placement.OPERATOR_EXISTS, null),
        toleration(ManagedCluster.TAINT_UNAVAILABLE, Placement.OPERATOR_EXISTS, null));
    client.resource(tolerant).create();

    placements.sync("ops", "plain");
    placements.sync("ops", "dr-agents");

    assertThat(clusters("ops", "plain")).containsExactly("mgmt-1");
    assertThat(clusters("ops", "dr-agents")).containsExactly("mgmt-1", "mgmt-2");
  }

  @Test
  void withoutABindingThePlacementSaysSoAndHoldsOneEmptyPage() {
    namespace("unbound");
    client.resource(placement("unbound", "p")).create();

    placements.sync("unbound", "p");

    assertThat(pages("unbound", "p")).singleElement().satisfies(pd -> assertThat(pd.getStatus().decisions).isEmpty());
    Placement.Status status = client.resources(Placement.class).inNamespace("unbound").withName("p").get().getStatus();
    assertThat(condition(status.conditions, Placement.SATISFIED)).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "NoManagedClusterSetBindings");
    assertThat(status.numberOfSelectedClusters).isZero();
  }

  // ---- helpers

  private static void namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
  }

  private static List<PlacementDecision> pages(String ns, String placement) {
    return client.resources(PlacementDecision.class).inNamespace(ns)
        .withLabel(PlacementDecision.PLACEMENT_LABEL, placement).list().getItems().stream()
        .sorted(Comparator.comparing(pd -> pd.getMetadata().getName())).toList();
  }

  private static List<String> clusters(String ns, String placement) {
    return pages(ns, placement).stream().flatMap(pd -> pd.getStatus().decisions.stream()).map(d -> d.clusterName).toList();
  }

  private static ManagedClusterSetBinding readBinding(String ns, String name) {
    return client.resources(ManagedClusterSetBinding.class).inNamespace(ns).withName(name).get();
  }

  private static Condition condition(List<Condition> conditions, String type) {
    return Conditions.find(conditions, type).orElseThrow(() -> new AssertionError("no condition " + type));
  }
}
