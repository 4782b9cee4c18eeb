package io.flotilla.hub.dr.policy;

import static io.flotilla.hub.dr.policy.Specs.labels;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.hub.cluster.selection.ClusterSelections;
import io.flotilla.testing.MockApiServers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BackupPolicy spec.placementRef: an OCM Placement chooses the clusters; an unreachable cluster stays in its policy. */
@EnableKubernetesMockClient(crud = true)
class BackupPolicyPlacementTest {
  static final PlacementRef DR = new PlacementRef("ops", "dr");

  KubernetesClient client;
  PolicyHub hub;
  BackupPolicyReconciler ocm;

  @BeforeEach
  void setUp() {
    hub = new PolicyHub(client);
    MockApiServers.applyCrds(client, "managedclusters.cluster.open-cluster-management.io",
        "placementdecisions.cluster.open-cluster-management.io");
    hub.cluster("mc1", labels("env", "prod"), "clusters/a");
    hub.cluster("mc2", labels("env", "dev"), "clusters/b");
    hub.cluster("mc3", labels("env", "prod"), "clusters/c");
    for (String name : List.of("mc1", "mc2", "mc3")) {
      managedCluster(name, false);
    }
    ocm = new BackupPolicyReconciler(client, hub.clock, Duration.ofSeconds(30), ClusterSelections.ocm(client));
  }

  BackupPolicyReconciler.Result reconcile(BackupPolicyReconciler reconciler, String policy) {
    return reconciler.reconcile(hub.policy(policy), PolicyObjects.fromApi(client));
  }

  /** A ManagedCluster as OCM's hub keeps it: tainted unreachable once its lease stopped (docs/ocm-facts.md §I2.1). */
  void managedCluster(String name, boolean unreachable) {
    ManagedCluster mc = new ManagedCluster();
    mc.getMetadata().setName(name);
    mc.getSpec().hubAcceptsClient = true;
    if (unreachable) {
      ManagedCluster.Taint t = new ManagedCluster.Taint();
      t.key = ManagedCluster.TAINT_UNREACHABLE;
      t.effect = ManagedCluster.EFFECT_NO_SELECT;
      t.timeAdded = "2026-03-01T12:00:00Z";
      mc.getSpec().taints = List.of(t);
    }
    client.resource(mc).createOr(op -> op.update());
  }

  /** The Placement's only page of decisions, as OCM's placement controller writes it. */
  void decide(String... clusters) {
    PlacementDecision pd = new PlacementDecision();
    pd.getMetadata().setName("dr-decision-1");
    pd.getMetadata().setNamespace(DR.namespace);
    pd.getMetadata().setLabels(Map.of(PlacementDecision.PLACEMENT_LABEL, DR.name));
    pd = client.resource(pd).createOr(op -> op.update());
    pd.setStatus(new PlacementDecision.Status());
    for (String c : clusters) {
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = c;
      pd.getStatus().decisions.add(d);
    }
    client.resource(pd).updateStatus();
  }

  static BackupPolicySpec placed(BackupPolicySpec s) {
    s.placementRef = DR;
    return s;
  }

  @Test
  void aPlacementChoosesThePolicysClustersWhateverTheirLabels() {
    decide("mc1", "mc2");
    hub.policy("nightly", placed(spec("0 2 * * *")));

    BackupPolicyReconciler.Result r = reconcile(ocm, "nightly");
    assertThat(hub.entries("mc1")).isEqualTo(Map.of("nightly", List.of("clusters/a")));
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("nightly", List.of("clusters/b")));
    assertThat(hub.entries("mc3")).isEmpty();
    assertThat(r.rpo().total()).isEqualTo(2);
  }

  @Test
  void aClusterWhoseLeaseStoppedStaysInItsBackupsPolicyUntilItAnswersAgain() {
    decide("mc1", "mc2");
    hub.policy("nightly", placed(spec("0 2 * * *")));
    reconcile(ocm, "nightly");

    // mc2 stops answering: OCM taints it, and the Placement (which does not tolerate the taint) drops it
    managedCluster("mc2", true);
    decide("mc1");
    BackupPolicyReconciler.Result r = reconcile(ocm, "nightly");
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("nightly", List.of("clusters/b")));
    assertThat(r.rpo().total()).isEqualTo(2);
    assertThat(r.rpo().entries()).anySatisfy(e -> assertThat(e.target().cluster()).isEqualTo("mc2"));

    // a cluster the policy never placed backups on is not taken because it is unreachable
    managedCluster("mc3", true);
    reconcile(ocm, "nightly");
    assertThat(hub.entries("mc3")).isEmpty();

    // back, and still not decided: the decisions alone decide again
    managedCluster("mc2", false);
    r = reconcile(ocm, "nightly");
    assertThat(hub.entries("mc2")).isEmpty();
    assertThat(hub.scheduleMap("mc2")).isNull();
    assertThat(r.rpo().total()).isEqualTo(1);
  }

  @Test
  void aHubManagerWithoutOcmKeepsWhatThePlacementChose() {
    decide("mc1", "mc2");
    hub.policy("nightly", placed(spec("0 2 * * *")));
    reconcile(ocm, "nightly");

    BackupPolicyReconciler standalone = new BackupPolicyReconciler(client, hub.clock, Duration.ofSeconds(30));
    reconcile(standalone, "nightly");
    assertThat(hub.entries("mc1")).isEqualTo(Map.of("nightly", List.of("clusters/a")));
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("nightly", List.of("clusters/b")));
    assertThat(hub.entries("mc3")).isEmpty();
  }

  @Test
  void aPolicyChoosingBothWaysIsInvalid() {
    BackupPolicySpec both = placed(spec("0 2 * * *"));
    both.clusterSelector = new LabelSelectorBuilder().addToMatchLabels("env", "prod").build();
    hub.policy("nightly", both);
    reconcile(ocm, "nightly");
    Condition valid = Conditions.find(hub.policy("nightly").getStatus().conditions, BackupPolicyStatus.VALID)
        .orElseThrow();
    assertThat(valid.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(valid.getMessage()).endsWith("spec.clusterSelector and spec.placementRef are both set: choose the"
        + " clusters by labels or by an OCM Placement, not both");
    assertThat(hub.entries("mc1")).isEmpty();
  }
}
