package io.flotilla.agent.schedule;

import io.flotilla.testing.MockApiServers;

import io.flotilla.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The runner against a spoke API server (CRUD mock), with a clock the test moves and ticks it calls itself. */
class ScheduleRunnerTest {
  static final String NS = "flotilla-agent";
  static final NamespacedName HC_A = new NamespacedName("clusters", "hc-a");
  static final NamespacedName HC_B = new NamespacedName("clusters", "hc-b");

  KubernetesMockServer server;
  KubernetesClient spoke;
  MutableClock clock = new MutableClock(Instant.parse("2024-03-01T10:00:05Z"));
  FakeBackups backups;
  ScheduleCache cache;
  ScheduleRunner runner;

  @BeforeEach
  void setUp() throws Exception {
    server = MockApiServers.startCrud();
    spoke = server.createClient();
    MockApiServers.applyCrd(spoke, "hostedclusterbackups.dr.flotilla.io");
    backups = new FakeBackups(spoke, clock);
    // the hub is not needed here: the schedule arrives through fromHub, as the hub watch would deliver it
    cache = new ScheduleCache(spoke, spoke, "mc1", NS);
    cache.fromHub(hubConfigMap("*/10 * * * * *"));
    runner = newRunner();
  }

  @AfterEach
  void tearDown() {
    runner.close();
    spoke.close();
    server.destroy();
  }

  ScheduleRunner newRunner() {
    return new ScheduleRunner(spoke, NS, cache, backups, 2, Duration.ofSeconds(1), clock);
  }

