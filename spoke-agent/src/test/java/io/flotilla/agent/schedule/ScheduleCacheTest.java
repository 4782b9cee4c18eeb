package io.flotilla.agent.schedule;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScheduleCacheTest {
  static final String NS = "flotilla-agent";

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;
  TcpProxy hubLink;
  KubernetesClient hubViaLink;

  @BeforeEach
  void servers() throws Exception {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    MockApiServers.applyCrd(hub, "backupstores.dr.flotilla.io");
    MockApiServers.applyCrd(spoke, "backupstores.dr.flotilla.io");
    hubLink = new TcpProxy(hubServer.getPort());
    Config config = Config.empty();
    config.setMasterUrl(hubLink.url());
    config.setRequestRetryBackoffLimit(1);
    config.setConnectionTimeout(1_000);
    hubViaLink = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterEach
  void stop() throws Exception {
    hubViaLink.close();
    hubLink.close();
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  static ConfigMap hubSchedule(String payload) {
    return new ConfigMapBuilder().withNewMetadata().withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
        .withNamespace("mc1").endMetadata().addToData(EffectiveBackupSchedule.DATA_KEY, payload).build();
  }

  static String payload(String policy) {
    return "{\"cluster\":\"mc1\",\"entries\":[{\"policy\":\"" + policy + "\",\"schedule\":\"0 * * * *\","
        + "\"store\":\"s\",\"hostedClusters\":[{\"namespace\":\"clusters\",\"name\":\"hc-a\"}],\"futureField\":1}]}";
  }

  @Test
  void followsTheHubAndKeepsACopyThatARestartWithoutTheHubStartsFrom() throws Exception {
    hub.configMaps().inNamespace("mc1").resource(hubSchedule(payload("hourly"))).create();
    try (ScheduleCache cache = new ScheduleCache(hubViaLink, spoke, "mc1", NS)) {
      assertThat(cache.hasLocalCopy()).isFalse();
      cache.start();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(cache.schedule().entries).singleElement().satisfies(e -> assertThat(e.policy).isEqualTo("hourly"));
        assertThat(cache.hasLocalCopy()).isTrue();
      });

      // a change on the hub arrives through the watch
      hub.configMaps().inNamespace("mc1").withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
          .edit(cm -> {
            cm.getData().put(EffectiveBackupSchedule.DATA_KEY, payload("nightly"));
            return cm;
          });
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(spoke.configMaps().inNamespace(NS).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get()
              .getData().get(EffectiveBackupSchedule.DATA_KEY)).isEqualTo(payload("nightly")));
      assertThat(cache.schedule().entries).singleElement().satisfies(e -> assertThat(e.policy).isEqualTo("nightly"));
    }

    // the hub goes away; a new agent process starts from the spoke's copy, without waiting for the hub
    hubLink.cut();
    try (ScheduleCache restarted = new ScheduleCache(hubViaLink, spoke, "mc1", NS)) {
      restarted.start();
      assertThat(restarted.hasLocalCopy()).isTrue();
      assertThat(restarted.schedule().entries).singleElement()
          .satisfies(e -> assertThat(e.policy).isEqualTo("nightly"));

      // the hub returns having dropped the schedule: none runs
      hub.configMaps().inNamespace("mc1").withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).delete();
      hubLink.restore();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(restarted.schedule().entries).isEmpty());
    }
  }

  @Test
  void anUnreadablePayloadKeepsThePreviousSchedule() {
    ScheduleCache cache = new ScheduleCache(hub, spoke, "mc1", NS);
    cache.fromHub(hubSchedule(payload("hourly")));
    cache.fromHub(hubSchedule("{\"entries\": [ not json"));
    assertThat(cache.schedule().entries).singleElement().satisfies(e -> assertThat(e.policy).isEqualTo("hourly"));
    assertThat(spoke.configMaps().inNamespace(NS).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get().getData()
        .get(EffectiveBackupSchedule.DATA_KEY)).isEqualTo(payload("hourly"));
  }

  @Test
  void scheduleAndLastRunsShareTheLocalConfigMapWithoutOverwritingEachOther() {
    ScheduleCache cache = new ScheduleCache(hub, spoke, "mc1", NS);
    cache.saveLastRuns(Map.of("hourly/clusters/hc-a", java.time.Instant.parse("2024-03-01T10:00:00Z")));
    cache.fromHub(hubSchedule(payload("hourly")));
    assertThat(cache.lastRuns()).containsEntry("hourly/clusters/hc-a", java.time.Instant.parse("2024-03-01T10:00:00Z"));
    assertThat(new ScheduleCache(hub, spoke, "mc1", NS).lastRuns()).hasSize(1);
  }

  @Test
  void storesAreCopiedToTheSpokeAndAStoreThatIsNotACopyIsNeverTouched() {
    BackupStore store = new BackupStore();
    store.getMetadata().setName("primary");
    store.getSpec().bucket = "b1";
    hub.resource(store).create();
    BackupStore own = new BackupStore();
    own.getMetadata().setName("spokes-own");
    own.getSpec().bucket = "spoke-bucket";
    spoke.resource(own).create();
    BackupStore sameName = new BackupStore();
    sameName.getMetadata().setName("spokes-own");
    sameName.getSpec().bucket = "hub-bucket";
    hub.resource(sameName).create();

    try (StoreCopies copies = new StoreCopies(hubViaLink, spoke)) {
      copies.start();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(spoke.resources(BackupStore.class).withName("primary").get()).isNotNull()
              .satisfies(s -> assertThat(s.getSpec().bucket).isEqualTo("b1")));
      hub.resources(BackupStore.class).withName("primary").edit(s -> {
        s.getSpec().bucket = "b2";
        return s;
      });
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(spoke.resources(BackupStore.class).withName("primary").get().getSpec().bucket).isEqualTo("b2"));
      hub.resources(BackupStore.class).withName("primary").delete();
      hub.resources(BackupStore.class).withName("spokes-own").delete();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(spoke.resources(BackupStore.class).withName("primary").get()).isNull());
    }
    assertThat(spoke.resources(BackupStore.class).withName("spokes-own").get().getSpec().bucket)
        .isEqualTo("spoke-bucket");
  }
}
