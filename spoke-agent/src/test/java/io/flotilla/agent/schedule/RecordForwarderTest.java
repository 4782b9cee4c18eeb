package io.flotilla.agent.schedule;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One forwarding pass at a time (the test calls pass()), spoke and hub on two CRUD mock servers. */
class RecordForwarderTest {
  static final String NS = "flotilla-agent";

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;
  HubRecords<HostedClusterBackup, HostedClusterBackupStatus> onSpoke;
  HubRecords<HostedClusterBackup, HostedClusterBackupStatus> onHub;
  RecordForwarder forwarder;

  @BeforeEach
  void servers() throws Exception {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    MockApiServers.applyCrd(hub, "hostedclusterbackups.dr.flotilla.io");
    MockApiServers.applyCrd(spoke, "hostedclusterbackups.dr.flotilla.io");
    onSpoke = new HubRecords<>(spoke, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, Clock.systemUTC(), "test");
    onHub = new HubRecords<>(hub, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, Clock.systemUTC(), "test");
    forwarder = new RecordForwarder(hub, spoke, "mc1", NS, Duration.ofSeconds(1), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    forwarder.close();
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  ScheduledRun run(String time) {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = "nightly";
    e.store = "store";
    Instant at = Instant.parse(time);
    NamespacedName hc = new NamespacedName("clusters", "hc-a");
    return new ScheduledRun(e, hc, at, ScheduledRun.recordName("nightly", hc, at, false));
  }

  String local(ScheduledRun run, Phase phase) {
    spoke.resource(run.record(NS)).create();
    onSpoke.addFinalizer(NS, run.recordName());
    onSpoke.updateStatus(NS, run.recordName(), s -> {
      s.phase = phase;
      s.executor = "spoke";
    });
    return run.recordName();
  }

  HostedClusterBackup hubRecord(String name) {
    return hub.resources(HostedClusterBackup.class).inNamespace("mc1").withName(name).get();
  }

  HostedClusterBackup spokeRecord(String name) {
    return spoke.resources(HostedClusterBackup.class).inNamespace(NS).withName(name).get();
  }

  @Test
  void createsThenFollowsTheStatusThenLetsGoOfTheSpokeCopy() {
    String name = local(run("2024-03-01T02:00:00Z"), Phase.InProgress);
    assertThat(forwarder.pass()).isEqualTo(1);
    assertThat(hubRecord(name)).satisfies(b -> {
      assertThat(b.getStatus().phase).isEqualTo(Phase.InProgress);
      assertThat(b.getSpec().hostedCluster).isEqualTo(new NamespacedName("clusters", "hc-a"));
      assertThat(b.getMetadata().getFinalizers()).containsExactly(HostedClusterBackup.OBJECTS_FINALIZER);
      assertThat(b.getMetadata().getLabels()).containsEntry(EffectiveBackupSchedule.POLICY_LABEL, "nightly");
      assertThat(b.getMetadata().getAnnotations())
          .containsEntry(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, "2024-03-01T02:00:00Z");
    });
    assertThat(spokeRecord(name).getMetadata().getAnnotations())
        .containsEntry(RecordForwarder.FORWARDED_ANNOTATION, "true");

    onSpoke.updateStatus(NS, name, s -> s.phase = Phase.Completed);
    assertThat(forwarder.pass()).isZero();
    assertThat(hubRecord(name).getStatus().phase).isEqualTo(Phase.Completed);
    assertThat(spokeRecord(name)).isNull(); // its finalizer released: the hub record's now guards the objects
  }

  @Test
  void aFinalHubStatusIsNeverOverwritten() {
    String name = local(run("2024-03-01T02:00:00Z"), Phase.Completed);
    forwarder.pass();
    onHub.updateStatus("mc1", name, s -> s.verification = new HostedClusterBackupStatus.Verification());
    // a stale spoke copy (as if its deletion had not gone through) changes nothing on the hub
    local(run("2024-03-01T02:00:00Z"), Phase.InProgress);
    forwarder.pass();
    assertThat(hubRecord(name).getStatus().phase).isEqualTo(Phase.Completed);
    assertThat(hubRecord(name).getStatus().verification).isNotNull();
    assertThat(spokeRecord(name)).isNull();
  }

  @Test
  void aRecordTheHubDeletedIsNotSentAgain() {
    String name = local(run("2024-03-01T02:00:00Z"), Phase.InProgress);
    forwarder.pass();
    onHub.removeFinalizer("mc1", name);
    hub.resources(HostedClusterBackup.class).inNamespace("mc1").withName(name).delete();

    assertThat(forwarder.pass()).isEqualTo(1); // still running: kept
    assertThat(hubRecord(name)).isNull();
    onSpoke.updateStatus(NS, name, s -> s.phase = Phase.Failed);
    assertThat(forwarder.pass()).isZero();
    assertThat(hubRecord(name)).isNull();
    assertThat(spokeRecord(name)).isNull();
  }

  @Test
  void adoptsTheRecordTheCatalogueSyncCreatedFromTheBucketFirst() {
    String name = local(run("2024-03-01T02:00:00Z"), Phase.Completed);
    HostedClusterBackup fromBucket = new HostedClusterBackup();
    fromBucket.getMetadata().setNamespace("mc1");
    fromBucket.getMetadata().setName(name);
    fromBucket.getSpec().hostedCluster = new NamespacedName("clusters", "hc-a");
    fromBucket.getSpec().store = "store";
    hub.resource(fromBucket).create();
    onHub.updateStatus("mc1", name, s -> s.phase = Phase.Completed);

    assertThat(forwarder.pass()).isZero();
    assertThat(hubRecord(name).getMetadata().getLabels()).containsEntry(EffectiveBackupSchedule.POLICY_LABEL, "nightly");
    assertThat(ScheduledRun.scheduledTimeOf(hubRecord(name))).isEqualTo(Instant.parse("2024-03-01T02:00:00Z"));
    assertThat(spokeRecord(name)).isNull();
  }

  @Test
  void forwardsOldestFirst() {
    String later = local(run("2024-03-02T02:00:00Z"), Phase.Completed);
    String earlier = local(run("2024-03-01T02:00:00Z"), Phase.Completed);
    forwarder.pass();
    assertThat(hubRecord(earlier).getMetadata().getResourceVersion())
        .satisfies(v -> assertThat(Long.parseLong(v))
            .isLessThan(Long.parseLong(hubRecord(later).getMetadata().getResourceVersion())));
  }
}
