package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HyperShiftSimulatorTest {
  @TempDir static Path workDir;
  static MockApiServer api;
  static HyperShiftSimulator simulator;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")) || System.getenv(EtcdLauncher.ENV_VAR) != null, "etcd missing");
    api = MockApiServer.start("mc-a");
    client = api.adminClient();
    simulator = new HyperShiftSimulator("mc-a", client, workDir, 512 * 1024);
    simulator.start();
  }

  @AfterAll
  static void stop() {
    if (simulator != null) {
      simulator.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void hostedClusterGetsARealEtcdControlPlaneAndIsTornDownOnDelete() throws Exception {
    create("clusters", "alpha", null);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(conditionStatus("clusters", "alpha", HostedCluster.AVAILABLE)).isEqualTo("True"));
    String cpNs = "clusters-alpha";
    assertThat(client.namespaces().withName(cpNs).get()).isNotNull();
    var service = client.services().inNamespace(cpNs).withName("etcd-client").get();
    assertThat(service.getSpec().getType()).isEqualTo("ExternalName");
    assertThat(service.getSpec().getExternalName()).isEqualTo("localhost");
    EtcdProcess etcd = simulator.etcdFor("clusters", "alpha").orElseThrow();
    assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(etcd.port());
    var secret = client.secrets().inNamespace(cpNs).withName("etcd-client-tls").get();
    assertThat(secret.getData()).containsKeys("etcd-client.crt", "etcd-client.key", "etcd-client-ca.crt");
    assertThat(new String(Base64.getDecoder().decode(secret.getData().get("etcd-client-ca.crt")), StandardCharsets.US_ASCII))
        .isEqualTo(simulator.tlsFor("clusters", "alpha").orElseThrow().caPem());
    assertThat(client.configMaps().inNamespace(cpNs).withName("etcd-ca").get().getData()).containsKey("ca.crt");
    assertThat(client.resources(HostedControlPlane.class).inNamespace(cpNs).withName("alpha").get()).isNotNull();
    assertThat(client.resources(Cluster.class).inNamespace(cpNs).withName("alpha-infra").get()).isNotNull();
    assertThat(conditionStatus("clusters", "alpha", HostedCluster.RECONCILIATION_ACTIVE)).isEqualTo("True");
    try (Client etcdClient = etcd.newClient()) {
      long keys = etcdClient.getKVClient().get(ByteSequence.from("/registry/", StandardCharsets.UTF_8),
          GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(30, TimeUnit.SECONDS).getCount();
      assertThat(keys).isPositive();
    }

    long pid = etcd.pid();
    client.resources(HostedCluster.class).inNamespace("clusters").withName("alpha").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(EtcdLauncher.runningPids()).doesNotContain(pid);
      assertThat(client.services().inNamespace(cpNs).withName("etcd-client").get()).isNull();
      assertThat(Files.exists(workDir.resolve(cpNs))).isFalse();
    });
    assertThat(simulator.etcdFor("clusters", "alpha")).isEmpty();
  }

  @Test
  void futurePauseDeadlinePausesThenExpires() {
    create("clusters", "beta", null);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(conditionStatus("clusters", "beta", HostedCluster.AVAILABLE)).isEqualTo("True"));
    String deadline = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS).toString();
    setPausedUntil("beta", deadline);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Condition c = condition("clusters", "beta", HostedCluster.RECONCILIATION_ACTIVE).orElseThrow(() -> new AssertionError("condition not set yet"));
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ReconciliationPaused");
      assertThat(c.getMessage()).isEqualTo("Reconciliation paused until: " + deadline);
      assertThat(client.resources(HostedControlPlane.class).inNamespace("clusters-beta").withName("beta").get()
          .getSpec().pausedUntil).isEqualTo(deadline);
      assertThat(client.resources(Cluster.class).inNamespace("clusters-beta").withName("beta-infra").get()
          .getSpec().paused).isTrue();
    });
    // Nobody touches the object: the simulator re-evaluates at the deadline by itself.
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      Condition c = condition("clusters", "beta", HostedCluster.RECONCILIATION_ACTIVE).orElseThrow(() -> new AssertionError("condition not set yet"));
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("AsExpected");
      assertThat(client.resources(Cluster.class).inNamespace("clusters-beta").withName("beta-infra").get()
          .getSpec().paused).isNull();
    });
  }

  @Test
  void trueMeansPausedUntilRemovedAndGarbageIsInvalid() {
    create("clusters", "gamma", "true");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Condition c = condition("clusters", "gamma", HostedCluster.RECONCILIATION_ACTIVE).orElseThrow(() -> new AssertionError("condition not set yet"));
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).isEqualTo("Reconciliation paused until field removed");
    });
    create("clusters", "delta", "tomorrow-ish");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Condition c = condition("clusters", "delta", HostedCluster.RECONCILIATION_ACTIVE).orElseThrow(() -> new AssertionError("condition not set yet"));
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("InvalidPausedUntilValue");
    });
  }

  @Test
  void nodePoolsHonourPausedUntil() {
    NodePool np = new NodePool();
    np.setMetadata(new ObjectMetaBuilder().withName("workers").withNamespace("clusters").build());
    np.getSpec().clusterName = "gamma";
    np.getSpec().replicas = 2;
    np.getSpec().pausedUntil = "True";
    client.resource(np).create();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      NodePool read = client.resources(NodePool.class).inNamespace("clusters").withName("workers").get();
      Condition c = read.getStatus() == null ? null
          : Conditions.find(read.getStatus().conditions, HostedCluster.RECONCILIATION_ACTIVE).orElse(null);
      assertThat(c).isNotNull();
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ReconciliationPaused");
    });
  }

  private static void create(String namespace, String name, String pausedUntil) {
    HostedCluster hc = new HostedCluster();
    hc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    hc.getSpec().infraID = name + "-infra";
    hc.getSpec().pausedUntil = pausedUntil;
    client.resource(hc).create();
  }

  private static void setPausedUntil(String name, String value) {
    client.resources(HostedCluster.class).inNamespace("clusters").withName(name)
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"pausedUntil\":\"" + value + "\"}}");
  }

  private static Optional<Condition> condition(String namespace, String name, String type) {
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    return hc == null || hc.getStatus() == null ? Optional.empty() : Conditions.find(hc.getStatus().conditions, type);
  }

  private static String conditionStatus(String namespace, String name, String type) {
    return condition(namespace, name, type).map(Condition::getStatus).orElse("Unknown");
  }
}
