package io.flotilla.hub.acm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;

import java.util.Map;
import java.util.Optional;

/**
 * ACM's hub backup (cluster-backup-operator) takes objects outside OCM's own groups only when they carry
 * {@value #LABEL}; the value {@value #ACTIVATION} restores them only when the managed clusters are activated on the new
 * hub (docs/ocm-facts.md §I4.1). A restored hub needs Flotilla's configuration: stores, policies, add-ons, releases,
 * and the ManagementClusters' specs. It does not need the records (backups are rebuilt from the bucket, the source of
 * truth; a migration in flight must not be driven again by a second hub).
 */
public final class HubBackupLabel {
  public static final String LABEL = "cluster.open-cluster-management.io/backup";
  public static final String ACTIVATION = "cluster-activation";
  /** Generic hub data: any value other than {@value #ACTIVATION}; this one names who set it. */
  public static final String GENERIC = "flotilla";

  private HubBackupLabel() {}

  /**
   * A ManagementCluster is restored with its ManagedCluster, on activation: restored on a passive hub it would be an
   * Unknown cluster whose agent talks to another hub. Everything else is passive data.
   */
  public static String valueFor(HasMetadata o) {
    return o instanceof ManagementCluster ? ACTIVATION : GENERIC;
  }

  /** The merge patch that adds the label, or empty when it is there already (with any value: an admin's choice stands). */
  public static Optional<String> patchFor(HasMetadata o) {
    Map<String, String> labels = o.getMetadata().getLabels();
    if (labels != null && labels.containsKey(LABEL)) {
      return Optional.empty();
    }
    return Optional.of("{\"metadata\":{\"labels\":{\"" + LABEL + "\":\"" + valueFor(o) + "\"}}}");
  }
}
