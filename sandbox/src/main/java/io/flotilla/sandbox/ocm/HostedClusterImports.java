package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the hypershift-addon's agent does with a HostedCluster on its management cluster (docs/ocm-facts.md §I2.6,
 * §I4.3, §I6.3), decided without a client.
 *
 * <p>Import (the auto-import controller): once the control plane is available ({@code Available=True}, reason
 * {@code AsExpected}) a ManagedCluster named after the HostedCluster is created, unless one of that name exists, in
 * which case nothing changes (not even its hosting cluster). Deletion (the agent's main controller): when the
 * HostedCluster is gone or being deleted, the ManagedCluster named by its {@code managedcluster-name} annotation, else
 * after it, is deleted, unless that ManagedCluster was created by Hive or is not a Hosted-mode import.
 */
final class HostedClusterImports {
  /** The lease auto-import gives a hosted cluster's ManagedCluster. */
  static final int IMPORTED_LEASE_DURATION_SECONDS = 60;

  enum Import {
    /** Create {@link #managedCluster}. */
    CREATE,
    /** The control plane is not available yet: look again later (the agent requeues after a minute). */
    WAIT,
    /** Being deleted, or a ManagedCluster of that name exists. */
    NONE
  }

  private HostedClusterImports() {}

  static Import decide(HostedCluster hc, boolean managedClusterExists) {
    if (!controlPlaneAvailable(hc)) {
      return Import.WAIT;
    }
    if (hc.getMetadata().getDeletionTimestamp() != null || managedClusterExists) {
      return Import.NONE;
    }
    return Import.CREATE;
  }

  /** The agent's test: an Available condition that is True with reason AsExpected. */
  static boolean controlPlaneAvailable(HostedCluster hc) {
    if (hc.getStatus() == null || hc.getStatus().conditions == null) {
      return false;
    }
    for (Condition c : hc.getStatus().conditions) {
      if (HostedCluster.AVAILABLE.equals(c.getType()) && Conditions.TRUE.equals(c.getStatus())
          && HostedCluster.REASON_AS_EXPECTED.equals(c.getReason())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ManagedCluster auto-import creates: the HostedCluster's labels first, then {@code name}, {@code vendor} and
   * {@code cloud} ({@code auto-detect}) and the default cluster set where the HostedCluster has no non-empty value;
   * the three annotations likewise.
   */
  static ManagedCluster managedCluster(HostedCluster hc, String hostingCluster) {
    String name = hc.getMetadata().getName();
    Map<String, String> labels = new LinkedHashMap<>();
    if (hc.getMetadata().getLabels() != null) {
      labels.putAll(hc.getMetadata().getLabels());
    }
    putIfEmpty(labels, Ocm.NAME_LABEL, name);
    putIfEmpty(labels, Ocm.VENDOR_LABEL, Ocm.AUTO_DETECT);
    putIfEmpty(labels, Ocm.CLOUD_LABEL, Ocm.AUTO_DETECT);
    putIfEmpty(labels, ManagedCluster.CLUSTER_SET_LABEL, Ocm.DEFAULT_SET);
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, ManagedCluster.DEPLOY_MODE_HOSTED);
    annotations.put(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, hostingCluster);
    annotations.put(ManagedCluster.CREATED_VIA_ANNOTATION, ManagedCluster.CREATED_VIA_HYPERSHIFT);

    ManagedCluster mc = new ManagedCluster();
    ObjectMeta meta = new ObjectMeta();
    meta.setName(name);
    meta.setLabels(labels);
    meta.setAnnotations(annotations);
    mc.setMetadata(meta);
    mc.getSpec().hubAcceptsClient = true;
    mc.getSpec().leaseDurationSeconds = IMPORTED_LEASE_DURATION_SECONDS;
    return mc;
  }

  /**
   * The ManagedCluster the agent deletes for a HostedCluster that is gone or being deleted: the annotation's name if
   * the HostedCluster is still there to carry it, else the HostedCluster's name.
   *
   * @param hc the HostedCluster, or null once it is gone
   */
  static String managedClusterName(HostedCluster hc, String hostedClusterName) {
    String annotated = hc == null || hc.getMetadata().getAnnotations() == null ? null
        : hc.getMetadata().getAnnotations().get(ManagedCluster.MANAGED_CLUSTER_NAME_ANNOTATION);
    return annotated == null || annotated.isEmpty() ? hostedClusterName : annotated;
  }

  /** The agent deletes only Hosted-mode ManagedClusters Hive did not create. */
  static boolean deletes(ManagedCluster mc) {
    Map<String, String> a = mc.getMetadata().getAnnotations() == null ? Map.of() : mc.getMetadata().getAnnotations();
    return !Objects.equals(a.get(ManagedCluster.CREATED_VIA_ANNOTATION), Ocm.CREATED_VIA_HIVE)
        && ManagedCluster.DEPLOY_MODE_HOSTED.equals(a.get(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION));
  }

  private static void putIfEmpty(Map<String, String> labels, String key, String value) {
    String v = labels.get(key);
    if (v == null || v.isEmpty()) {
      labels.put(key, value);
    }
  }
}
