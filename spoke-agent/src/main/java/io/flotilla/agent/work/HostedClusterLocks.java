package io.flotilla.agent.work;

import io.flotilla.api.common.NamespacedName;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One lock per hosted cluster on this management cluster, shared by every piece of work that changes one: on-demand
 * and scheduled backups, a migration's {@code HostedClusterPause} (taking and releasing it), restores and teardowns.
 *
 * <p>Why: each of them reads the hosted cluster's {@code pausedUntil} and API-server replicas, changes them and later
 * puts back what it read. Two at once put back each other's values: backup B records backup A's deadline as "before"
 * and restores it; a HostedClusterPause taken while a quiesced backup runs records replicas 0, and the backup then
 * scales the API servers up under the migration. With the lock the second piece of work reads what the first put back.
 *
 * <p>Rule: work waits for the holder up to its own bound (telling its record who holds the lock), then gives up with
 * {@link Busy}. A pause in effect is a state, not a lock: the lock covers taking and releasing it, so the migration's
 * own backup can run while the source is held (it finds everything already paused and changes nothing). A stop
 * request wakes every waiter with {@link StopSignal.Stopped}. Not re-entrant: no work takes a second lock.
 */
public final class HostedClusterLocks {
  /** Who holds a lock: the work (e.g. "HostedClusterBackup mc-1/nightly-1") and since when. */
  public record Holder(String work, Instant since) {
    @Override
    public String toString() {
      return work + " (since " + since + ")";
    }
  }

  /** The wait ran out while someone else held the lock. */
  public static final class Busy extends Exception {
    private final transient Holder holder;

    Busy(NamespacedName hostedCluster, Holder holder, Duration waited) {
      super("hosted cluster " + hostedCluster + " is busy with " + holder.work() + " since " + holder.since()
          + "; gave up after waiting " + waited.toSeconds() + " s");
      this.holder = holder;
    }

    public Holder holder() {
      return holder;
    }
  }

  /** A held lock; closing it lets the next waiter in. */
  public final class Lock implements AutoCloseable {
    private final String key;
    private final Holder holder;

    private Lock(String key, Holder holder) {
      this.key = key;
      this.holder = holder;
    }

    @Override
    public void close() {
      guard.lock();
      try {
        if (holders.get(key) == holder) {
          holders.remove(key);
          changed.signalAll();
        }
      } finally {
        guard.unlock();
      }
    }
  }

  private final Map<String, Holder> holders = new HashMap<>();
  private final java.util.concurrent.locks.ReentrantLock guard = new java.util.concurrent.locks.ReentrantLock();
  private final java.util.concurrent.locks.Condition changed = guard.newCondition();
  private final StopSignal stop;
  private final Clock clock;

  public HostedClusterLocks(StopSignal stop, Clock clock) {
    this.stop = Objects.requireNonNull(stop);
    this.clock = Objects.requireNonNull(clock);
  }

  /**
   * Takes the hosted cluster's lock, waiting up to {@code maxWait} for its holder.
   *
   * @param work    who asks, as {@link Holder#work()} names it
   * @param waiting told once, with the holder, when the call has to wait (the caller says so in its record's status);
   *                called without the guard held, so a slow hub write delays no other lock
   * @throws Busy                  the wait ran out
   * @throws StopSignal.Stopped    the agent is stopping (before or while waiting)
   */
  public Lock acquire(NamespacedName hostedCluster, String work, Duration maxWait, Consumer<Holder> waiting)
      throws Busy, StopSignal.Stopped {
    String key = hostedCluster.namespace + "/" + hostedCluster.name;
    long waitUntil = System.nanoTime() + maxWait.toNanos();
    boolean told = false;
    guard.lock();
    try {
      while (true) {
        stop.check("waiting for " + hostedCluster);
        Holder other = holders.get(key);
        if (other == null) {
          Holder mine = new Holder(work, clock.instant());
          holders.put(key, mine);
          return new Lock(key, mine);
        }
        long left = waitUntil - System.nanoTime();
        if (left <= 0) {
          throw new Busy(hostedCluster, other, maxWait);
        }
        if (!told) {
          told = true;
          guard.unlock();
          try {
            waiting.accept(other);
          } catch (RuntimeException e) {
            // the status note is best effort; the wait goes on
          } finally {
            guard.lock();
          }
          continue; // the holder may have gone meanwhile
        }
        try {
          // bounded slices: a stop request is seen within a second even without a signal
          changed.awaitNanos(Math.min(left, 1_000_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StopSignal.Stopped("waiting for " + hostedCluster);
        }
      }
    } finally {
      guard.unlock();
    }
  }

  /** The holder of a hosted cluster's lock, if any. */
  public Optional<Holder> holder(NamespacedName hostedCluster) {
    guard.lock();
    try {
      return Optional.ofNullable(holders.get(hostedCluster.namespace + "/" + hostedCluster.name));
    } finally {
      guard.unlock();
    }
  }

  /** Wakes every waiter, so they see a stop request at once. */
  public void wakeAll() {
    guard.lock();
    try {
      changed.signalAll();
    } finally {
      guard.unlock();
    }
  }
}
