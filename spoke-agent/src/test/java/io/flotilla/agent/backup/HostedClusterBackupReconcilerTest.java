package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.common.Conditions;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.testing.MockApiServers;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.flotilla.agent.backup.HostedClusterBackupReconciler.Next;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's HostedClusterBackup reconciler called directly against CRUD mocks (hub and spoke), as JOSDK would call it:
 * what each kind of record needs from this agent, and what a deleted record goes through before its finalizer goes.
 */
class HostedClusterBackupReconcilerTest {
  static final String CLUSTER = "mc1";

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;
  HostedClusterBackupReconciler reconciler;

  @BeforeEach
  void setUp() {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    MockApiServers.applyCrds(hub, "hostedclusterbackups.dr.flotilla.io", "backupstores.dr.flotilla.io");
    hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(CLUSTER).endMetadata().build()).create();
    AgentConfig config = new AgentConfig(CLUSTER, Duration.ofSeconds(60), "test");
    reconciler = new HostedClusterBackupReconciler(hub, spoke, config, StoreConnector.AWS_SDK, "test/" + CLUSTER,
        RecordWork.inline("backup", config.work()));
  }

  @AfterEach
  void tearDown() {
    reconciler.close();
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  private static HostedClusterBackup record(Map<String, String> annotations, Consumer<HostedClusterBackupStatus> status) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace(CLUSTER);
    b.getMetadata().setName("b1");
    b.getMetadata().setAnnotations(annotations);
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    b.getSpec().store = "default";
    if (status != null) {
      HostedClusterBackupStatus s = new HostedClusterBackupStatus();
      status.accept(s);
      b.setStatus(s);
    }
    return b;
  }

  @Test
  void whatEachRecordNeedsFromThisAgent() {
    String me = reconciler.executorId();
    Map<String, String> none = Map.of();
    Map<String, String> verify = Map.of(HostedClusterBackup.VERIFY_ANNOTATION, "req-1");
    Map<String, String> scheduled = Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, "2026-01-01T00:00:00Z");
    Map<String, String> scheduledVerify = Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION,
        "2026-01-01T00:00:00Z", HostedClusterBackup.VERIFY_ANNOTATION, "req-1");
    Map<String, String> imported = Map.of(CatalogReconciliation.IMPORTED_ANNOTATION, "s3://b/f/");
    Map<String, String> rewrap = Map.of(HostedClusterBackup.REWRAP_ANNOTATION, "req-2");
    Map<String, String> both = Map.of(HostedClusterBackup.VERIFY_ANNOTATION, "req-1",
        HostedClusterBackup.REWRAP_ANNOTATION, "req-2");
    Map<String, String> scheduledRewrap = Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION,
        "2026-01-01T00:00:00Z", HostedClusterBackup.REWRAP_ANNOTATION, "req-2");
    record Row(String what, Map<String, String> annotations, Consumer<HostedClusterBackupStatus> status, Next next) {}
    List<Row> rows = List.of(
        new Row("a new record", none, null, Next.RUN),
        new Row("phase New", none, s -> s.phase = Phase.New, Next.RUN),
        new Row("running here", none, s -> { s.phase = Phase.InProgress; s.executor = me; }, Next.NOTHING),
        new Row("left running by an earlier agent process", none,
            s -> { s.phase = Phase.InProgress; s.executor = "test/mc1/dead0000"; }, Next.FAIL_RESTARTED),
        new Row("completed", none, s -> s.phase = Phase.Completed, Next.NOTHING),
        new Row("completed, verification asked", verify, s -> s.phase = Phase.Completed, Next.VERIFY),
        new Row("verification asked and done", verify, s -> {
          s.phase = Phase.Completed;
          s.verification = new HostedClusterBackupStatus.Verification();
          s.verification.request = "req-1";
        }, Next.NOTHING),
        new Row("failed", verify, s -> s.phase = Phase.Failed, Next.NOTHING),
        new Row("imported from the bucket, its status not written yet", imported, null, Next.NOTHING),
        new Row("scheduled on the spoke: never run from the hub", scheduled, null, Next.NOTHING),
        new Row("scheduled, its spoke executor gone: not this agent's to fail", scheduled,
            s -> { s.phase = Phase.InProgress; s.executor = "test/mc1/schedule/old"; }, Next.NOTHING),
        new Row("scheduled, completed, verification asked", scheduledVerify, s -> s.phase = Phase.Completed, Next.VERIFY),
        new Row("completed, rewrap asked", rewrap, s -> s.phase = Phase.Completed, Next.REWRAP),
        new Row("rewrap asked and answered", rewrap, s -> {
          s.phase = Phase.Completed;
          s.rewrap = new HostedClusterBackupStatus.Rewrap();
          s.rewrap.request = "req-2";
        }, Next.NOTHING),
        new Row("both asked: the verification first", both, s -> s.phase = Phase.Completed, Next.VERIFY),
        new Row("both asked, verification answered", both, s -> {
          s.phase = Phase.Completed;
          s.verification = new HostedClusterBackupStatus.Verification();
          s.verification.request = "req-1";
        }, Next.REWRAP),
        new Row("rewrap of a failed backup: nothing to rewrap", rewrap, s -> s.phase = Phase.Failed, Next.NOTHING),
        new Row("scheduled, completed, rewrap asked", scheduledRewrap, s -> s.phase = Phase.Completed, Next.REWRAP));
    for (Row row : rows) {
      assertThat(reconciler.next(record(row.annotations(), row.status()))).as(row.what()).isEqualTo(row.next());
    }
  }

  @Test
  void aDeletedRecordOfADeadAgentIsFailedFirstAndIsLetGoOnceItsStoreIsGone() {
    HostedClusterBackup b = record(Map.of(), s -> { s.phase = Phase.InProgress; s.executor = "test/mc1/dead0000"; });
    b.getMetadata().setFinalizers(List.of(HostedClusterBackup.OBJECTS_FINALIZER)); // JOSDK's, as on every record
    hub.resource(b).create();
    hub.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").subresource("status")
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            hub.getKubernetesSerialization().asJson(Map.of("status", b.getStatus())));
    hub.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").delete();

    // still InProgress under a dead executor: failed (AgentRestarted) before anything is deleted
    DeleteControl first = reconciler.cleanup(current(), null);
    assertThat(first.isRemoveFinalizer()).isFalse();
    HostedClusterBackup failed = current();
    assertThat(failed.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(Conditions.find(failed.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow()
        .getReason()).isEqualTo(BackupFailure.AGENT_RESTARTED);

    // its BackupStore no longer exists on the hub: nothing left to delete, the record may go
    assertThat(reconciler.cleanup(current(), null).isRemoveFinalizer()).isTrue();
  }

  private HostedClusterBackup current() {
    return hub.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").get();
  }
}
