package io.flotilla.agent.teardown;

import io.flotilla.agent.teardown.TeardownOrder.Deletion;
import io.flotilla.agent.teardown.TeardownOrder.Found;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TeardownOrderTest {
  private static final String CP = "clusters-hc-1";

  private static List<Found> cluster() {
    return List.of(
        new Found("HostedCluster", "clusters", "hc-1"),
        new Found("NodePool", "clusters", "hc-1-b"),
        new Found("NodePool", "clusters", "hc-1-a"),
        new Found("Machine", CP, "np-2"),
        new Found("Machine", CP, "np-1"),
        new Found("Cluster", CP, "infra"),
        new Found("AgentMachine", CP, "np-1"),
        new Found("AgentMachine", CP, "np-2"),
        new Found("HostedControlPlane", CP, "hc-1"),
        new Found("AgentCluster", CP, "infra"),
        new Found("ClusterDeployment", CP, "infra"));
  }

  /** docs/hypershift-facts.md §1.5 steps 3-8, then the AgentCluster and the ClusterDeployment, whatever order they were found in. */
  @Test
  void deletesInTheOrderOfTheDocumentedTeardown() {
    for (long seed = 0; seed < 5; seed++) {
      List<Found> shuffled = new ArrayList<>(cluster());
      Collections.shuffle(shuffled, new Random(seed));

      List<Deletion> plan = TeardownOrder.plan(shuffled);

      assertThat(plan).extracting(d -> d.kind() + " " + d.name()).containsExactly(
          "NodePool hc-1-a", "NodePool hc-1-b", "Machine np-1", "Machine np-2", "Cluster infra",
          "AgentMachine np-1", "AgentMachine np-2", "HostedControlPlane hc-1", "HostedCluster hc-1",
          "AgentCluster infra", "ClusterDeployment infra");
    }
  }

  /** kind → finalizers removed before the delete? */
  @ParameterizedTest(name = "{0}: strip finalizers = {1}")
  @CsvSource({
      "NodePool, true", "Machine, true", "Cluster, true", "AgentMachine, true", "HostedControlPlane, true",
      "HostedCluster, true", "AgentCluster, true",
      "ClusterDeployment, false",  // assisted-service processes it and honours preserveOnDelete
  })
  void stripsFinalizersOfEverythingButTheClusterDeployment(String kind, boolean strip) {
    assertThat(TeardownOrder.plan(List.of(new Found(kind, CP, "x")))).singleElement()
        .extracting(Deletion::stripFinalizers).isEqualTo(strip);
  }

  @Test
  void neverDeletesTheControlPlaneNamespaceOrAnythingElse() {
    assertThatThrownBy(() -> TeardownOrder.plan(List.of(new Found("Namespace", null, CP))))
        .hasMessageContaining("the control-plane namespace is kept");
    assertThatThrownBy(() -> TeardownOrder.plan(List.of(new Found("Agent", "agents", "w1"))))
        .hasMessageContaining("does not delete Agent");
  }
}
