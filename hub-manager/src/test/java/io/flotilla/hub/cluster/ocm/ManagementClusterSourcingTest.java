package io.flotilla.hub.cluster.ocm;

import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.CREATE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.DELETE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.KEEP;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.LEAVE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.NONE;
import static io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action.SYNC;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Action;
import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Existing;
import io.flotilla.hub.cluster.ocm.ManagementClusterSourcing.Managed;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ManagementClusterSourcingTest {
  //                                         accepted deleting hosting placed tainted
  static final Managed HOSTING = new Managed(true, false, true, false, false);
  static final Managed PLACED = new Managed(true, false, false, true, false);
  static final Managed PLAIN = new Managed(true, false, false, false, false);
  static final Managed DROPPED_TAINTED = new Managed(true, false, false, false, true);
  static final Managed HOSTING_TAINTED = new Managed(true, false, true, false, true);
  static final Managed NOT_ACCEPTED = new Managed(false, false, true, false, false);
  static final Managed DELETING = new Managed(true, true, true, false, true);

  static final Existing OURS = new Existing(true, false);
  static final Existing OURS_LOST = new Existing(true, true);
  static final Existing BY_HAND = new Existing(false, false);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("a hosting cluster gets one", HOSTING, null, CREATE),
        Arguments.of("a cluster the Placement chose gets one", PLACED, null, CREATE),
        Arguments.of("any other cluster does not", PLAIN, null, NONE),
        Arguments.of("a cluster the hub has not accepted does not (it has no namespace yet)", NOT_ACCEPTED, null, NONE),
        Arguments.of("one of ours follows its ManagedCluster", HOSTING, OURS, SYNC),
        Arguments.of("a hosting cluster that is unreachable still qualifies (its claims stay)", HOSTING_TAINTED, OURS,
            SYNC),
        Arguments.of("ours, no longer hosting nor placed: goes", PLAIN, OURS, DELETE),
        Arguments.of("ours, dropped by the Placement while tainted: kept", DROPPED_TAINTED, OURS, KEEP),
        Arguments.of("ours, its ManagedCluster gone: goes", null, OURS, DELETE),
        Arguments.of("ours, its ManagedCluster being deleted: goes, taint or not", DELETING, OURS, DELETE),
        Arguments.of("ours, no longer accepted: goes", NOT_ACCEPTED, OURS, DELETE),
        Arguments.of("ours, declared lost, its ManagedCluster gone: kept for the fail-over", null, OURS_LOST, KEEP),
        Arguments.of("ours, declared lost, no longer placed: kept", PLAIN, OURS_LOST, KEEP),
        Arguments.of("made by flotilla cluster add: left alone though OCM has it", HOSTING, BY_HAND, LEAVE),
        Arguments.of("made by flotilla cluster add: left alone without a ManagedCluster", null, BY_HAND, LEAVE),
        Arguments.of("nothing at all", null, null, NONE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String name, Managed managed, Existing existing, Action action) {
    assertThat(ManagementClusterSourcing.decide(managed, existing).action()).isEqualTo(action);
  }

  @Test
  void labelsFollowTheManagedClusterAndKeepEveryoneElses() {
    Map<String, String> first = ManagementClusterSourcing.labels(null, Map.of("cloud", "aws", "region", "eu"), Set.of());
    assertThat(first).isEqualTo(Map.of("cloud", "aws", "region", "eu", ManagementClusterSourcing.SOURCE_LABEL, "ocm"));

    // someone labels the ManagementCluster; the ManagedCluster drops region and relabels cloud
    Map<String, String> current = new java.util.HashMap<>(first);
    current.put("team", "dr");
    current.put("cluster.open-cluster-management.io/backup", "cluster-activation");
    Map<String, String> next = ManagementClusterSourcing.labels(current,
        Map.of("cloud", "gcp", "cluster.open-cluster-management.io/backup", "x"),
        ManagementClusterSourcing.keys("cloud,region"));
    assertThat(next).isEqualTo(Map.of("cloud", "gcp", "team", "dr", ManagementClusterSourcing.SOURCE_LABEL, "ocm",
        "cluster.open-cluster-management.io/backup", "cluster-activation"));
    assertThat(ManagementClusterSourcing.copied(Map.of("cloud", "gcp", "cluster.open-cluster-management.io/backup",
        "x"))).containsExactly("cloud");
    assertThat(ManagementClusterSourcing.keys(Set.of("b", "a"))).isEqualTo("a,b");
    assertThat(ManagementClusterSourcing.keys("")).isEmpty();
  }
}
