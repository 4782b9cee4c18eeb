package io.flotilla.sandbox.ocm.addon;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One worker thread running a level-triggered pass: informer events only {@link #trigger()} it (a pass already waiting
 * is not queued twice), and a resync runs it every period, as OCM's controllers resync. The passes themselves re-read
 * everything they need, so nothing is lost when events coalesce.
 */
final class ControlLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);

  private final String name;
  private final Runnable pass;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile boolean closed;

  ControlLoop(String name, Runnable pass) {
    this.name = name;
    this.pass = pass;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  void every(Duration period) {
    worker.scheduleWithFixedDelay(this::trigger, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  void trigger() {
    if (closed || !queued.compareAndSet(false, true)) {
      return;
    }
    try {
      worker.execute(() -> {
        queued.set(false);
        if (closed) {
          return;
        }
        try {
          pass.run();
        } catch (RuntimeException e) {
          if (!closed) {
            LOG.warn("{}: {}", name, e.toString());
          }
        }
      });
    } catch (RejectedExecutionException e) {
      queued.set(false);
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.shutdownNow();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
