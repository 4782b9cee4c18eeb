package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.Lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The kube-apiserver's lease manager for objects stored with a TTL, events (docs/hypershift-facts.md §8.3): the last
 * lease is reused while it expires no earlier than the TTL asks and no later than the reuse window after that, for at
 * most 1000 objects; otherwise a lease of TTL plus the window is granted. Not thread-safe: one caller.
 */
final class EventLeases {
  static final long REUSE_SECONDS = 60;
  static final double REUSE_FRACTION = 0.05;
  static final long MAX_OBJECTS = 1000;

  private final Lease leases;
  private final Clock clock;
  private final Duration timeout;
  private long leaseId;
  private Instant expires = Instant.MIN;
  private long attached;

  EventLeases(Lease leases, Clock clock, Duration timeout) {
    this.leases = leases;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** The lease to attach the next object with this TTL to. */
  long leaseFor(long ttlSeconds) throws ExecutionException, InterruptedException, TimeoutException {
    Instant now = clock.instant();
    long window = Math.min((long) (REUSE_FRACTION * ttlSeconds), REUSE_SECONDS);
    boolean valid = now.plusSeconds(ttlSeconds).isBefore(expires);
    boolean sufficient = now.plusSeconds(ttlSeconds + window).isAfter(expires);
    attached++;
    if (valid && sufficient && attached <= MAX_OBJECTS) {
      return leaseId;
    }
    long granted = ttlSeconds + window;
    leaseId = leases.grant(granted).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getID();
    expires = now.plusSeconds(granted);
    attached = 1;
    return leaseId;
  }
}
