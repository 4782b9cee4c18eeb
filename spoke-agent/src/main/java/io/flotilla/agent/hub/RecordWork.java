package io.flotilla.agent.hub;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flotilla.agent.work.AgentWork;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The long work of the agent's reconcilers (a backup streams for minutes; JOSDK's reconcile threads must not wait for
 * it): at most one task per record at a time, on a bounded pool. A reconcile submits and returns; while the task runs
 * the record is rescheduled every {@link #BUSY_RECHECK} ({@link #control}), so JOSDK looks at it again once the task has
 * ended, whatever the task wrote.
 */
public final class RecordWork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecordWork.class);
  /** How soon a record whose work is running is looked at again. */
  public static final Duration BUSY_RECHECK = Duration.ofSeconds(1);

  private final ExecutorService workers;
  private final Set<String> active = ConcurrentHashMap.newKeySet();
  private final AgentWork work;
  private final String name;

  /** @param work the agent's stop signal and grace budget, which {@link #close()} uses */
  public RecordWork(String threadName, int concurrency, AgentWork work) {
    this(threadName, work, Executors.newFixedThreadPool(concurrency, r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    }));
  }

  private RecordWork(String name, AgentWork work, ExecutorService workers) {
    this.work = java.util.Objects.requireNonNull(work, "work");
    this.name = name;
    this.workers = workers;
  }

  /**
   * Runs each task in the submitting thread: a reconcile called directly by a test then returns with its work done,
   * so the test asserts on the outcome without waiting.
   */
  public static RecordWork inline(String name, AgentWork work) {
    return new RecordWork(name, work, new java.util.concurrent.AbstractExecutorService() {
      private volatile boolean shutdown;
      @Override public void execute(Runnable command) {
        if (shutdown) {
          throw new RejectedExecutionException("closed");
        }
        command.run();
      }
      @Override public void shutdown() { shutdown = true; }
      @Override public java.util.List<Runnable> shutdownNow() { shutdown = true; return java.util.List.of(); }
      @Override public boolean isShutdown() { return shutdown; }
      @Override public boolean isTerminated() { return shutdown; }
      @Override public boolean awaitTermination(long timeout, java.util.concurrent.TimeUnit unit) { return true; }
    });
  }

  public static String key(HasMetadata record) {
    return record.getMetadata().getNamespace() + "/" + record.getMetadata().getName();
  }

  public boolean busy(String key) {
    return active.contains(key);
  }

  public boolean busy(HasMetadata record) {
    return busy(key(record));
  }

  /** What a reconcile returns: look again soon while the record's work runs, otherwise wait for the next event. */
  public <R extends HasMetadata> UpdateControl<R> control(R record) {
    return busy(record) ? UpdateControl.<R>noUpdate().rescheduleAfter(BUSY_RECHECK) : UpdateControl.noUpdate();
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
