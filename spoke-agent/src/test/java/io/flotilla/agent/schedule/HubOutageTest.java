package io.flotilla.agent.schedule;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.agent.AgentOperator;
import io.flotilla.agent.backup.HostedClusterBackupReconciler;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two management clusters with two hosted clusters each, one hub. Backups run on schedule; the hub is cut off (a TCP
 * relay in front of its API server is closed: connections reset and refused, its data kept) for several intervals,
 * during which backups go on and one agent is even restarted; when the hub returns, every record appears there with
 * its final status, and the hub-side controller leaves them alone. The backup step is a fake (no etcd here): the real
 * one is BackupExecutor, proven by the sandbox e2e.
 */
class HubOutageTest {
  static final String NS = "flotilla-agent";
  static final String CRON = "*/2 * * * * *"; // every 2 s
  static final Duration TICK = Duration.ofMillis(200);

  KubernetesMockServer hubServer;
  KubernetesClient hubAdmin;
  TcpProxy hubLink;
  final Map<String, KubernetesMockServer> spokeServers = new java.util.LinkedHashMap<>();
  final Map<String, KubernetesClient> spokes = new java.util.LinkedHashMap<>();
  final Map<String, Agent> agents = new java.util.LinkedHashMap<>();
  final List<AutoCloseable> toClose = new ArrayList<>();

  /** The scheduled-backup side of one spoke-agent process, with the fake step; plus the hub-side controller. */
  final class Agent implements AutoCloseable {
    final KubernetesClient hub;
    final FakeBackups backups;
    final ScheduleCache cache;
    final StoreCopies stores;
    final ScheduleRunner runner;
    final RecordForwarder forwarder;
    HostedClusterBackupReconciler controller;
    AgentOperator operator;

    Agent(String cluster) {
      KubernetesClient local = spokes.get(cluster);
      hub = hubClientViaLink();
      backups = new FakeBackups(local, Clock.systemUTC());
      cache = new ScheduleCache(hub, local, cluster, NS);
      stores = new StoreCopies(hub, local);
      runner = new ScheduleRunner(local, NS, cache, backups, 2, TICK, Clock.systemUTC());
      forwarder = new RecordForwarder(hub, local, cluster, NS, TICK, Clock.systemUTC());
    }

    Agent start(boolean withController, String cluster) {
      cache.start();
      stores.start();
      runner.start();
      forwarder.start();
      if (withController) {
        AgentConfig config = new AgentConfig(cluster, Duration.ofSeconds(60), "test")
            .withBackup(BackupConfig.defaults().withAgentNamespace(NS));
        controller = new HostedClusterBackupReconciler(hub, spokes.get(cluster), config, StoreConnector.AWS_SDK,
            "test/" + cluster);
        operator = new AgentOperator(hub, cluster).register(controller, HostedClusterBackupReconciler.NAME,
            io.flotilla.api.dr.v1alpha1.HostedClusterBackup.OBJECTS_FINALIZER);
        operator.start();
      }
      return this;
    }

    @Override
    public void close() {
      if (operator != null) {
        operator.close();
      }
      if (controller != null) {
        controller.close();
      }
      forwarder.close();
      runner.close();
      stores.close();
      cache.close();
      hub.close();
    }
  }

