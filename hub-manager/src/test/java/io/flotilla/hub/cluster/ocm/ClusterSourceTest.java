package io.flotilla.hub.cluster.ocm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.testing.MockApiServers;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@EnableKubernetesMockClient(crud = true)
class ClusterSourceTest {
  KubernetesClient client;

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(ClusterSource.STANDALONE, false, false),
        Arguments.of(ClusterSource.STANDALONE, true, false),
        Arguments.of(ClusterSource.AUTO, false, false),
        Arguments.of(ClusterSource.AUTO, true, true),
        Arguments.of(ClusterSource.OCM, true, true));
  }

  @ParameterizedTest(name = "{0}, ManagedClusters served: {1} -> reads OCM: {2}")
  @MethodSource("table")
  void decides(ClusterSource source, boolean served, boolean readsOcm) {
    assertThat(source.readsOcm(served)).isEqualTo(readsOcm);
  }

  @Test
  void ocmOnAHubWithoutOcmIsAnError() {
    assertThatThrownBy(() -> ClusterSource.OCM.readsOcm(false)).isInstanceOf(ClusterSource.NotServedException.class)
        .hasMessage("--cluster-source=ocm, but the hub serves no managedclusters.cluster.open-cluster-management.io/v1"
            + " (is OCM installed?); use auto or standalone");
  }

  @Test
  void parsesItsThreeNames() {
    assertThat(ClusterSource.parse("OCM")).isEqualTo(ClusterSource.OCM);
    assertThat(ClusterSource.parse(" auto ")).isEqualTo(ClusterSource.AUTO);
    assertThat(ClusterSource.STANDALONE).hasToString("standalone");
    assertThatThrownBy(() -> ClusterSource.parse("acm")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'acm' is not a cluster source: use standalone, ocm or auto");
  }

  @Test
  void discoveryTellsWhetherTheHubServesManagedClusters() {
    assertThat(ClusterSource.servesManagedClusters(client)).isFalse();
    // another kind of OCM's cluster group is not enough
    MockApiServers.applyCrd(client, "clusterclaims.cluster.open-cluster-management.io");
    assertThat(ClusterSource.servesManagedClusters(client)).isFalse();
    MockApiServers.applyCrd(client, "managedclusters.cluster.open-cluster-management.io");
    assertThat(ClusterSource.servesManagedClusters(client)).isTrue();
  }
}
