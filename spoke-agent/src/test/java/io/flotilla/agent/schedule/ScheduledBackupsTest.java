package io.flotilla.agent.schedule;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.agent.AgentOperator;
import io.flotilla.agent.backup.HostedClusterBackupReconciler;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.BackupJournal;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The production assembly (BackupExecutor on the spoke's records, stores from the spoke's copies) with a real S3 API
 * (S3Proxy) and no etcd: each scheduled backup gets through store, credentials and bucket checks, then fails at
 * etcd. That proves what the hub outage must not break: the store resolves from the spoke's copy, the journal of an
 * interrupted scheduled backup is settled, and a restarted agent runs the schedule, all with the hub cut off.
 */
class ScheduledBackupsTest {
  static final String NS = "flotilla-agent";

  @RegisterExtension
  final S3ProxyExtension s3proxy = S3ProxyTestSupport.extension();

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hubAdmin;
  KubernetesClient spoke;
  TcpProxy hubLink;
  KubernetesClient hub;
  S3Client s3;
  ScheduledBackups agent;

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(s3proxy);
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hubAdmin = hubServer.createClient();
    spoke = spokeServer.createClient();
    hubLink = new TcpProxy(hubServer.getPort());
    Config config = Config.empty();
    config.setMasterUrl(hubLink.url());
    config.setRequestRetryBackoffLimit(1);
    config.setConnectionTimeout(1_000);
    hub = new KubernetesClientBuilder().withConfig(config).build();

