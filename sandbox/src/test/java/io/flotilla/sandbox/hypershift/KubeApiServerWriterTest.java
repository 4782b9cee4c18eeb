package io.flotilla.sandbox.hypershift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A simulated kube-apiserver against a real etcd: what it writes, that it renews and compacts, that it stops. */
class KubeApiServerWriterTest {
  static final Duration T = Duration.ofSeconds(10);
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  EtcdProcess etcd;
  Client client;
  KubeApiServerWriter writer;

  @BeforeEach
  void start() {
    Fixtures.assumeEtcd();
    etcd = new EtcdLauncher().start("kas", dir.resolve("etcd"), EtcdTls.generate("kas"));
    client = etcd.newClient();
  }

  @AfterEach
  void stop() {
    if (writer != null) {
      writer.close();
    }
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private KubeApiServerWriter writer(String name, KubeApiServerCadence cadence) {
    writer = new KubeApiServerWriter(name, etcd.newClient(), 3, () -> List.of("worker-a", "worker-b"), cadence,
        Clock.systemUTC());
    return writer;
  }

  @Test
  void writesTheRegistryObjectsAtOnceAndRenewsTheLeases() throws Exception {
    writer("clusters-hc", KubeApiServerCadence.every(Duration.ofMillis(100), Duration.ofMinutes(5))).start();

    // the first round is written before start() returns: what a restored cluster holds when it reports Available
    List<KeyValue> identity = prefix("/registry/leases/kube-system/apiserver-");
    assertThat(identity).as("one identity Lease per replica").hasSize(3);
    JsonNode lease = json(identity.get(0));
    assertThat(lease.path("kind").asText()).isEqualTo("Lease");
    assertThat(lease.path("metadata").path("labels").path(RegistryObjects.IDENTITY_LABEL).asText())
        .isEqualTo("kube-apiserver");
    assertThat(lease.path("spec").path("leaseDurationSeconds").asInt()).isEqualTo(3600);
    assertThat(identity).extracting(kv -> kv.getKey().toString(StandardCharsets.UTF_8))
        .allMatch(k -> k.matches("/registry/leases/kube-system/apiserver-[a-z2-7]{26}"));
    assertThat(one("/registry/leases/kube-system/kube-controller-manager")).isNotNull();
    assertThat(one("/registry/leases/kube-system/kube-scheduler")).isNotNull();
    assertThat(json(one("/registry/leases/kube-node-lease/worker-a")).path("spec").path("holderIdentity").asText())
        .isEqualTo("worker-a");
    KeyValue endpoints = one("/registry/services/endpoints/default/kubernetes");
    assertThat(json(endpoints).path("subsets").get(0).path("addresses").get(0).path("ip").asText())
        .isEqualTo(RegistryObjects.ADVERTISE_ADDRESS);
    assertThat(one("/registry/endpointslices/default/kubernetes")).isNotNull();
    List<KeyValue> events = prefix("/registry/events/default/");
    assertThat(events).isNotEmpty();
    assertThat(json(events.get(0)).path("reason").asText()).isEqualTo("Scheduled");
    assertThat(events.get(0).getLease()).as("events expire with an etcd lease").isNotZero();
    assertThat(client.getLeaseClient().timeToLive(events.get(0).getLease(), LeaseOption.DEFAULT)
        .get(10, TimeUnit.SECONDS).getGrantedTTL()).as("HyperShift's 3 h event TTL and the reuse window").isEqualTo(10_860);
    String schedulerUid = json(one("/registry/leases/kube-system/kube-scheduler")).path("metadata").path("uid").asText();

    await().atMost(T).untilAsserted(() -> {
      assertThat(one("/registry/leases/kube-node-lease/worker-b").getVersion()).as("renewed").isGreaterThan(2);
      assertThat(prefix("/registry/leases/kube-system/apiserver-")).allMatch(kv -> kv.getVersion() > 2);
      assertThat(one("/registry/leases/kube-system/kube-scheduler").getVersion()).isGreaterThan(2);
      assertThat(prefix("/registry/events/default/").size()).isGreaterThan(2);
    });
    assertThat(one("/registry/services/endpoints/default/kubernetes").getVersion())
        .as("written once: only a different value is written again").isEqualTo(1);
    assertThat(json(one("/registry/leases/kube-system/kube-scheduler")).path("metadata").path("uid").asText())
        .as("a renewal keeps the object's uid").isEqualTo(schedulerUid);
  }

  @Test
  void compactsAtTheConfiguredIntervalToARevisionOneIntervalOld() throws Exception {
    long atStart = EtcdState.read(client, T).revision();
    writer("clusters-compacting", KubeApiServerCadence.every(Duration.ofMillis(50), Duration.ofMillis(300))).start();

    await().atMost(T).untilAsserted(() -> {
      long compacted = EtcdState.hashAt(client, etcd.endpoint(), EtcdState.read(client, T).revision(), T)
          .compactRevision();
      assertThat(compacted).as("compacted past where the writer started").isGreaterThan(atStart);
      assertThat(one("compact_rev_key").getValue().toString(StandardCharsets.UTF_8))
          .as("the revision compacted to, as kube-apiserver records it").isEqualTo(Long.toString(compacted));
    });
  }

  @Test
  void closeStopsTheWritesAndItsThread() {
    String thread = KubeApiServerWriter.threadName("clusters-closing");
    writer("clusters-closing", KubeApiServerCadence.every(Duration.ofMillis(50), Duration.ofMillis(200))).start();
    assertThat(Fixtures.threadAlive(thread)).isTrue();

    writer.close();
    writer.close(); // idempotent
    assertThat(Fixtures.threadAlive(thread)).as("every write ran on it: none is left").isFalse();
  }

  private KeyValue one(String key) throws Exception {
    List<KeyValue> kvs = client.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  private List<KeyValue> prefix(String prefix) throws Exception {
    return client.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS).getKvs();
  }

  private static JsonNode json(KeyValue kv) throws Exception {
    return JSON.readTree(kv.getValue().toString(StandardCharsets.UTF_8));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
