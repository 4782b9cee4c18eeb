package io.flotilla.agent.hub;

import io.flotilla.agent.work.AgentWork;
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
  private final AgentWork work;
  private final String name;

  /**
   * @param work      the agent's stop signal and grace budget, which {@link #close()} uses
   * @param afterEach called with the record key ("namespace/name") after each task, outside the busy set
   */
  public RecordWork(String threadName, int concurrency, AgentWork work, Consumer<String> afterEach) {
    this.afterEach = afterEach;
    this.work = java.util.Objects.requireNonNull(work, "work");
    this.name = threadName;
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
    if (work.stop().requested()) {
      return; // stopping: a record not started yet is left for the next agent process
    }
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

  /**
   * Takes no more work, asks running tasks to stop (the agent-wide {@link AgentWork#requestStop()}: each finishes or
   * undoes what it started, see {@code StopSignal} for why not interrupts) and waits for them within what is left of the
   * grace budget. Only a task still running after that is interrupted, as a last resort.
   */
  @Override
  public void close() {
    work.drain(workers, name, active);
  }
}
