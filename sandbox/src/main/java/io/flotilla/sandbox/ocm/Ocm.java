package io.flotilla.sandbox.ocm;

/**
 * Names OCM's registration, placement and the hypershift-addon use that Flotilla's classes of OCM's kinds
 * ({@code io.flotilla.api.foreign.ocm}) do not carry, each from docs/ocm-facts.md where it is recorded.
 */
final class Ocm {
  private Ocm() {}

  /** The cluster's heartbeat lease in its cluster namespace on the hub (docs/ocm-facts.md §2.3). */
  static final String LEASE_NAME = "managed-cluster-lease";
  /** ManagedCluster.spec.leaseDurationSeconds when unset or 0 (docs/ocm-facts.md §2.3). */
  static final int DEFAULT_LEASE_DURATION_SECONDS = 60;
  /** The hub's grace period is this many lease durations (docs/ocm-facts.md §2.3). */
  static final int LEASE_GRACE_DURATIONS = 5;

  /** On the cluster namespace and the lease (docs/ocm-facts.md §I2.2). */
  static final String CLUSTER_NAME_LABEL = "open-cluster-management.io/cluster-name";
  /** The hub's finalizer on an accepted ManagedCluster (docs/ocm-facts.md §I2.1). */
  static final String CLEANUP_FINALIZER = "cluster.open-cluster-management.io/api-resource-cleanup";
  /** A system label: the cluster's own name (docs/ocm-facts.md §I2.3). */
  static final String NAME_LABEL = "name";

  /** The sets the hub keeps (docs/ocm-facts.md §I2.4). */
  static final String DEFAULT_SET = "default";
  static final String GLOBAL_SET = "global";

  // Condition reasons and messages, as OCM's controllers write them (docs/ocm-facts.md §I2.1, §I6.1).
  static final String REASON_ACCEPTED = "HubClusterAdminAccepted";
  static final String REASON_DENIED = "HubClusterAdminDenied";
  static final String REASON_JOINED = "ManagedClusterJoined";
  static final String REASON_AVAILABLE = "ManagedClusterAvailable";
  static final String REASON_KUBE_API_SERVER_UNAVAILABLE = "ManagedClusterKubeAPIServerUnavailable";
  static final String MESSAGE_LEASE_UPDATE_STOPPED = "Registration agent stopped updating its lease.";

  /** The hypershift-addon labels its ClusterClaims so Velero leaves them out (docs/ocm-facts.md §I2.6). */
  static final String EXCLUDE_FROM_BACKUP_LABEL = "velero.io/exclude-from-backup";
  /** Of the hypershift-addon (docs/ocm-facts.md §I2.6). */
  static final String ABOVE_THRESHOLD_HOSTED_CLUSTER_COUNT = "above.threshold.hostedclustercount.hypershift.openshift.io";
  /** Auto-import's value for vendor and cloud until ACM detects them (docs/ocm-facts.md §I2.6). */
  static final String AUTO_DETECT = "auto-detect";
  static final String VENDOR_LABEL = "vendor";
  static final String CLOUD_LABEL = "cloud";
  /** A ManagedCluster Hive created: the hypershift-addon never deletes it (docs/ocm-facts.md §I2.6). */
  static final String CREATED_VIA_HIVE = "hive";
}
