package io.flotilla.sandbox.hypershift;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.sandbox.tls.Pki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.flotilla.sandbox.hypershift.Fixtures.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Restore at creation, as etcd-init does it (docs/hypershift-facts.md §1.4), against real etcd processes. */
class EtcdRestoreTest {
  private static final String SIGNATURE = "X-Amz-Signature=0123456789abcdef0123456789abcdef";
  private static final String S3_ERROR = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
      + "<Message>Request has expired</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
  private static final Duration UP = Duration.ofSeconds(60);

  @TempDir static Path workDir;
  static MockApiServer api;
  static KubernetesClient client;
  static HyperShiftSimulator simulator;
  static HttpServer http;
  static HttpsServer https;
  static final Map<String, byte[]> served = new ConcurrentHashMap<>();
  static final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  /** The source etcd's content and revision when the snapshot was taken. */
  static String sourceDigest;
  static long sourceRevision;

  @BeforeAll
  static void start() throws Exception {
    Fixtures.assumeEtcd();
    Pki.Issued ca = Pki.newCa("restore-test-ca");
    Pki.Issued serving = Pki.newServer(ca, "snapshot-server", java.util.List.of());
    api = MockApiServer.start("mc-restore");
    client = api.adminClient();
    // The snapshot server's CA is only trusted because it is handed to the simulator (as the agent's relay CA is).
    simulator = new HyperShiftSimulator("mc-restore", client, workDir, 256 * 1024,
        new io.flotilla.sandbox.workers.HostRegistry(), ca.certificatePem());
    // restored control planes' kube-apiservers write every 200 ms; no compaction while the tests run
    simulator.kubeApiServerCadence(KubeApiServerCadence.every(Duration.ofMillis(200), Duration.ofMinutes(5)));
    simulator.start();
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", EtcdRestoreTest::serve);
    http.start();
    https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext(serving, ca)));
    https.createContext("/", EtcdRestoreTest::serve);
    https.start();

    // A real snapshot of another simulator-managed etcd, with a marker key written after the seed.
    Fixtures.create(client, Fixtures.hostedCluster("source", null));
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.status(client, "source", HostedCluster.AVAILABLE)).isEqualTo("True"));
    EtcdProcess source = simulator.etcdFor(NS, "source").orElseThrow();
    Fixtures.put(source, "/registry/configmaps/default/mgmt-parent-cluster", "{\"data\":{\"from\":\"mc-restore\"}}");
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    try (Client c = source.newClient()) {
      c.getMaintenanceClient().snapshot(snapshot).get(60, TimeUnit.SECONDS);
    }
    sourceDigest = Fixtures.digest(source);
    sourceRevision = Fixtures.revision(source);
    served.put("/bucket/source.db", snapshot.toByteArray());
    served.put("/bucket/expired.db", S3_ERROR.getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() {
    if (simulator != null) {
      simulator.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (https != null) {
      https.stop(0);
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void restoresTheSnapshotFromAnHttpsUrlAndThenRefusesToChangeIt() throws Exception {
    String url = httpsUrl("/bucket/source.db");
    Fixtures.create(client, Fixtures.hostedCluster("restored", url));
    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.status(client, "restored", HostedCluster.ETCD_SNAPSHOT_RESTORED)).isEqualTo("True");
      assertThat(Fixtures.status(client, "restored", HostedCluster.AVAILABLE)).isEqualTo("True");
    });
    Condition restored = Fixtures.requireCondition(client, "restored", HostedCluster.ETCD_SNAPSHOT_RESTORED);
    assertThat(restored.getReason()).isEqualTo("AsExpected");
    assertThat(Fixtures.hcpCondition(client, "restored", HostedCluster.ETCD_SNAPSHOT_RESTORED).orElseThrow().getStatus())
        .isEqualTo("True");
    EtcdProcess etcd = simulator.etcdFor(NS, "restored").orElseThrow();
    assertThat(Fixtures.digestAt(etcd, sourceRevision)).isEqualTo(sourceDigest);
    assertThat(requests.get("/bucket/source.db").get()).isEqualTo(1);
    assertThat(filesUnder(workDir.resolve("clusters-restored"))).noneMatch(p -> p.getFileName().toString().startsWith("snapshot"));

    // restoreSnapshotURL is immutable: a change is refused with a condition, and nothing is fetched or restored again.
    Fixtures.mergePatch(client, HostedCluster.class, NS, "restored",
        "{\"spec\":{\"etcd\":{\"managed\":{\"storage\":{\"restoreSnapshotURL\":null}}}}}");
    Fixtures.mergePatch(client, HostedCluster.class, NS, "restored",
        "{\"spec\":{\"etcd\":{\"managed\":{\"storage\":{\"restoreSnapshotURL\":[\"" + httpUrl("/bucket/expired.db") + "\"]}}}}}");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Condition c = Fixtures.requireCondition(client, "restored", HostedCluster.ETCD_SNAPSHOT_RESTORED);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(HyperShiftSimulator.REASON_RESTORE_URL_IMMUTABLE);
    });
    assertThat(requests.getOrDefault("/bucket/expired.db", new AtomicInteger()).get()).isZero();
    HostedControlPlane hcp = client.resources(HostedControlPlane.class).inNamespace("clusters-restored").withName("restored").get();
    assertThat(hcp.getSpec().etcd.managed.storage.restoreSnapshotURL).containsExactly(url);
    assertThat(Fixtures.digestAt(simulator.etcdFor(NS, "restored").orElseThrow(), sourceRevision)).isEqualTo(sourceDigest);
    assertNoSignatureIn("restored");
  }

  @Test
  void aRestoredControlPlanesKubeApiServerWritesWhilePausedAndStopsWhenScaledToZeroOrDeleted() throws Exception {
    String writer = KubeApiServerWriter.threadName("clusters-writing");
    Fixtures.create(client, Fixtures.hostedCluster("writing", httpsUrl("/bucket/source.db")));
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.status(client, "writing", HostedCluster.AVAILABLE)).isEqualTo("True"));
    EtcdProcess etcd = simulator.etcdFor(NS, "writing").orElseThrow();
    // by Available the kube-apiserver has written: the revision is past the snapshot's, the snapshot's content intact
    assertThat(Fixtures.revision(etcd)).isGreaterThan(sourceRevision);
    assertThat(Fixtures.digestAt(etcd, sourceRevision)).isEqualTo(sourceDigest);
    assertThat(Fixtures.threadAlive(writer)).isTrue();
    assertThat(Fixtures.threadAlive(KubeApiServerWriter.threadName("clusters-source"))).as("seeded, never restored").isFalse();

    // pausedUntil stops HyperShift's reconciliation, not the kube-apiserver (docs/hypershift-facts.md §8.6)
    Fixtures.mergePatch(client, HostedCluster.class, NS, "writing", "{\"spec\":{\"pausedUntil\":\"true\"}}");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(Fixtures.status(client, "writing", HostedCluster.RECONCILIATION_ACTIVE)).isEqualTo("False"));
    long paused = Fixtures.revision(etcd);
    await().atMost(Duration.ofSeconds(20)).until(() -> Fixtures.revision(etcd) > paused);

    // quiesced: no kube-apiserver, no writes; unpaused, HyperShift scales it back and it writes again
    client.apps().deployments().inNamespace("clusters-writing").withName(KubeApiServers.DEPLOYMENT)
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"replicas\":0}}");
    await().atMost(Duration.ofSeconds(20)).until(() -> !Fixtures.threadAlive(writer));
    Fixtures.mergePatch(client, HostedCluster.class, NS, "writing", "{\"spec\":{\"pausedUntil\":null}}");
    await().atMost(Duration.ofSeconds(20)).until(() -> Fixtures.threadAlive(writer));

    client.resources(HostedCluster.class).inNamespace(NS).withName("writing").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(Fixtures.get(client, "writing")).isNull();
      assertThat(Fixtures.threadAlive(writer)).isFalse();
    });
  }

  @Test
  void anXmlErrorBodyFailsTheRestoreAndEtcdNeverStarts() throws Exception {
    Fixtures.create(client, Fixtures.hostedCluster("expired", httpUrl("/bucket/expired.db")));
    await().atMost(UP).untilAsserted(() -> {
      Condition c = Fixtures.requireCondition(client, "expired", HostedCluster.ETCD_SNAPSHOT_RESTORED);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(HyperShiftSimulator.REASON_ETCD_RESTORE_FAILED);
      assertThat(c.getMessage()).contains("AccessDenied").contains("Request has expired");
      assertThat(Fixtures.status(client, "expired", HostedCluster.AVAILABLE)).isEqualTo("False");
    });
    assertThat(Fixtures.hcpCondition(client, "expired", HostedCluster.ETCD_SNAPSHOT_RESTORED).orElseThrow().getStatus())
        .isEqualTo("False");
    assertThat(simulator.etcdFor(NS, "expired")).isEmpty();
    assertThat(filesUnder(workDir.resolve("clusters-expired"))).noneMatch(p -> p.getFileName().toString().startsWith("snapshot"));
    assertNoSignatureIn("expired");
  }

  @Test
  void aDataDirectoryThatIsNotEmptyIsKeptAndReportedRestoredAsHyperShiftDoes() throws Exception {
    // A hosted cluster deleted with its control-plane namespace kept leaves its etcd data (the PVC) behind.
    HostedCluster keeper = Fixtures.hostedCluster("keeper", null);
    keeper.getMetadata().setAnnotations(Map.of(HostedCluster.SKIP_DELETE_HCP_NAMESPACE, "true"));
    Fixtures.create(client, keeper);
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.status(client, "keeper", HostedCluster.AVAILABLE)).isEqualTo("True"));
    String before = Fixtures.digest(simulator.etcdFor(NS, "keeper").orElseThrow());
    client.resources(HostedCluster.class).inNamespace(NS).withName("keeper").delete();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Fixtures.get(client, "keeper")).isNull());
    assertThat(client.namespaces().withName("clusters-keeper").get()).isNotNull();

    Fixtures.create(client, Fixtures.hostedCluster("keeper", httpsUrl("/bucket/source.db")));
    await().atMost(UP).untilAsserted(() -> {
      assertThat(Fixtures.status(client, "keeper", HostedCluster.ETCD_SNAPSHOT_RESTORED)).isEqualTo("True");
      assertThat(Fixtures.status(client, "keeper", HostedCluster.AVAILABLE)).isEqualTo("True");
    });
    assertThat(Fixtures.requireCondition(client, "keeper", HostedCluster.ETCD_SNAPSHOT_RESTORED).getMessage())
        .contains("not empty");
    String after = Fixtures.digest(simulator.etcdFor(NS, "keeper").orElseThrow());
    assertThat(after).isEqualTo(before).isNotEqualTo(sourceDigest);
    assertThat(Fixtures.threadAlive(KubeApiServerWriter.threadName("clusters-keeper")))
        .as("nothing was restored, so the sandbox's kube-apiserver does not write").isFalse();
  }

  @Test
  void aUrlAddedAfterCreationIsRefused() throws Exception {
    Fixtures.create(client, Fixtures.hostedCluster("late", null));
    await().atMost(UP).untilAsserted(() -> assertThat(Fixtures.status(client, "late", HostedCluster.AVAILABLE)).isEqualTo("True"));
    String before = Fixtures.digest(simulator.etcdFor(NS, "late").orElseThrow());
    int fetched = requests.getOrDefault("/bucket/source.db", new AtomicInteger()).get();
    Fixtures.mergePatch(client, HostedCluster.class, NS, "late", "{\"spec\":{\"etcd\":{\"managementType\":\"Managed\","
        + "\"managed\":{\"storage\":{\"restoreSnapshotURL\":[\"" + httpsUrl("/bucket/source.db") + "\"]}}}}}");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Condition c = Fixtures.requireCondition(client, "late", HostedCluster.ETCD_SNAPSHOT_RESTORED);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo(HyperShiftSimulator.REASON_RESTORE_URL_IMMUTABLE);
    });
    assertThat(requests.getOrDefault("/bucket/source.db", new AtomicInteger()).get()).isEqualTo(fetched);
    assertThat(Fixtures.digest(simulator.etcdFor(NS, "late").orElseThrow())).isEqualTo(before);
    assertNoSignatureIn("late");
  }

  @Test
  void s3AndMalformedUrlsAreRefusedWithAReason() {
    Fixtures.create(client, Fixtures.hostedCluster("via-s3", "s3://flotilla-backups/hc/snapshot.db"));
    HostedCluster two = Fixtures.hostedCluster("two-urls", httpUrl("/bucket/source.db"));
    two.getSpec().etcd.managed.storage.restoreSnapshotURL = java.util.List.of(httpUrl("/a"), httpUrl("/b"));
    Fixtures.create(client, two);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(Fixtures.requireCondition(client, "via-s3", HostedCluster.ETCD_SNAPSHOT_RESTORED).getReason())
          .isEqualTo(HyperShiftSimulator.REASON_UNSUPPORTED_RESTORE_URL);
      assertThat(Fixtures.requireCondition(client, "two-urls", HostedCluster.ETCD_SNAPSHOT_RESTORED).getReason())
          .isEqualTo(HyperShiftSimulator.REASON_INVALID_RESTORE_URL);
      assertThat(Fixtures.status(client, "via-s3", HostedCluster.AVAILABLE)).isEqualTo("False");
    });
    assertThat(simulator.etcdFor(NS, "via-s3")).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  private static void assertNoSignatureIn(String name) {
    HostedCluster hc = Fixtures.get(client, name);
    assertThat(hc.getStatus().conditions).allSatisfy(c -> assertThat(c.getMessage()).doesNotContain(SIGNATURE)
        .doesNotContain("0123456789abcdef"));
    HostedControlPlane hcp = client.resources(HostedControlPlane.class).inNamespace(NS + "-" + name).withName(name).get();
    if (hcp != null && hcp.getStatus() != null) {
      assertThat(hcp.getStatus().conditions).allSatisfy(c -> assertThat(c.getMessage()).doesNotContain("0123456789abcdef"));
    }
  }

  private static String httpUrl(String path) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + path + "?" + SIGNATURE;
  }

  private static String httpsUrl(String path) {
    return "https://127.0.0.1:" + https.getAddress().getPort() + path + "?X-Amz-Expires=3600&" + SIGNATURE;
  }

  /** Serves like S3: the object, or an XML error document with 403 (which curl, and so etcd-init, still saves). */
  private static void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    byte[] body = served.get(path);
    int code = body == null ? 404 : new String(body, 0, Math.min(5, body.length), StandardCharsets.US_ASCII).equals("<?xml") ? 403 : 200;
    if (body == null) {
      body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
          .getBytes(StandardCharsets.UTF_8);
    }
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static SSLContext serverContext(Pki.Issued serving, Pki.Issued ca) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", serving.privateKey(), new char[0],
        new Certificate[] {serving.certificate(), ca.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  private static java.util.List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return java.util.List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.toList();
    }
  }
}