    MockApiServers.applyCrd(hubAdmin, "hostedclusterbackups.dr.flotilla.io");
    // the cluster namespace, as on a real hub (a record's deletion looks at it: see BackupDeletion)
    hubAdmin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("mc1").endMetadata().build()).create();
    MockApiServers.applyCrd(hubAdmin, "backupstores.dr.flotilla.io");
    MockApiServers.applyCrd(spoke, "hostedclusterbackups.dr.flotilla.io");
    MockApiServers.applyCrd(spoke, "backupstores.dr.flotilla.io");
    MockApiServers.applyCrd(spoke, "hostedclusters.hypershift.openshift.io");

    BackupStore store = new BackupStore();
    store.getMetadata().setName("store");
    BackupStoreSpec spec = store.getSpec();
    spec.bucket = S3ProxyTestSupport.BUCKET;
    spec.endpoint = s3proxy.getUri().toString();
    spec.forcePathStyle = true;
    spec.credentialsSecret = new NamespacedName(NS, "store-credentials");
    spec.encryption = new BackupStoreSpec.Encryption();
    spec.encryption.type = BackupStoreSpec.Encryption.Type.None;
    spec.allowUnencrypted = true;
    spec.insecureEndpoint = true; // S3Proxy on loopback
    hubAdmin.resource(store).create();
    hubAdmin.configMaps().inNamespace("mc1").resource(HubOutageTest.schedule("mc1")).create();

    for (String ns : List.of("kube-system", NS)) {
      spoke.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    spoke.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("store-credentials")
        .withNamespace(NS).endMetadata()
        .addToData(StoreConnector.ACCESS_KEY_ID, b64(s3proxy.getAccessKey()))
        .addToData(StoreConnector.SECRET_ACCESS_KEY, b64(s3proxy.getSecretKey())).build()).create();
    for (String name : List.of("mc1-hc-1", "mc1-hc-2")) {
      HostedCluster hc = new HostedCluster();
      hc.getMetadata().setNamespace("clusters");
      hc.getMetadata().setName(name);
      spoke.resource(hc).create();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.close();
    }
    hub.close();
    hubLink.close();
    hubAdmin.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
    s3.close();
  }

  ScheduledBackups newAgent() {
    AgentConfig config = new AgentConfig("mc1", Duration.ofSeconds(60), "test")
        .withBackup(BackupConfig.defaults().withAgentNamespace(NS).withScheduleTick(Duration.ofMillis(200)));
    return new ScheduledBackups(hub, spoke, config, StoreConnector.AWS_SDK, "test/mc1");
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static String reason(HostedClusterBackup b) {
    return Conditions.find(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED)
        .map(io.fabric8.kubernetes.api.model.Condition::getReason).orElse(null);
  }

  List<HostedClusterBackup> onSpoke() {
    return spoke.resources(HostedClusterBackup.class).inNamespace(NS).list().getItems();
  }

  @Test
  void theRealExecutorRunsScheduledBackupsFromTheSpokesCopiesWhileTheHubIsDown() throws Exception {
    // With the hub: the schedule and the store are copied to the spoke, and the first runs are reported.
    agent = newAgent();
    agent.start();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(agent.hasLocalSchedule()).isTrue();
      assertThat(spoke.resources(BackupStore.class).withName("store").get()).isNotNull();
      assertThat(hubAdmin.resources(HostedClusterBackup.class).inNamespace("mc1").list().getItems())
          .isNotEmpty().allSatisfy(b -> assertThat(b.getStatus().phase).isEqualTo(Phase.Failed));
    });
    agent.close();

    // The hub goes away, and the agent with it, in the middle of a scheduled backup: its journal says so.
    hubLink.cut();
    ScheduledRun interrupted = new ScheduledRun(entry(), new NamespacedName("clusters", "mc1-hc-1"), Instant.parse("2024-03-01T10:00:00Z"),
        "mc1-hc-1-frequent-20240301100000");
    spoke.resource(interrupted.record(NS)).create();
    new io.flotilla.agent.hub.HubRecords<>(spoke, HostedClusterBackup.class,
        io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus::new, HostedClusterBackup.OBJECTS_FINALIZER,
        java.time.Clock.systemUTC(), "test").updateStatus(NS, interrupted.recordName(), s -> {
          s.phase = Phase.InProgress;
          s.executor = "test/mc1/schedule/gone";
        });
    String folder = "mc1/clusters/mc1-hc-1/" + interrupted.recordName() + "/";
    s3.putObject(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(folder + "etcd-snapshot.db.zst"),
        software.amazon.awssdk.core.sync.RequestBody.fromString("partial"));
    BackupJournal journal = new BackupJournal(spoke, NS);
    journal.write(BackupJournal.Entry.start(NS, interrupted.recordName(), "clusters", "mc1-hc-1", "store", folder));
    // an on-demand backup's entry (hub record): not the schedule's to settle
    journal.write(BackupJournal.Entry.start("mc1", "on-demand", "clusters", "mc1-hc-2", "store", "mc1/x/"));

    // A new agent process, hub still down.
    agent = newAgent();
    agent.start();
    assertThat(agent.hasLocalSchedule()).isTrue();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      HostedClusterBackup settled = spoke.resources(HostedClusterBackup.class).inNamespace(NS)
          .withName(interrupted.recordName()).get();
      assertThat(settled.getStatus().phase).isEqualTo(Phase.Failed);
      assertThat(reason(settled)).isEqualTo(BackupFailure.AGENT_RESTARTED);
      assertThat(S3ProxyTestSupport.exists(s3, folder + "etcd-snapshot.db.zst")).isFalse();
      assertThat(journal.entries()).extracting(BackupJournal.Entry::backup).containsExactly("on-demand");
      // runs go on, and get past the store (resolved from the spoke's copy) to etcd, which this test has none of
      // (a run the first process's close() cut short is AgentRestarted too)
      assertThat(onSpoke()).filteredOn(RecordForwarder::isFinal)
          .allSatisfy(b -> assertThat(reason(b)).isIn(BackupFailure.ETCD_CLIENT_SECRET_NOT_FOUND,
              BackupFailure.AGENT_RESTARTED))
          .filteredOn(b -> BackupFailure.ETCD_CLIENT_SECRET_NOT_FOUND.equals(reason(b)))
          .hasSizeGreaterThanOrEqualTo(2);
    });
    assertThat(agent.forwarder().hubDown()).isTrue();

    // The hub returns: the records move there.
    hubLink.restore();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(hubAdmin.resources(HostedClusterBackup.class).inNamespace("mc1")
          .withName(interrupted.recordName()).get()).isNotNull()
          .satisfies(b -> assertThat(reason(b)).isEqualTo(BackupFailure.AGENT_RESTARTED));
      assertThat(agent.forwarder().queued()).isLessThanOrEqualTo(2); // at most the runs in flight
    });

    // On the hub, the agent's backup reconciler never runs a scheduled record, but deletes its objects with it.
    AgentConfig config = new AgentConfig("mc1", Duration.ofSeconds(60), "test")
        .withBackup(BackupConfig.defaults().withAgentNamespace(NS));
    try (HostedClusterBackupReconciler controller = new HostedClusterBackupReconciler(hub, spoke, config,
            StoreConnector.AWS_SDK, "test/mc1");
         AgentOperator operator = new AgentOperator(hub, "mc1").register(controller, HostedClusterBackupReconciler.NAME,
             HostedClusterBackup.OBJECTS_FINALIZER)) {
      operator.start();
      s3.putObject(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(folder + "manifest.json"),
          software.amazon.awssdk.core.sync.RequestBody.fromString("{}"));
      hubAdmin.resources(HostedClusterBackup.class).inNamespace("mc1").withName(interrupted.recordName()).delete();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(hubAdmin.resources(HostedClusterBackup.class).inNamespace("mc1")
            .withName(interrupted.recordName()).get()).isNull();
        assertThat(S3ProxyTestSupport.exists(s3, folder + "manifest.json")).isFalse();
      });
      assertThat(hubAdmin.resources(HostedClusterBackup.class).inNamespace("mc1").list().getItems())
          .filteredOn(b -> RecordForwarder.isFinal(b)).isNotEmpty()
          .allSatisfy(b -> assertThat(reason(b)).isIn(BackupFailure.ETCD_CLIENT_SECRET_NOT_FOUND,
              BackupFailure.AGENT_RESTARTED));
    }
  }

  static io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule.Entry entry() {
    io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule.Entry e = new io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule.Entry();
    e.policy = "frequent";
    e.schedule = HubOutageTest.CRON;
    e.store = "store";
    return e;
  }
}
