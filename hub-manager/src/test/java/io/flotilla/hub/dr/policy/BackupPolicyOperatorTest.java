package io.flotilla.hub.dr.policy;

import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Completed;
import static io.flotilla.hub.dr.policy.Specs.hosted;
import static io.flotilla.hub.dr.policy.Specs.labels;
import static io.flotilla.hub.dr.policy.Specs.retention;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.common.Conditions;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reconciler inside a running JOSDK operator (configured as HubManager configures it: SSA off): its event
 * sources, mappers and finalizer, not called by hand.
 */
@EnableKubernetesMockClient(crud = true)
class BackupPolicyOperatorTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  KubernetesClient client;

  String conditionReason(PolicyHub hub, String policy, String type) {
    BackupPolicy p = hub.policy(policy);
    return p == null || p.getStatus() == null ? null
        : Conditions.find(p.getStatus().conditions, type).map(c -> c.getReason()).orElse(null);
  }

  @Test
  void eventsFromPoliciesClustersAndBackupsConvergeTheSchedulesAndStatus() {
    PolicyHub hub = new PolicyHub(client);
    hub.cluster("mc1", labels("env", "prod"), "clusters/a:tier=gold", "clusters/b");
    hub.policy("a-gold", hosted(spec("*/15 * * * *"), null, "tier", "gold"));
    hub.policy("b-all", retention(spec("0 * * * *"), 1, null));

    Operator operator = new Operator(o -> o.withKubernetesClient(client)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false));
    // a long recheck: everything below must happen on events
    operator.register(new BackupPolicyReconciler(client, Clock.systemUTC(), Duration.ofMinutes(10)));
    operator.start();
    try {
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.entries("mc1")).isEqualTo(Map.of("a-gold", List.of("clusters/a"), "b-all", List.of("clusters/b")));
        assertThat(conditionReason(hub, "b-all", BackupPolicyStatus.OVERLAPPING)).isEqualTo(PolicyConditions.REASON_YIELDS);
      });

      // the agent reports a new hosted cluster: the schedule follows
      hub.reportHostedClusters("mc1", "clusters/a:tier=gold", "clusters/b", "clusters/c:tier=gold");
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(hub.entries("mc1").get("a-gold")).containsExactly("clusters/a", "clusters/c"));

      // backups complete: RPO and retention follow the records
      hub.backup("mc1", "b-old", "clusters/b", "b-all", Completed, Duration.ofMinutes(30));
      hub.backup("mc1", "b-new", "clusters/b", "b-all", Completed, Duration.ofMinutes(1));
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.backups("mc1")).containsExactly("b-new");
        BackupPolicyStatus st = hub.policy("b-all").getStatus();
        assertThat(st.rpo).singleElement().satisfies(e -> assertThat(e.newestBackup).isEqualTo("b-new"));
        assertThat(st.compliant).isEqualTo(1);
      });

      // suspending the winner hands its hosted clusters on, and the other policy stops reporting the overlap
      hub.editPolicy("a-gold", s -> s.suspend = true);
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.entries("mc1")).isEqualTo(Map.of("b-all", List.of("clusters/a", "clusters/b", "clusters/c")));
        assertThat(conditionReason(hub, "b-all", BackupPolicyStatus.OVERLAPPING)).isEqualTo(PolicyConditions.REASON_NO_OVERLAP);
      });

      // the last active policy goes (finalizer): the cluster's schedule goes with it, the backups stay
      client.resource(hub.policy("b-all")).delete();
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.policy("b-all")).isNull();
        assertThat(hub.scheduleMap("mc1")).isNull();
      });
      assertThat(hub.backups("mc1")).containsExactly("b-new");
    } finally {
      operator.stop();
    }
  }
}
