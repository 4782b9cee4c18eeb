package io.flotilla.sandbox.hypershift;

import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.hypershift.HostedCluster;

/**
 * How etcd-init ended, as the {@code EtcdSnapshotRestored} condition reports it (docs/hypershift-facts.md §1.4): True/AsExpected
 * once etcd-init exited 0 (including when it skipped the restore because the data directory was not empty, exactly
 * as HyperShift reports it), False with a reason when it failed.
 *
 * @param restored whether a snapshot was actually written into the data directory (false for a skip or a failure)
 */
record RestoreOutcome(String status, String reason, String message, boolean restored) {
  static RestoreOutcome restored(String message) {
    return new RestoreOutcome(Conditions.TRUE, HostedCluster.REASON_AS_EXPECTED, message, true);
  }

  /** etcd-init's early exit: "/var/lib/data not empty, not restoring snapshot". The condition still says True. */
  static RestoreOutcome skippedDataDirectoryNotEmpty() {
    return new RestoreOutcome(Conditions.TRUE, HostedCluster.REASON_AS_EXPECTED,
        "etcd-init: data directory not empty, not restoring snapshot", false);
  }

  static RestoreOutcome failed(String reason, String message) {
    return new RestoreOutcome(Conditions.FALSE, reason, message, false);
  }

  boolean failed() { return Conditions.FALSE.equals(status); }
}
