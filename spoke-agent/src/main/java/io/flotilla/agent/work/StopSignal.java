package io.flotilla.agent.work;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The agent's cooperative stop (SIGTERM, or a test closing the agent): a flag that long-running work checks at the
 * points where it can still finish or undo what it started, and the deadline of the grace budget it has for that.
 *
 * <p>Why not thread interrupts: the clean-up of a cancelled backup (resume the hosted cluster, abort the multipart
 * upload, write the record) then runs on an interrupted thread, and the Kubernetes client and the AWS SDK fail such
 * calls at once, so the clean-up itself fails and the hosted cluster stays paused until its deadline.
 */
public final class StopSignal {
  private final Clock clock;
  private volatile Instant deadline;

  public StopSignal(Clock clock) {
    this.clock = clock;
  }

  public StopSignal() {
    this(Clock.systemUTC());
  }

  /** Asks running work to stop; they have {@code grace} from now to finish or undo. Only the first call counts. */
  public synchronized void request(Duration grace) {
    if (deadline == null) {
      deadline = clock.instant().plus(grace);
    }
  }

  public boolean requested() {
    return deadline != null;
  }

  /** What is left of the grace budget; zero when it is spent, the whole of {@code grace} before any request. */
  public Duration remaining(Duration grace) {
    Instant d = deadline;
    if (d == null) {
      return grace;
    }
    Duration left = Duration.between(clock.instant(), d);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** Thrown by work that noticed the stop at a point where it stops (after undoing what it started). */
  public static final class Stopped extends java.io.InterruptedIOException {
    public Stopped(String what) {
      super(what + ": the agent is stopping");
    }
  }

  /** @throws Stopped when a stop was requested */
  public void check(String what) throws Stopped {
    if (requested()) {
      throw new Stopped(what);
    }
  }
}
