package io.flotilla.hub.dr.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler inside a running JOSDK operator: the agents' status writes alone move a migration on (the periodic
 * re-check is set far beyond the test), through the informers on the records, the ManagementClusters and the
 * migrations themselves.
 */
@EnableKubernetesMockClient(crud = true)
class MigrationControllerTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  KubernetesClient client;
  Operator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
  }

  MigrationHub start(int maxConcurrentRestores) {
    MigrationHub hub = new MigrationHub(client);
    hub.cluster("mc-1");
    hub.cluster("mc-2");
    hub.store("default");
    operator = new Operator(o -> o.withKubernetesClient(client)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false));
    operator.register(new HostedClusterMigrationReconciler(client, Clock.systemUTC(), maxConcurrentRestores,
        Duration.ofHours(1)));
    operator.start();
    return hub;
  }

  @Test
  void theAgentsReportsDriveAMigrationToTheEnd() {
    MigrationHub hub = start(2);
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    await().atMost(WAIT).untilAsserted(() -> assertThat(hub.hold("mc-1", "m-hold")).isNotNull());
    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Paused);
    await().atMost(WAIT).untilAsserted(() -> assertThat(hub.backup("mc-1", "m")).isNotNull());
    hub.backupReports("mc-1", "m", HostedClusterBackupStatus.Phase.Completed, 10L, 20L, "done");
    await().atMost(WAIT).untilAsserted(() -> assertThat(hub.restore("mc-2", "m")).isNotNull());
    hub.restoreReports("mc-2", "m", HostedClusterRestoreStatus.Phase.Completed, 10L, 20L, true, "restored");
    // the point of no return is written, then the teardown created on the re-check right after
    await().atMost(WAIT).untilAsserted(() -> assertThat(hub.teardown("mc-1", "m-source-teardown")).isNotNull());
    assertThat(hub.migration("m").getStatus().pointOfNoReturnTime).isNotNull();
    hub.teardownReports("mc-1", "m-source-teardown", HostedClusterTeardownStatus.Phase.Completed, "done");
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(hub.phase("m")).isEqualTo(Phase.Succeeded);
      assertThat(hub.hold("mc-1", "m-hold")).isNull();
    });
  }

  @Test
  void declaringTheSourceLostStartsTheFailOversOneSlotAtATime() {
    MigrationHub hub = start(1);
    hub.migrate("f1", "mc-1", "mc-2", s -> s.source.lost = true);
    hub.migrate("f2", "mc-1", "mc-2", s -> s.source.lost = true);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(hub.phase("f1")).isEqualTo(Phase.Failed);
      assertThat(hub.phase("f2")).isEqualTo(Phase.Failed);
    });

    hub.declareLost("mc-1"); // the ManagementCluster event re-runs both, at the same time
    await().atMost(WAIT).untilAsserted(() -> assertThat(Stream.of("f1", "f2").map(hub::phase).toList())
        .containsExactlyInAnyOrder(Phase.Running, Phase.Pending));
    String first = hub.phase("f1") == Phase.Running ? "f1" : "f2";
    String second = first.equals("f1") ? "f2" : "f1";
    assertThat(hub.restore("mc-2", first)).isNotNull();
    assertThat(hub.restore("mc-2", second)).as("one restore at a time").isNull();

    hub.restoreReports("mc-2", first, HostedClusterRestoreStatus.Phase.Failed, null, null, null, "no backup");
    // the first waits for an operator and frees its slot: the second starts without a periodic re-check
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(hub.phase(first)).isEqualTo(Phase.WaitingForOperator);
      assertThat(hub.restore("mc-2", second)).isNotNull();
    });
  }
}
