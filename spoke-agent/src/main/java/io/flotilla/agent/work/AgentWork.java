package io.flotilla.agent.work;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * What every piece of the agent's concurrent work shares within one agent process: the stop signal with its grace
 * budget, and the per-hosted-cluster locks. One per {@code SpokeAgent}; it travels on {@code AgentConfig} because every
 * controller is built from that one config.
 *
 * @param shutdownGrace how long running work has, after a stop request, to finish or undo what it started
 * @param lockWait      how long work waits for another's lock on the same hosted cluster before it gives up
 *                      ({@link HostedClusterLocks}); the default covers a backup's default pause window
 */
public record AgentWork(StopSignal stop, HostedClusterLocks locks, Duration shutdownGrace, Duration lockWait) {
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(60);
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofMinutes(15);

  public AgentWork {
    Objects.requireNonNull(stop, "stop");
    Objects.requireNonNull(locks, "locks");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(lockWait, "lockWait");
    if (shutdownGrace.isNegative() || shutdownGrace.isZero()) {
      throw new IllegalArgumentException("shutdown grace must be positive, got " + shutdownGrace);
    }
  }

  public static AgentWork create(Duration shutdownGrace) {
    StopSignal stop = new StopSignal();
    return new AgentWork(stop, new HostedClusterLocks(stop, Clock.systemUTC()), shutdownGrace, DEFAULT_LOCK_WAIT);
  }

  /** The same settings with a new stop signal and new locks: for the next agent process (or agent, in tests). */
  public AgentWork renewed() {
    return create(shutdownGrace).withLockWait(lockWait);
  }

  /** The same stop signal and locks, another wait bound (tests). */
  public AgentWork withLockWait(Duration wait) {
    return new AgentWork(stop, locks, shutdownGrace, wait);
  }

  /**
   * Takes a hosted cluster's lock for {@code what}, waiting up to {@link #lockWait()}.
   *
   * @see HostedClusterLocks#acquire
   */
  public HostedClusterLocks.Lock lock(io.flotilla.api.common.NamespacedName hostedCluster, String what,
      java.util.function.Consumer<HostedClusterLocks.Holder> waiting) throws HostedClusterLocks.Busy, StopSignal.Stopped {
    return locks.acquire(hostedCluster, what, lockWait, waiting);
  }

  public static AgentWork create() {
    return create(DEFAULT_SHUTDOWN_GRACE);
  }

  /** Starts the stop: running work sees the flag and every lock waiter wakes. */
  public void requestStop() {
    stop.request(shutdownGrace);
    locks.wakeAll();
  }

  /**
   * Stops a pool of the agent's workers the one way they all stop: no more tasks, a stop request to the running ones
   * (they finish or undo what they started), a wait within what is left of the grace budget, and an interrupt only for
   * a task still running after that.
   *
   * @return whether every task ended within the budget
   */
  public boolean drain(java.util.concurrent.ExecutorService pool, String name, Object running) {
    requestStop();
    pool.shutdown();
    try {
      if (pool.awaitTermination(remaining().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return true;
      }
      org.slf4j.LoggerFactory.getLogger(AgentWork.class).warn(
          "{}: {} still running when the shutdown grace ran out; interrupting it", name, running);
      pool.shutdownNow();
      pool.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /**
   * Stops a timer's pool (heartbeat, schedule tick, catalogue scan): the pass under way finishes, within {@code bound},
   * and only one still running after it is interrupted. An interrupted pass fails in fabric8 or the AWS SDK and says so
   * in a warning; a finished one has nothing to say.
   */
  public static void finishThenStop(java.util.concurrent.ExecutorService pool, Duration bound) {
    pool.shutdown(); // a scheduled pool also drops its delayed runs
    try {
      if (!pool.awaitTermination(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }

  /** What is left of the grace budget (all of it before a stop). */
  public Duration remaining() {
    return stop.remaining(shutdownGrace);
  }
}
