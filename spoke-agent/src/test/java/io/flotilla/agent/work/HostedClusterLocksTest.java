package io.flotilla.agent.work;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-hosted-cluster lock, without a cluster: who waits, for how long, and what a stop does to a waiter. */
class HostedClusterLocksTest {
  static final NamespacedName HC1 = new NamespacedName("clusters", "hc-1");
  static final NamespacedName HC2 = new NamespacedName("clusters", "hc-2");
  static final Duration LONG = Duration.ofSeconds(20);

  final StopSignal stop = new StopSignal();
  final HostedClusterLocks locks = new HostedClusterLocks(stop, Clock.systemUTC());

  @Test
  void secondWorkWaitsForTheFirstAndIsToldWhoHoldsTheLock() throws Exception {
    List<String> told = new CopyOnWriteArrayList<>();
    HostedClusterLocks.Lock first = locks.acquire(HC1, "HostedClusterBackup mc-1/a", LONG, h -> told.add("first"));
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<HostedClusterLocks.Lock> second = CompletableFuture.supplyAsync(() -> {
      try {
        return locks.acquire(HC1, "HostedClusterBackup mc-1/b", LONG, h -> {
          told.add(h.work());
          waiting.countDown();
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(waiting.await(10, TimeUnit.SECONDS)).as("the second was told it waits").isTrue();
    assertThat(second).isNotDone();
    assertThat(locks.holder(HC1)).get().extracting(HostedClusterLocks.Holder::work).isEqualTo("HostedClusterBackup mc-1/a");

    first.close();
    HostedClusterLocks.Lock got = second.get(10, TimeUnit.SECONDS);
    assertThat(told).containsExactly("HostedClusterBackup mc-1/a");
    assertThat(locks.holder(HC1)).get().extracting(HostedClusterLocks.Holder::work).isEqualTo("HostedClusterBackup mc-1/b");
    got.close();
    assertThat(locks.holder(HC1)).isEmpty();
  }

  @Test
  void theWaitIsBoundedAndTheRefusalNamesTheHolder() throws Exception {
    try (HostedClusterLocks.Lock held = locks.acquire(HC1, "HostedClusterPause mc-1/hold", LONG, h -> { })) {
      assertThatThrownBy(() -> locks.acquire(HC1, "HostedClusterBackup mc-1/b", Duration.ofMillis(200), h -> { }))
          .isInstanceOf(HostedClusterLocks.Busy.class)
          .hasMessageContaining("clusters/hc-1").hasMessageContaining("HostedClusterPause mc-1/hold");
    }
  }

  @Test
  void otherHostedClustersDoNotWait() throws Exception {
    try (HostedClusterLocks.Lock one = locks.acquire(HC1, "a", LONG, h -> { throw new AssertionError("waited"); });
         HostedClusterLocks.Lock two = locks.acquire(HC2, "b", Duration.ZERO, h -> { throw new AssertionError("waited"); })) {
      assertThat(locks.holder(HC2)).get().extracting(HostedClusterLocks.Holder::work).isEqualTo("b");
    }
  }

  @Test
  void aStopWakesAWaiterAtOnceAndRefusesNewWork() throws Exception {
    HostedClusterLocks.Lock held = locks.acquire(HC1, "a", LONG, h -> { });
    CountDownLatch waiting = new CountDownLatch(1);
    CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
      try {
        locks.acquire(HC1, "b", LONG, h -> waiting.countDown()).close();
        return null;
      } catch (Exception e) {
        return e;
      }
    });
    assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
    stop.request(Duration.ofSeconds(30));
    locks.wakeAll();
    assertThat(waiter.get(5, TimeUnit.SECONDS)).isInstanceOf(StopSignal.Stopped.class);
    assertThatThrownBy(() -> locks.acquire(HC2, "c", LONG, h -> { })).isInstanceOf(StopSignal.Stopped.class);
    held.close();
  }

  @Test
  void closingTwiceOrAfterAnotherTookTheLockReleasesNothingElse() throws Exception {
    HostedClusterLocks.Lock a = locks.acquire(HC1, "a", LONG, h -> { });
    a.close();
    HostedClusterLocks.Lock b = locks.acquire(HC1, "b", LONG, h -> { });
    a.close();
    assertThat(locks.holder(HC1)).get().extracting(HostedClusterLocks.Holder::work).isEqualTo("b");
    b.close();
  }

  @Test
  void theStopSignalSpendsOneBudget() throws Exception {
    MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    StopSignal s = new StopSignal(clock);
    Duration grace = Duration.ofSeconds(60);
    assertThat(s.remaining(grace)).isEqualTo(grace);
    s.check("nothing asked yet");
    s.request(grace);
    clock.advance(Duration.ofSeconds(45));
    s.request(Duration.ofSeconds(600)); // a second request does not extend the budget
    assertThat(s.remaining(grace)).isEqualTo(Duration.ofSeconds(15));
    clock.advance(Duration.ofSeconds(20));
    assertThat(s.remaining(grace)).isZero();
    assertThatThrownBy(() -> s.check("snapshot")).isInstanceOf(StopSignal.Stopped.class).hasMessageContaining("snapshot");
  }
}