  KubernetesClient hubClientViaLink() {
    // as SpokeAgentMain configures its hub client: a few quick retries, a short connect timeout
    Config config = Config.empty();
    config.setMasterUrl(hubLink.url());
    config.setRequestRetryBackoffLimit(2);
    config.setRequestRetryBackoffInterval(200);
    config.setConnectionTimeout(2_000);
    config.setRequestTimeout(5_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @BeforeEach
  void fleet() throws Exception {
    hubServer = MockApiServers.startCrud();
    hubAdmin = hubServer.createClient();
    hubLink = new TcpProxy(hubServer.getPort());
    MockApiServers.applyCrd(hubAdmin, "hostedclusterbackups.dr.flotilla.io");
    MockApiServers.applyCrd(hubAdmin, "backupstores.dr.flotilla.io");
    BackupStore store = new BackupStore();
    store.getMetadata().setName("store");
    store.getSpec().bucket = "backups";
    store.getSpec().credentialsSecret = new NamespacedName(NS, "store-credentials");
    hubAdmin.resource(store).create();
    for (String cluster : List.of("mc1", "mc2")) {
      hubAdmin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(cluster).endMetadata().build())
          .create();
      hubAdmin.configMaps().inNamespace(cluster).resource(schedule(cluster)).create();
      KubernetesMockServer spokeServer = MockApiServers.startCrud();
      KubernetesClient spoke = spokeServer.createClient();
      MockApiServers.applyCrd(spoke, "hostedclusterbackups.dr.flotilla.io");
      MockApiServers.applyCrd(spoke, "backupstores.dr.flotilla.io");
      spokeServers.put(cluster, spokeServer);
      spokes.put(cluster, spoke);
    }
  }

  static io.fabric8.kubernetes.api.model.ConfigMap schedule(String cluster) {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = "frequent";
    e.schedule = CRON;
    e.store = "store";
    e.hostedClusters = List.of(new NamespacedName("clusters", cluster + "-hc-1"),
        new NamespacedName("clusters", cluster + "-hc-2"));
    EffectiveBackupSchedule s = new EffectiveBackupSchedule();
    s.cluster = cluster;
    s.entries = List.of(e);
    return new ConfigMapBuilder().withNewMetadata().withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
        .withNamespace(cluster).endMetadata().addToData(EffectiveBackupSchedule.DATA_KEY, Serialization.asJson(s))
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    agents.values().forEach(Agent::close);
    for (AutoCloseable c : toClose) {
      c.close();
    }
    hubLink.close();
    spokes.values().forEach(KubernetesClient::close);
    spokeServers.values().forEach(KubernetesMockServer::destroy);
    hubAdmin.close();
    hubServer.destroy();
  }

  List<HostedClusterBackup> hubRecords(String cluster) {
    return hubAdmin.resources(HostedClusterBackup.class).inNamespace(cluster).list().getItems();
  }

  List<HostedClusterBackup> spokeRecords(String cluster) {
    return spokes.get(cluster).resources(HostedClusterBackup.class).inNamespace(NS).list().getItems();
  }

  static Map<String, Long> completedPerHostedCluster(List<HostedClusterBackup> records) {
    return records.stream().filter(b -> b.getStatus() != null && b.getStatus().phase == Phase.Completed)
        .collect(Collectors.groupingBy(b -> b.getSpec().hostedCluster.name, Collectors.counting()));
  }

  @Test
  void backupsGoOnWhileTheHubIsDownAndTheRecordsAppearWhenItReturns() throws Exception {
    for (String cluster : List.of("mc1", "mc2")) {
      agents.put(cluster, new Agent(cluster).start(true, cluster));
    }

    // On schedule, with the hub up: each hosted cluster's backups reach the hub, Completed, holding the finalizer.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String cluster : List.of("mc1", "mc2")) {
        assertThat(completedPerHostedCluster(hubRecords(cluster)))
            .containsOnlyKeys(cluster + "-hc-1", cluster + "-hc-2")
            .allSatisfy((hc, n) -> assertThat(n).isGreaterThanOrEqualTo(1));
        assertThat(spokes.get(cluster).resources(BackupStore.class).withName("store").get()).isNotNull();
      }
    });
    for (String cluster : List.of("mc1", "mc2")) {
      assertThat(hubRecords(cluster)).allSatisfy(b -> {
        assertThat(b.getMetadata().getFinalizers()).contains(HostedClusterBackup.OBJECTS_FINALIZER);
        assertThat(b.getMetadata().getLabels()).containsEntry(EffectiveBackupSchedule.POLICY_LABEL, "frequent");
        assertThat(ScheduledRun.scheduledTimeOf(b)).isNotNull();
      });
    }

    // The hub goes away.
    hubLink.cut();
    Map<String, Set<String>> onHubBefore = new java.util.HashMap<>();
    for (String cluster : List.of("mc1", "mc2")) {
      onHubBefore.put(cluster, names(hubRecords(cluster)));
    }

    // Backups go on: three more completed per hosted cluster, queued on the spokes.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String cluster : List.of("mc1", "mc2")) {
        assertThat(completedPerHostedCluster(spokeRecords(cluster))).hasSize(2)
            .allSatisfy((hc, n) -> assertThat(n).isGreaterThanOrEqualTo(3));
        assertThat(agents.get(cluster).forwarder.hubDown()).isTrue();
      }
    });

    // mc1's agent restarts during the outage: it goes on from the spoke's copy of the schedule.
    Agent first = agents.get("mc1");
    first.close();
    Set<String> takenByFirst = new HashSet<>(first.backups.taken);
    Agent restarted = new Agent("mc1").start(false, "mc1");
    agents.put("mc1", restarted);
    assertThat(restarted.cache.hasLocalCopy()).isTrue();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(restarted.backups.taken).hasSizeGreaterThanOrEqualTo(2));
    for (String cluster : List.of("mc1", "mc2")) {
      assertThat(names(hubRecords(cluster))).isEqualTo(onHubBefore.get(cluster));
    }

    // The hub returns: every record taken meanwhile appears there, Completed, and leaves the spoke.
    hubLink.restore();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String cluster : List.of("mc1", "mc2")) {
        assertThat(spokeRecords(cluster)).isEmpty();
        assertThat(agents.get(cluster).forwarder.hubDown()).isFalse();
      }
      Set<String> mc1Taken = new HashSet<>(takenByFirst);
      mc1Taken.addAll(restarted.backups.taken);
      assertThat(names(hubRecords("mc1"))).containsAll(mc1Taken);
      assertThat(names(hubRecords("mc2"))).containsAll(agents.get("mc2").backups.taken);
    });
    for (String cluster : List.of("mc1", "mc2")) {
      List<HostedClusterBackup> records = hubRecords(cluster);
      assertThat(records.size()).isGreaterThan(onHubBefore.get(cluster).size() + 6);
      assertThat(records).allSatisfy(b -> {
        assertThat(b.getMetadata().getFinalizers()).contains(HostedClusterBackup.OBJECTS_FINALIZER);
        assertThat(b.getMetadata().getAnnotations()).doesNotContainKey(RecordForwarder.FORWARDED_ANNOTATION);
        if (b.getStatus().phase == Phase.Completed) {
          // the spoke ran it; the hub-side controller did not (it would have failed it: no HostedCluster there)
          assertThat(b.getStatus().executor).isEqualTo("fake");
          assertThat(b.getStatus().location.keyPrefix).contains(b.getMetadata().getName());
        } else {
          // only a backup the restart of mc1's agent cut short
          assertThat(cluster).isEqualTo("mc1");
          assertThat(b.getStatus().phase).isEqualTo(Phase.Failed);
          assertThat(b.getStatus().conditions).anySatisfy(c ->
              assertThat(c.getReason()).isEqualTo(io.flotilla.agent.backup.BackupFailure.AGENT_RESTARTED));
        }
      });
      assertThat(records).filteredOn(b -> b.getStatus().phase != Phase.Completed).hasSizeLessThanOrEqualTo(2);
      // one record per scheduled time and hosted cluster
      assertThat(records.stream().map(b -> b.getSpec().hostedCluster.name + "@" + ScheduledRun.scheduledTimeOf(b)))
          .doesNotHaveDuplicates();
    }
    agents.values().forEach(a -> assertThat(a.backups.overlaps).isEmpty());
    assertThat(first.backups.overlaps).isEmpty();
  }

  static Set<String> names(List<HostedClusterBackup> records) {
    return records.stream().map(b -> b.getMetadata().getName()).collect(Collectors.toSet());
  }
}
