package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.LeaseOption;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.testing.MutableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kube-apiserver's compactor and lease manager (docs/hypershift-facts.md §8.1, §8.3) against a real etcd, tick by tick
 * and by a hand-moved clock: nothing here waits.
 */
class CompactionAndEventLeasesTest {
  static final Duration T = Duration.ofSeconds(10);
  @TempDir static Path dir;
  static EtcdProcess etcd;
  static Client client;

  @BeforeAll
  static void start() {
    Fixtures.assumeEtcd();
    etcd = new EtcdLauncher().start("compactor", dir.resolve("etcd"), EtcdTls.generate("compactor"));
    client = etcd.newClient();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void theFirstWinningTickOnlyClaimsTheKeyTheNextCompactsToTheRevisionTheFirstSaw() throws Exception {
    client.getKVClient().delete(EtcdCompactor.KEY).get(10, TimeUnit.SECONDS);
    put("/registry/configmaps/default/before", "v");
    EtcdCompactor compactor = new EtcdCompactor(client.getKVClient(), T);

    assertThat(compactor.tick()).as("never on bootstrap").isZero();
    long seenAtFirstTick = revision(); // as upstream: the transaction's revision, its own put included
    assertThat(value(EtcdCompactor.KEY)).isEqualTo("0");
    put("/registry/configmaps/default/after", "v");

    long compactedTo = compactor.tick();
    assertThat(compactedTo).isEqualTo(seenAtFirstTick);
    assertThat(value(EtcdCompactor.KEY)).isEqualTo(Long.toString(seenAtFirstTick));
    assertThat(EtcdState.hashAt(client, etcd.endpoint(), revision(), T).compactRevision()).isEqualTo(compactedTo);
  }

  @Test
  void aKeyLeftByAnotherKubeApiServerIsAdoptedFirstAndCompactedOnTheNextTick() throws Exception {
    // an etcd restored from a cluster whose kube-apiserver had compacted: compact_rev_key at version 3
    client.getKVClient().delete(EtcdCompactor.KEY).get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      client.getKVClient().put(EtcdCompactor.KEY, bytes("1")).get(10, TimeUnit.SECONDS);
    }
    EtcdCompactor compactor = new EtcdCompactor(client.getKVClient(), T);

    assertThat(compactor.tick()).as("lost the compare-and-swap: adopts the remote version").isZero();
    long seen = revision();
    assertThat(value(EtcdCompactor.KEY)).isEqualTo("1");
    put("/registry/configmaps/default/later", "v");

    assertThat(compactor.tick()).isEqualTo(seen);
    assertThat(value(EtcdCompactor.KEY)).isEqualTo(Long.toString(seen));
  }

  @Test
  void eventLeasesAreReusedWithinTheWindowAndForAThousandObjectsAtMost() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-08T10:00:00Z"));
    Lease leases = client.getLeaseClient();
    EventLeases manager = new EventLeases(leases, clock, T);
    long ttl = KubeApiServerWriter.EVENT_TTL.toSeconds();

    long first = manager.leaseFor(ttl);
    assertThat(leases.timeToLive(first, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getGrantedTTL())
        .as("3 h plus the 60 s reuse window").isEqualTo(10_860);
    clock.advance(Duration.ofSeconds(59));
    assertThat(manager.leaseFor(ttl)).as("within the window").isEqualTo(first);
    clock.advance(Duration.ofSeconds(2));
    long second = manager.leaseFor(ttl);
    assertThat(second).as("the old lease would now expire before the TTL").isNotEqualTo(first);
    clock.advance(Duration.ofSeconds(1)); // a frozen clock sits exactly at the window's end: upstream's "After" is strict

    for (int i = 1; i < EventLeases.MAX_OBJECTS; i++) {
      assertThat(manager.leaseFor(ttl)).isEqualTo(second);
    }
    assertThat(manager.leaseFor(ttl)).as("object 1001").isNotEqualTo(second);
  }

  private static void put(String key, String value) throws Exception {
    client.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
  }

  private static long revision() throws Exception {
    return EtcdState.read(client, T).revision();
  }

  private static String value(ByteSequence key) throws Exception {
    return client.getKVClient().get(key).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()
        .toString(StandardCharsets.UTF_8);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
