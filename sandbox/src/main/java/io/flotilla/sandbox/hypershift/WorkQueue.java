package io.flotilla.sandbox.hypershift;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The work queue the simulated controllers of one management cluster share, as controller-runtime's is: informer
 * callbacks only enqueue (deduplicated by key), and one worker thread runs every reconcile, so the controllers need no
 * locks.
 */
final class WorkQueue implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);
  /** Re-evaluate a pause deadline a little after it passes, so "now" is safely past it. */
  private static final Duration DEADLINE_SLACK = Duration.ofMillis(100);

  private final String managementClusterName;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService worker;
  private volatile boolean closed;

  WorkQueue(String managementClusterName) {
    this.managementClusterName = managementClusterName;
    this.worker = Executors.newSingleThreadScheduledExecutor(daemon("hypershift-sim-" + managementClusterName));
  }

  /** Runs the task on the worker thread; a task already waiting under the same key is not queued twice. */
  void enqueue(String dedupKey, Runnable task) {
    if (closed || !queued.add(dedupKey)) {
      return;
    }
    try {
      worker.execute(() -> {
        queued.remove(dedupKey);
        safely(task);
      });
    } catch (RejectedExecutionException e) {
      queued.remove(dedupKey);
    }
  }

  /** Runs the task on the worker thread a little after {@code at}. */
  void schedule(Runnable task, Instant at) {
    if (closed) {
      return;
    }
    long delay = Math.max(0, Duration.between(Instant.now(), at).plus(DEADLINE_SLACK).toMillis());
    worker.schedule(() -> safely(task), delay, TimeUnit.MILLISECONDS);
  }

  /** Runs the task on the worker thread every {@code period}, first after one period (a controller's resync). */
  void every(Duration period, Runnable task) {
    worker.scheduleWithFixedDelay(() -> safely(task), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** True once closing began: long work stops at its next check. */
  boolean closed() { return closed; }

  private void safely(Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      if (closed) {
        // close() interrupted it: what it was doing no longer matters
        LOG.debug("HyperShift simulator on {} closing: {}", managementClusterName, e.toString());
      } else {
        LOG.warn("HyperShift simulator on {}: {}", managementClusterName, e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.shutdownNow();
  }

  /** Daemon threads named {@code name}: a simulator left open never keeps the JVM alive. */
  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
