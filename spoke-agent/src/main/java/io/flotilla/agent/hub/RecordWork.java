package io.flotilla.agent.hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Work on hub records, at most one task per record at a time, on a bounded pool. Informer callbacks only submit;
 * a record already being worked on is skipped, and {@code afterEach} lets the caller look at the record again once
 * the task ends (its state may have moved on meanwhile, e.g. a delete during a backup).
 */
public final class RecordWork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecordWork.class);

  private final ExecutorService workers;
  private final Set<String> active = ConcurrentHashMap.newKeySet();
  private final Consumer<String> afterEach;

  /** @param afterEach called with the record key ("namespace/name") after each task, outside the busy set */
  public RecordWork(String threadName, int concurrency, Consumer<String> afterEach) {
    this.afterEach = afterEach;
    this.workers = Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  public boolean busy(String key) {
    return active.contains(key);
  }

  public void submit(String key, Runnable task) {
    if (!active.add(key)) {
      return;
    }
    try {
      workers.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("work on {} failed: {}", key, e.toString());
        } finally {
          active.remove(key);
          if (!workers.isShutdown()) {
            try {
              afterEach.accept(key);
            } catch (RuntimeException e) {
              log.debug("re-check of {} failed: {}", key, e.getMessage());
            }
          }
        }
      });
    } catch (RejectedExecutionException e) {
      active.remove(key);
    }
  }

  /** Interrupts running tasks (each is expected to undo what it started) and waits up to 30 s for them. */
  @Override
  public void close() {
    workers.shutdownNow();
    try {
      workers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
