package io.flotilla.sandbox.hypershift;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a simulated kube-apiserver, and the clients writing through it, change its etcd: the upstream defaults of
 * docs/hypershift-facts.md §8, or shorter ones so a test need not wait minutes for a compaction.
 *
 * @param identityLeaseRenewal the kube-apiserver's identity Leases (§8.2: 10 s)
 * @param nodeLeaseRenewal     each node's Lease, by its kubelet (§8.2: 10 s)
 * @param leaderElectionRetry  the kube-controller-manager and kube-scheduler Leases, by their leaders (§8.2: 2 s)
 * @param events               one event (no upstream rate, §8.3; the sandbox writes one every 5 s)
 * @param compaction           {@code --etcd-compaction-interval} (§8.1: 5 min)
 */
public record KubeApiServerCadence(Duration identityLeaseRenewal, Duration nodeLeaseRenewal,
                                   Duration leaderElectionRetry, Duration events, Duration compaction) {
  public static final KubeApiServerCadence DEFAULTS = new KubeApiServerCadence(Duration.ofSeconds(10),
      Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMinutes(5));

  public KubeApiServerCadence {
    for (Duration d : new Duration[] {identityLeaseRenewal, nodeLeaseRenewal, leaderElectionRetry, events, compaction}) {
      if (Objects.requireNonNull(d, "every interval is required").isNegative() || d.isZero()) {
        throw new IllegalArgumentException("intervals must be positive: " + d);
      }
    }
  }

  /** Every write every {@code writes}, a compaction every {@code compaction}: for tests. */
  public static KubeApiServerCadence every(Duration writes, Duration compaction) {
    return new KubeApiServerCadence(writes, writes, writes, writes, compaction);
  }

  public KubeApiServerCadence withCompaction(Duration interval) {
    return new KubeApiServerCadence(identityLeaseRenewal, nodeLeaseRenewal, leaderElectionRetry, events, interval);
  }
}