  static ConfigMap hubConfigMap(String cron) {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = "frequent";
    e.schedule = cron;
    e.store = "store";
    e.hostedClusters = List.of(HC_A, HC_B);
    EffectiveBackupSchedule s = new EffectiveBackupSchedule();
    s.cluster = "mc1";
    s.entries = List.of(e);
    return new ConfigMapBuilder().withNewMetadata().withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).withNamespace("mc1")
        .endMetadata().addToData(EffectiveBackupSchedule.DATA_KEY,
            io.fabric8.kubernetes.client.utils.Serialization.asJson(s)).build();
  }

  List<HostedClusterBackup> records() {
    return spoke.resources(HostedClusterBackup.class).inNamespace(NS).list().getItems();
  }

  List<HostedClusterBackup> recordsOf(NamespacedName hc) {
    return records().stream().filter(b -> hc.equals(b.getSpec().hostedCluster)).toList();
  }

  void awaitIdle() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runner.busy()).isEmpty());
  }

  @Test
  void recordsEachRunOnTheSpokeWithPolicyAndScheduledTime() {
    runner.recover();
    runner.tick(); // 10:00:05: first sight, counts from now
    assertThat(records()).isEmpty();
    clock.set(Instant.parse("2024-03-01T10:00:10Z"));
    runner.tick();
    awaitIdle();
    assertThat(records()).hasSize(2).allSatisfy(b -> {
      assertThat(b.getMetadata().getLabels()).containsEntry(EffectiveBackupSchedule.POLICY_LABEL, "frequent");
      assertThat(b.getMetadata().getAnnotations())
          .containsEntry(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, "2024-03-01T10:00:10Z");
      assertThat(b.getSpec().policy).isEqualTo("frequent");
      assertThat(b.getSpec().store).isEqualTo("store");
      assertThat(b.getStatus().phase).isEqualTo(Phase.Completed);
    });
    assertThat(records()).extracting(b -> b.getMetadata().getName())
        .containsExactlyInAnyOrder("hc-a-frequent-20240301100010", "hc-b-frequent-20240301100010");
    assertThat(cache.lastRuns()).containsEntry("frequent/clusters/hc-a", Instant.parse("2024-03-01T10:00:10Z"));
  }

  @Test
  void downForFiveIntervalsCatchesUpWithExactlyOneRun() {
    runner.recover();
    runner.tick();
    clock.set(Instant.parse("2024-03-01T10:00:10Z"));
    runner.tick();
    awaitIdle();
    assertThat(recordsOf(HC_A)).hasSize(1);

    // the agent stops; 10:00:20, :30, :40, :50 and 10:01:00 pass without it
    runner.close();
    clock.set(Instant.parse("2024-03-01T10:01:04Z"));
    runner = newRunner(); // a new process: its state comes from the spoke's ConfigMap
    runner.recover();
    runner.tick();
    runner.tick();
    awaitIdle();
    runner.tick();

    for (NamespacedName hc : List.of(HC_A, HC_B)) {
      assertThat(recordsOf(hc)).extracting(b -> b.getMetadata().getAnnotations()
              .get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION))
          .containsExactlyInAnyOrder("2024-03-01T10:00:10Z", "2024-03-01T10:01:00Z");
    }
    assertThat(backups.taken).hasSize(4);
  }

  @Test
  void neverTwoBackupsOfOneHostedClusterAtOnce() {
    runner.recover();
    runner.tick();
    backups.gate.drainPermits(); // backups hang until released
    clock.set(Instant.parse("2024-03-01T10:00:10Z"));
    runner.tick();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(records()).hasSize(2)
        .allSatisfy(b -> assertThat(b.getStatus().phase).isEqualTo(Phase.InProgress)));

    // three more scheduled times pass while they run: nothing new starts
    for (int s = 15; s <= 45; s += 5) {
      clock.set(Instant.parse("2024-03-01T10:00:" + s + "Z"));
      runner.tick();
    }
    assertThat(records()).hasSize(2);
    assertThat(runner.busy()).containsExactlyInAnyOrder(HC_A, HC_B);

    backups.gate.release(Integer.MAX_VALUE);
    awaitIdle();
    runner.tick(); // free again: one run each, for the most recent time (10:00:40)
    awaitIdle();
    for (NamespacedName hc : List.of(HC_A, HC_B)) {
      assertThat(recordsOf(hc)).extracting(b -> b.getMetadata().getAnnotations()
          .get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION))
          .containsExactlyInAnyOrder("2024-03-01T10:00:10Z", "2024-03-01T10:00:40Z");
    }
    assertThat(backups.overlaps).isEmpty();
  }

  @Test
  void aRunAnEarlierProcessLeftUnfinishedIsFailedAndNotRepeated() {
    cache.saveLastRuns(Map.of("frequent/clusters/hc-a", Instant.parse("2024-03-01T10:00:00Z"),
        "frequent/clusters/hc-b", Instant.parse("2024-03-01T10:00:10Z")));
    // the earlier process created the 10:00:10 record of hc-a and died before saving its time
    ScheduledRun left = new ScheduledRun(hubEntry(), HC_A, Instant.parse("2024-03-01T10:00:10Z"),
        "hc-a-frequent-20240301100010");
    spoke.resource(left.record(NS)).create();

    clock.set(Instant.parse("2024-03-01T10:00:15Z"));
    runner.recover();
    runner.tick();
    awaitIdle();

    assertThat(records()).singleElement().satisfies(b -> {
      assertThat(b.getStatus().phase).isEqualTo(Phase.Failed);
      assertThat(Conditions.find(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED)).get()
          .satisfies(c -> assertThat(c.getReason()).isEqualTo(BackupFailure.AGENT_RESTARTED));
    });
    assertThat(cache.lastRuns()).containsEntry("frequent/clusters/hc-a", Instant.parse("2024-03-01T10:00:10Z"));
    assertThat(backups.taken).isEmpty();
  }

  @Test
  void scheduledTimeIsTheRunsNotWhenItStarted() {
    runner.recover();
    runner.tick();
    clock.set(Instant.parse("2024-03-01T10:00:13.700Z"));
    runner.tick();
    awaitIdle();
    assertThat(records()).allSatisfy(b -> {
      assertThat(ScheduledRun.scheduledTimeOf(b)).isEqualTo(Instant.parse("2024-03-01T10:00:10Z"));
      assertThat(b.getStatus().startedAt).isEqualTo(Time.format(Instant.parse("2024-03-01T10:00:13Z")));
    });
  }

  static EffectiveBackupSchedule.Entry hubEntry() {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = "frequent";
    e.schedule = "*/10 * * * * *";
    e.store = "store";
    return e;
  }
}
