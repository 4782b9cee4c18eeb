package io.flotilla.hub.acm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;

import java.util.Map;

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

  /**
   * Puts the label on an object about to be created, unless it has one (an admin's value stands). Flotilla labels what
   * it creates; objects applied by kubectl or GitOps carry it in their manifests. Not a controller that patches
   * existing objects: fabric8's CRUD mock, which the tests run on, fails every later patch of an object once a label
   * key holding "/" was added to it by a patch (zjsonpatch: "Cannot reference past scalar value"), so such a
   * controller could not be tested honestly here.
   */
  public static <T extends HasMetadata> T stamp(T o) {
    Map<String, String> labels = o.getMetadata().getLabels() == null ? new java.util.LinkedHashMap<>()
        : new java.util.LinkedHashMap<>(o.getMetadata().getLabels());
    labels.putIfAbsent(LABEL, valueFor(o));
    o.getMetadata().setLabels(labels);
    return o;
  }
}
