package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.Client;
import io.flotilla.agent.restore.RelayConfig;
import io.flotilla.agent.restore.SnapshotRelay;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.tls.Pki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's snapshot relay and the sandbox's etcd-init, as in a restore (docs/hypershift-facts.md §1.4): a snapshot
 * the relay serves whole is restored; one the relay finds wrong only at its end (its SHA-256 is not the manifest's,
 * checked once every byte has streamed) must fail the download, or etcd-init would restore it.
 */
class RelayToEtcdInitTest {
  @TempDir static Path dir;
  static SnapshotRelay relay;
  static EtcdInit etcdInit;
  static byte[] snapshot;

  @BeforeAll
  static void start() throws Exception {
    Fixtures.assumeEtcd();
    EtcdLauncher launcher = new EtcdLauncher();
    EtcdProcess source = launcher.start("source", dir.resolve("source"), EtcdTls.generate("source"));
    try (Client client = source.newClient()) {
      EtcdSeeder.seed(client, 64 << 10, 1);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      client.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
      snapshot = out.toByteArray();
    } finally {
      source.close();
    }
    Pki.Issued ca = Pki.newCa("relay-test-ca");
    Pki.Issued serving = Pki.newServer(ca, "relay", List.of());
    relay = new SnapshotRelay(new RelayConfig("127.0.0.1", 0, null,
        RelayConfig.serverContext(serving.certificatePem() + ca.certificatePem(), serving.privateKeyPem())),
        Clock.systemUTC());
    HttpClient http = HttpClient.newBuilder().sslContext(HyperShiftSimulator.sslContext(ca.certificatePem()))
        .connectTimeout(Duration.ofSeconds(10)).build();
    etcdInit = new EtcdInit(http, launcher.binary());
  }

  @AfterAll
  static void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aSnapshotServedWholeIsRestored() {
    SnapshotRelay.Grant grant = relay.grant(out -> out.write(snapshot), Duration.ofMinutes(5));
    RestoreOutcome outcome = etcdInit.run(url(grant), dir.resolve("whole"), "etcd-0");
    assertThat(outcome.restored()).as(outcome.message()).isTrue();
  }

  @Test
  void aSnapshotWhoseChecksumFailsAtTheEndIsNeverRestored() {
    // what SnapshotReader does when the stored object is not the manifest's: every byte is written, then it throws
    SnapshotRelay.Grant grant = relay.grant(out -> {
      out.write(snapshot);
      throw new IntegrityException("checksum mismatch: raw SHA-256 is not the manifest's");
    }, Duration.ofMinutes(5));
    RestoreOutcome outcome = etcdInit.run(url(grant), dir.resolve("mismatch"), "etcd-0");
    assertThat(outcome.failed()).as(outcome.message()).isTrue();
    assertThat(outcome.message()).contains("downloading the snapshot");
    assertThat(dir.resolve("mismatch").resolve(EtcdInit.DATA_DIR)).doesNotExist();
  }

  private static RestoreSnapshotUrl url(SnapshotRelay.Grant grant) {
    return RestoreSnapshotUrl.parse(List.of(grant.url().toString().replace("localhost", "127.0.0.1"))).url()
        .orElseThrow();
  }
}
