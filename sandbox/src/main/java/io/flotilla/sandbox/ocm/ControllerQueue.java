package io.flotilla.sandbox.ocm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The work queue of the simulated hub controllers, as a controller's queue is: informer callbacks and timers only
 * enqueue (deduplicated by key), one worker thread runs every sync, so the controllers need no locks. (The HyperShift
 * simulator's queue is private to its package.)
 */
final class ControllerQueue implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerQueue.class);

  private final String name;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService worker;
  private volatile boolean closed;

  ControllerQueue(String name) {
    this.name = name;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true); // a simulator left open never keeps the JVM alive
      return t;
    });
  }

  /** Runs the task on the worker; a task already waiting under the same key is not queued twice. */
  void enqueue(String key, Runnable task) {
    if (closed || !queued.add(key)) {
      return;
    }
    try {
      worker.execute(() -> {
        queued.remove(key);
        safely(key, task);
      });
    } catch (RejectedExecutionException e) {
      queued.remove(key);
    }
  }

  /** Enqueues the task after {@code delay} (a controller's AddAfter). */
  void enqueueAfter(String key, Runnable task, Duration delay) {
    if (closed) {
      return;
    }
    try {
      worker.schedule(() -> enqueue(key, task), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Runs the task every {@code period}, first after one period (a controller's resync). */
  void every(Duration period, Runnable task) {
    worker.scheduleWithFixedDelay(() -> safely("resync", task), period.toMillis(), period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void safely(String key, Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      if (!closed) { // a sync cut short by close() is no news
        LOG.warn("OCM simulator {}: {}: {}", name, key, e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.shutdownNow();
  }
}
