package io.flotilla.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The budget logic, without signal handlers or hook (the process test covers those). */
class GracefulShutdownTest {
  @Test
  void closesOnceForEveryCaller() {
    AtomicInteger runs = new AtomicInteger();
    var shutdown = GracefulShutdown.manual("test", Duration.ofSeconds(10), runs::incrementAndGet);
    assertThat(shutdown.close()).isTrue();
    // the hook, after main has closed: no second close, no wait
    assertThat(shutdown.close()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void aCloseOverrunningTheBudgetIsGivenUpOn() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    var shutdown = GracefulShutdown.manual("test", Duration.ofMillis(300), () -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    long start = System.nanoTime();
    assertThat(shutdown.close()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    // a later caller shares the spent budget instead of starting its own
    start = System.nanoTime();
    assertThat(shutdown.close()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(200));
    never.countDown();
  }

  @Test
  void aFailingCloseIsNoCleanStop() {
    var shutdown = GracefulShutdown.manual("test", Duration.ofSeconds(10), () -> {
      throw new IllegalStateException("boom");
    });
    assertThat(shutdown.close()).isFalse();
  }

  @Test
  void aStopRequestWakesTheWaiter() throws Exception {
    var shutdown = GracefulShutdown.manual("test", Duration.ofSeconds(10), () -> { });
    CountDownLatch woke = new CountDownLatch(1);
    Thread waiter = new Thread(() -> {
      try {
        shutdown.awaitStop();
        woke.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    waiter.start();
    assertThat(woke.await(200, TimeUnit.MILLISECONDS)).isFalse();
    shutdown.requestStop();
    assertThat(woke.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theBudgetMustBePositive() {
    assertThatThrownBy(() -> GracefulShutdown.manual("test", Duration.ZERO, () -> { }))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
