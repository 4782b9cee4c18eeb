package io.flotilla.hub.dr.policy;

import static io.flotilla.hub.dr.policy.Specs.active;
import static io.flotilla.hub.dr.policy.Specs.cluster;
import static io.flotilla.hub.dr.policy.Specs.clusters;
import static io.flotilla.hub.dr.policy.Specs.hc;
import static io.flotilla.hub.dr.policy.Specs.hosted;
import static io.flotilla.hub.dr.policy.Specs.labels;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static io.flotilla.hub.dr.policy.Specs.target;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SchedulePlacementTest {
  final List<SchedulePlacement.Cluster> fleet = List.of(
      cluster("mc1", labels("env", "prod"), hc("clusters/a", "tier", "gold"), hc("clusters/b"), hc("other/c")),
      cluster("mc2", labels("env", "dev"), hc("clusters/d", "tier", "gold")),
      cluster("mc3", labels("env", "prod")));

  /** cluster → policy → hosted clusters, from the schedules. */
  static Map<String, Map<String, List<String>>> entries(SchedulePlacement.Result r) {
    Map<String, Map<String, List<String>>> out = new TreeMap<>();
    r.schedules().forEach((cluster, s) -> {
      assertThat(s.cluster).isEqualTo(cluster);
      for (EffectiveBackupSchedule.Entry e : s.entries) {
        out.computeIfAbsent(cluster, k -> new TreeMap<>()).put(e.policy,
            e.hostedClusters.stream().map(NamespacedName::toString).toList());
      }
    });
    return out;
  }

  @Test
  void selectorsChooseClustersNamespacesAndLabels() {
    BackupPolicySpec prodGold = hosted(clusters(spec("0 2 * * *"), "env", "prod"), null, "tier", "gold");
    BackupPolicySpec devClustersNs = hosted(clusters(spec("0 * * * *"), "env", "dev"), List.of("clusters"));
    var r = SchedulePlacement.place(List.of(active("gold", prodGold), active("dev", devClustersNs)), fleet);
    assertThat(entries(r)).isEqualTo(Map.of(
        "mc1", Map.of("gold", List.of("clusters/a")),
        "mc2", Map.of("dev", List.of("clusters/d"))));
    assertThat(r.schedules()).doesNotContainKey("mc3"); // selected, but nothing to back up there
  }

  @Test
  void anEmptySelectorSelectsEverything() {
    var r = SchedulePlacement.place(List.of(active("all", spec("0 2 * * *"))), fleet);
    assertThat(entries(r)).isEqualTo(Map.of(
        "mc1", Map.of("all", List.of("clusters/a", "clusters/b", "other/c")),
        "mc2", Map.of("all", List.of("clusters/d"))));
    assertThat(r.share("all").backedUp()).hasSize(4);
  }

  @Test
  void entriesCarryTheScheduleSettings() {
    BackupPolicySpec s = spec(" 0 2 * * * ");
    s.timeZone = "Europe/Paris";
    s.maxPauseWindow = "2m";
    s.quiesceAPIServers = true;
    var e = SchedulePlacement.place(List.of(active("p", s)), fleet).schedules().get("mc2").entries.get(0);
    assertThat(e.policy).isEqualTo("p");
    assertThat(e.schedule).isEqualTo("0 2 * * *");
    assertThat(e.timeZone).isEqualTo("Europe/Paris");
    assertThat(e.store).isEqualTo("s3");
    assertThat(e.maxPauseWindow).isEqualTo("2m");
    assertThat(e.quiesceAPIServers).isTrue();
  }

  @Test
  void anOverlapGoesToThePolicyWhoseNameSortsFirst() {
    BackupPolicySpec everything = spec("0 * * * *");
    BackupPolicySpec gold = hosted(spec("*/5 * * * *"), null, "tier", "gold");
    // given in the "wrong" order: the rule depends on names only
    var r = SchedulePlacement.place(List.of(active("b-all", everything), active("a-gold", gold)), fleet);
    assertThat(entries(r)).isEqualTo(Map.of(
        "mc1", Map.of("a-gold", List.of("clusters/a"), "b-all", List.of("clusters/b", "other/c")),
        "mc2", Map.of("a-gold", List.of("clusters/d"))));
    assertThat(r.share("b-all").yielded()).containsExactly(
        new SchedulePlacement.Overlap(target("mc1", "clusters/a"), "a-gold"),
        new SchedulePlacement.Overlap(target("mc2", "clusters/d"), "a-gold"));
    assertThat(r.share("a-gold").precedes()).extracting(SchedulePlacement.Overlap::policy).containsOnly("b-all");
    assertThat(r.share("a-gold").yielded()).isEmpty();
    // entries within a cluster sort by policy name
    assertThat(r.schedules().get("mc1").entries).extracting(e -> e.policy).containsExactly("a-gold", "b-all");
  }

  @Test
  void threeWayOverlapEachLoserNamesTheWinner() {
    var r = SchedulePlacement.place(List.of(active("c", spec("0 * * * *")), active("a", hosted(spec("0 * * * *"),
        List.of("other"))), active("b", spec("0 * * * *"))), fleet);
    assertThat(entries(r).get("mc1")).isEqualTo(Map.of("a", List.of("other/c"),
        "b", List.of("clusters/a", "clusters/b")));
    assertThat(r.share("c").backedUp()).isEmpty();
    assertThat(r.share("c").yielded()).extracting(o -> o.target() + "->" + o.policy()).containsExactly(
        "clusters/a on mc1->b", "clusters/b on mc1->b", "other/c on mc1->a", "clusters/d on mc2->b");
  }

  @Test
  void suspendedAndInvalidPoliciesPlaceNothingAndTakeNothing() {
    var suspended = new SchedulePlacement.Policy("a", spec("0 * * * *"), false);
    var r = SchedulePlacement.place(List.of(suspended, active("b", spec("0 2 * * *"))), fleet);
    assertThat(entries(r).get("mc1")).containsOnlyKeys("b"); // b takes what a would have won
    assertThat(r.share("b").yielded()).isEmpty();
    assertThat(r.share("a")).isEqualTo(new SchedulePlacement.Share(List.of(), List.of(), List.of()));
    var none = SchedulePlacement.place(List.of(suspended), fleet);
    assertThat(none.schedules()).isEmpty();
    assertThat(none.shares()).containsOnlyKeys("a");
  }

  @Test
  void theResultDoesNotDependOnInputOrder() {
    List<SchedulePlacement.Policy> policies = new ArrayList<>(List.of(active("x", spec("0 * * * *")),
        active("y", hosted(spec("0 2 * * *"), null, "tier", "gold")), active("z", clusters(spec("0 3 * * *"), "env", "prod"))));
    var first = SchedulePlacement.place(policies, fleet);
    Collections.reverse(policies);
    List<SchedulePlacement.Cluster> reversedFleet = new ArrayList<>(fleet);
    Collections.reverse(reversedFleet);
    var second = SchedulePlacement.place(policies, reversedFleet);
    assertThat(entries(second)).isEqualTo(entries(first));
    assertThat(second.shares()).isEqualTo(first.shares());
  }

  @Test
  void aHostedClusterReportedTwiceIsPlacedOnce() {
    var dup = List.of(cluster("mc1", Map.of(), hc("clusters/a"), hc("clusters/a")));
    var r = SchedulePlacement.place(List.of(active("p", spec("0 * * * *"))), dup);
    assertThat(entries(r)).isEqualTo(Map.of("mc1", Map.of("p", List.of("clusters/a"))));
    assertThat(r.share("p").yielded()).isEmpty();
  }
}
