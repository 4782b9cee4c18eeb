package io.flotilla.sandbox.ocm;

import java.time.Duration;
import java.time.Instant;

/**
 * The hub's judgement of a cluster lease (OCM's hub lease controller, docs/ocm-facts.md §2.3, §I6.1): the lease is
 * expired once five lease durations have passed since its renewTime; then Available goes Unknown. The hub looks again
 * exactly when a fresh lease would expire, or one grace period later when it already has.
 *
 * @param expired   the grace period has passed without a renewal
 * @param recheckAt when the hub looks at this lease again
 */
record LeaseExpiry(boolean expired, Instant recheckAt) {

  /** Five times {@code leaseDurationSeconds}; unset or 0 counts as 60, as OCM's hub and klusterlet do. */
  static Duration gracePeriod(Integer leaseDurationSeconds) {
    return leaseDuration(leaseDurationSeconds).multipliedBy(Ocm.LEASE_GRACE_DURATIONS);
  }

  /** How often the klusterlet renews: {@code leaseDurationSeconds}, or 60 when unset or 0. */
  static Duration leaseDuration(Integer leaseDurationSeconds) {
    int seconds = leaseDurationSeconds == null || leaseDurationSeconds <= 0
        ? Ocm.DEFAULT_LEASE_DURATION_SECONDS : leaseDurationSeconds;
    return Duration.ofSeconds(seconds);
  }

  static LeaseExpiry of(Instant renewTime, Integer leaseDurationSeconds, Instant now) {
    Duration grace = gracePeriod(leaseDurationSeconds);
    Instant expiry = renewTime.plus(grace);
    // OCM: leaseExpired := !now.Before(renewTime + grace), so the expiry instant itself is expired.
    boolean expired = !now.isBefore(expiry);
    return new LeaseExpiry(expired, expired ? now.plus(grace) : expiry);
  }
}
