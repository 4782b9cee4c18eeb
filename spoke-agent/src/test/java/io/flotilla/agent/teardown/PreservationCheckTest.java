package io.flotilla.agent.teardown;

import io.flotilla.agent.teardown.PreservationCheck.ObjectState;
import io.flotilla.agent.teardown.PreservationCheck.Observed;
import io.flotilla.agent.teardown.PreservationCheck.Result;
import io.flotilla.api.common.NamespacedName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PreservationCheckTest {
  private static final String CP = "clusters-hc-1";
  private static final String PAUSED = "cluster.x-k8s.io/paused";
  private static final String SKIP_CLEANUP = "agent.agent-install.openshift.io/skip-spoke-cleanup";
  private static final String SKIP_NS = "hypershift.openshift.io/skip-delete-hosted-controlplane-namespace";
  private static final String CLOUD = "hypershift.openshift.io/cleanup-cloud-resources";

  private static Map<String, String> annotations(String key, String value) {
    Map<String, String> a = new HashMap<>();
    if (value != null) {
      a.put(key, value);
    }
    return a;
  }

  private static ObjectState hc(Map<String, String> annotations) {
    return ObjectState.of("HostedCluster", "clusters", "hc-1", annotations);
  }

  private static ObjectState preservedHc() {
    return hc(Map.of(SKIP_NS, "true"));
  }

  private static ObjectState agent(String name, String cdNamespace, String skipCleanup) {
    return new ObjectState("Agent", "agents", name, annotations(SKIP_CLEANUP, skipCleanup), null,
        cdNamespace == null ? null : new NamespacedName(cdNamespace, "hc-1-infra"));
  }

  private static Observed observed(ObjectState hc, List<ObjectState> machines, List<ObjectState> clusters,
                                   List<ObjectState> cds, List<ObjectState> agents) {
    return new Observed(CP, hc, machines, clusters, cds, agents);
  }

  /** one object, one value → missing line (empty: preserved). "-" is an absent annotation or field. */
  @ParameterizedTest(name = "{0} {1} -> ''{2}''")
  @CsvSource(delimiter = '|', value = {
      "AgentMachine      | -     | AgentMachine clusters-hc-1/x: cluster.x-k8s.io/paused missing",
      "AgentMachine      | false | AgentMachine clusters-hc-1/x: cluster.x-k8s.io/paused missing",
      "AgentMachine      | true  | ''",
      "AgentCluster      | -     | AgentCluster clusters-hc-1/x: cluster.x-k8s.io/paused missing",
      "AgentCluster      | true  | ''",
      "ClusterDeployment | -     | ClusterDeployment clusters-hc-1/x: spec.preserveOnDelete missing",
      "ClusterDeployment | false | ClusterDeployment clusters-hc-1/x: spec.preserveOnDelete missing",
      "ClusterDeployment | true  | ''",
      "Agent             | -     | Agent agents/x: agent.agent-install.openshift.io/skip-spoke-cleanup missing",
      "Agent             | true  | ''",
  })
  void eachObjectCarriesItsPreservation(String kind, String value, String expected) {
    String v = "-".equals(value) ? null : value;
    List<ObjectState> none = List.of();
    Observed o = switch (kind) {
      case "AgentMachine" -> observed(preservedHc(), List.of(ObjectState.of(kind, CP, "x", annotations(PAUSED, v))), none, none, none);
      case "AgentCluster" -> observed(preservedHc(), none, List.of(ObjectState.of(kind, CP, "x", annotations(PAUSED, v))), none, none);
      case "ClusterDeployment" -> observed(preservedHc(), none, none,
          List.of(new ObjectState(kind, CP, "x", null, v == null ? null : Boolean.valueOf(v), null)), none);
      default -> observed(preservedHc(), none, none, none, List.of(agent("x", CP, v)));
    };

    Result r = PreservationCheck.check(o);

    assertThat(r.describe(Map.of())).containsExactlyElementsOf(expected.isEmpty() ? List.of() : List.of(expected));
    assertThat(r.verified()).isEqualTo(expected.isEmpty());
  }

  /** HostedCluster annotations → missing lines. */
  @ParameterizedTest(name = "skip-delete={0} cleanup-cloud={1}")
  @CsvSource(delimiter = '|', value = {
      "true | -     | ''",
      "-    | -     | HostedCluster clusters/hc-1: hypershift.openshift.io/skip-delete-hosted-controlplane-namespace missing",
      "false| -     | HostedCluster clusters/hc-1: hypershift.openshift.io/skip-delete-hosted-controlplane-namespace missing",
      "true | true  | HostedCluster clusters/hc-1: hypershift.openshift.io/cleanup-cloud-resources is set",
      "true | false | HostedCluster clusters/hc-1: hypershift.openshift.io/cleanup-cloud-resources is set",
  })
  void theHostedClusterKeepsItsNamespaceAndItsCloudResources(String skipDelete, String cleanup, String expected) {
    Map<String, String> a = new LinkedHashMap<>();
    if (!"-".equals(skipDelete)) {
      a.put(SKIP_NS, skipDelete);
    }
    if (!"-".equals(cleanup)) {
      a.put(CLOUD, cleanup);
    }

    Result r = PreservationCheck.check(observed(hc(a), List.of(), List.of(), List.of(), List.of()));

    assertThat(r.describe(Map.of())).containsExactlyElementsOf(expected.isEmpty() ? List.of() : List.of(expected));
  }

  @Test
  void onlyAgentsBoundToThisClustersDeploymentsCount() {
    List<ObjectState> agents = List.of(
        agent("bound-1", CP, null),
        agent("bound-2", CP, "true"),
        agent("spare", null, null),                  // unbound: nothing to preserve
        agent("elsewhere", "clusters-hc-2", null));  // another hosted cluster's worker

    Result r = PreservationCheck.check(observed(preservedHc(), List.of(), List.of(), List.of(), agents));

    assertThat(r.agents()).isEqualTo(2);
    assertThat(r.describe(Map.of())).containsExactly(
        "Agent agents/bound-1: agent.agent-install.openshift.io/skip-spoke-cleanup missing");
    assertThat(PreservationCheck.boundAgents(agents, CP)).extracting(ObjectState::name)
        .containsExactly("bound-1", "bound-2");
  }

  @Test
  void countsEveryKindAndSaysWhichPatchFailed() {
    Observed o = observed(preservedHc(),
        List.of(ObjectState.of("AgentMachine", CP, "np-abc", Map.of()), ObjectState.of("AgentMachine", CP, "np-def",
            Map.of(PAUSED, "true"))),
        List.of(ObjectState.of("AgentCluster", CP, "infra", Map.of(PAUSED, "true"))),
        List.of(new ObjectState("ClusterDeployment", CP, "infra", null, true, null)),
        List.of(agent("w1", CP, "true")));

    Result r = PreservationCheck.check(o);

    assertThat(List.of(r.agentMachines(), r.agentClusters(), r.clusterDeployments(), r.agents()))
        .containsExactly(2, 1, 1, 1);
    assertThat(r.describe(Map.of("AgentMachine clusters-hc-1/np-abc", "HTTP 403 Forbidden"))).containsExactly(
        "AgentMachine clusters-hc-1/np-abc: cluster.x-k8s.io/paused missing (could not be set: HTTP 403 Forbidden)");
    // a patch that failed while the object reads back preserved is still reported
    assertThat(PreservationCheck.check(observed(preservedHc(), List.of(), List.of(), List.of(), List.of()))
        .describe(Map.of("Agent agents/w1", "HTTP 500"))).containsExactly("Agent agents/w1: patch failed (HTTP 500)");
  }

  /** Each fix puts in place exactly the value the check looks for (or removes the annotation). */
  @Test
  void fixesApplyExactlyWhatIsChecked() {
    assertThat(PreservationCheck.Requirement.PAUSED.annotation()).isEqualTo(PAUSED);
    assertThat(PreservationCheck.Requirement.PAUSED.annotationValue()).isEqualTo("true");
    assertThat(PreservationCheck.Requirement.SKIP_SPOKE_CLEANUP.annotation()).isEqualTo(SKIP_CLEANUP);
    assertThat(PreservationCheck.Requirement.SKIP_DELETE_HCP_NAMESPACE.annotation()).isEqualTo(SKIP_NS);
    assertThat(PreservationCheck.Requirement.NO_CLEANUP_CLOUD_RESOURCES.annotation()).isEqualTo(CLOUD);
    assertThat(PreservationCheck.Requirement.NO_CLEANUP_CLOUD_RESOURCES.annotationValue()).isNull();
    assertThat(PreservationCheck.Requirement.PRESERVE_ON_DELETE.annotation()).isNull();
    assertThat(PreservationCheck.Requirement.PRESERVE_ON_DELETE.specPatch())
        .isEqualTo(Map.of("spec", Map.of("preserveOnDelete", true)));
  }

  /** The mock API server keeps a key a merge patch set to null: that is an absent annotation. */
  @Test
  void aNullAnnotationIsAnAbsentOne() {
    Map<String, String> a = new HashMap<>();
    a.put(SKIP_NS, "true");
    a.put(CLOUD, null);
    assertThat(PreservationCheck.check(observed(hc(a), List.of(), List.of(), List.of(), List.of())).verified()).isTrue();
  }
}
