package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** Restore of a backup onto the management cluster whose namespace this object is in. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcr"})
@AdditionalPrinterColumn(name = "Backup", jsonPath = ".spec.backup.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Matches", jsonPath = ".status.verification.matchesBackup", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Started", jsonPath = ".status.startedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Completed", jsonPath = ".status.completedAt", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterRestore extends CustomResource<HostedClusterRestoreSpec, HostedClusterRestoreStatus>
    implements Namespaced {
  public static final String CONDITION_COMPLETED = "Completed";
  /** On a HostedCluster a restore created: the restore record, namespace/name on the hub. */
  public static final String RESTORED_BY_ANNOTATION = "dr.flotilla.io/restored-by";
  /**
   * On a Paused restore (spec.resume: false): the request to start its hosted cluster, set once the source is fenced
   * (docs/runbooks/failover.md). The value is free text for the audit trail (who, when).
   */
  public static final String RESUME_ANNOTATION = "dr.flotilla.io/resume-requested";
  /** Whether the restore carries a request to resume ({@link #RESUME_ANNOTATION}); meaningful when Paused. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isResumeRequested() {
    java.util.Map<String, String> a = getMetadata().getAnnotations();
    String request = a == null ? null : a.get(RESUME_ANNOTATION);
    return request != null && !request.isBlank();
  }

  @Override
  protected HostedClusterRestoreSpec initSpec() { return new HostedClusterRestoreSpec(); }

  @Override
  protected HostedClusterRestoreStatus initStatus() { return new HostedClusterRestoreStatus(); }
}
