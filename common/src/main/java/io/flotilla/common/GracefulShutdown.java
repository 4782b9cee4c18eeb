package io.flotilla.common;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stops a long-running component (hub-manager, spoke-agent) within one time budget when it is told to (SIGTERM from the kubelet, SIGINT from a
 * terminal), so that it can exit with status 0.
 *
 * <p>A shutdown hook alone cannot do this: on SIGTERM the JVM starts shutting down with status 143 and halts as soon as
 * the hooks return, and a System.exit from inside that shutdown blocks. So TERM and INT only wake the thread waiting in
 * {@link #awaitStop()}; that thread runs {@link #close()} and returns the exit code for System.exit. A shutdown hook
 * stays as the fallback for every other way the JVM ends (System.exit elsewhere, a signal that could not be taken): it
 * runs the same close and waits for it, bounded by the same budget, so the close is never skipped.
 *
 * <p>The close action runs once, on its own thread; every caller of {@link #close()} waits for that one run until the
 * budget, counted from the first call, is spent.
 *
 * <p>sun.misc.Signal lives in the module jdk.unsupported, which the JDK keeps for such uses; javac still warns about it.
 */
public final class GracefulShutdown {
  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);
  private static final List<String> SIGNALS = List.of("TERM", "INT");

  private final String component;
  private final Duration budget;
  private final Runnable closeAction;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicBoolean timeoutReported = new AtomicBoolean();
  private long deadlineNanos;
  private boolean started;
  private volatile boolean failed;

  /** Without signal handlers or hook (tests, or a component run inside another process): {@link #install} adds those. */
  public static GracefulShutdown manual(String component, Duration budget, Runnable closeAction) {
    return new GracefulShutdown(component, budget, closeAction);
  }

  private GracefulShutdown(String component, Duration budget, Runnable closeAction) {
    this.component = Objects.requireNonNull(component, "component");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.closeAction = Objects.requireNonNull(closeAction, "closeAction");
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("the shutdown budget must be positive, got " + budget);
    }
  }

  /**
   * Takes SIGTERM and SIGINT (they now only request a stop) and adds the fallback shutdown hook.
   *
   * @param component   how the logs name what stops, e.g. "hub-manager"
   * @param budget      the whole time the close may take
   * @param closeAction stops everything; runs at most once
   */
  public static GracefulShutdown install(String component, Duration budget, Runnable closeAction) {
    GracefulShutdown shutdown = new GracefulShutdown(component, budget, closeAction);
    for (String name : SIGNALS) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          if (!shutdown.isStopRequested()) {
            log.info("{}: SIG{} received; stopping within {}", component, signal.getName(), Durations.format(budget));
          }
          shutdown.requestStop();
        });
      } catch (IllegalArgumentException e) {
        // e.g. -Xrs, or the signal is reserved on this platform: the JVM keeps its own handling, the hook still closes
        log.warn("cannot take SIG{} ({}); on that signal the shutdown hook stops {} instead", name, e.getMessage(),
            component);
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown::onJvmShutdown, component + "-shutdown"));
    return shutdown;
  }

  public Duration budget() { return budget; }

  public boolean isStopRequested() { return stopRequested.getCount() == 0; }

  /** What the signal handlers do; also for callers that want the component to stop. */
  public void requestStop() { stopRequested.countDown(); }

  /** Blocks until a stop is requested (a signal, or the JVM shutting down for another reason). */
  public void awaitStop() throws InterruptedException { stopRequested.await(); }

  /**
   * Runs the close action if nobody has yet, and waits for it within the budget.
   *
   * @return true if it finished in time without throwing; false after one logged line otherwise
   */
  public boolean close() {
    long remaining;
    synchronized (this) {
      if (!started) {
        started = true;
        deadlineNanos = System.nanoTime() + budget.toNanos();
        Thread closer = new Thread(this::runCloseAction, component + "-close");
        // a close that overruns the budget must not keep the JVM alive once the caller has given up on it
        closer.setDaemon(true);
        closer.start();
      }
      remaining = deadlineNanos - System.nanoTime();
    }
    try {
      if (!closed.await(Math.max(0, remaining), TimeUnit.NANOSECONDS)) {
        if (timeoutReported.compareAndSet(false, true)) {
          log.error("{} did not stop within the shutdown grace of {}; exiting without waiting further", component,
              Durations.format(budget));
        }
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return !failed;
  }

  private void runCloseAction() {
    try {
      closeAction.run();
    } catch (RuntimeException | Error e) {
      failed = true;
      log.error("{} failed while stopping: {}", component, firstLine(e));
    } finally {
      closed.countDown();
    }
  }

  private static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private void onJvmShutdown() {
    requestStop();
    close();
  }
}
