package io.flotilla.hub;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Gives up the leader Lease on a clean stop, so the standby leads at its next retry instead of waiting out the lease
 * duration. JOSDK 5.2.3 does not do it: its LeaderElectionManager builds fabric8's LeaderElector with
 * releaseOnCancel=false and keeps that elector to itself, and Operator.stop() only cancels it.
 *
 * <p>The released record is the one fabric8's LeaderElector.release writes: no holder, a one-second lease, acquire and
 * renew time now, the transition count kept. It is written with a PUT carrying the resourceVersion that was read, so
 * a replica that took the Lease in the meantime is never overwritten.
 */
final class LeaderLease {
  private LeaderLease() {}

  enum Release { RELEASED, NOT_HELD, CHANGED_MEANWHILE }

  /** Reads the Lease and releases it if {@code identity} holds it. */
  static Release release(KubernetesClient hub, String namespace, String name, String identity) {
    return release(hub, hub.leases().inNamespace(namespace).withName(name).get(), identity);
  }

  /** Releases {@code observed} if {@code identity} holds it, unless the Lease changed since it was read. */
  static Release release(KubernetesClient hub, Lease observed, String identity) {
    if (observed == null || observed.getSpec() == null || !identity.equals(observed.getSpec().getHolderIdentity())) {
      return Release.NOT_HELD;
    }
    Lease released = hub.getKubernetesSerialization().clone(observed);
    LeaseSpec spec = released.getSpec();
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    spec.setHolderIdentity(null);
    spec.setLeaseDurationSeconds(1);
    spec.setAcquireTime(now);
    spec.setRenewTime(now);
    try {
      hub.resource(released).update();
      return Release.RELEASED;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return Release.CHANGED_MEANWHILE;
      }
      throw e;
    }
  }
}
