package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Removes one hosted cluster's control plane from the management cluster whose namespace this object is in, without
 * touching its workers: a migration's source after the point of no return, or its destination copy on rollback. The
 * agent applies the worker preservation of docs/hypershift-facts.md §3 and reads it back before it deletes anything; if it cannot,
 * the teardown halts with nothing deleted. Then it stops Cluster API and deletes in the order of §1.5.
 */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hctd"})
@AdditionalPrinterColumn(name = "HostedCluster", jsonPath = ".spec.hostedCluster.name")
@AdditionalPrinterColumn(name = "Purpose", jsonPath = ".spec.purpose")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Step", jsonPath = ".status.step")
@AdditionalPrinterColumn(name = "Completed", jsonPath = ".status.completedAt", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterTeardown extends CustomResource<HostedClusterTeardownSpec, HostedClusterTeardownStatus>
    implements Namespaced {
  public static final String CONDITION_COMPLETED = "Completed";
  /** False with reason {@link #REASON_PRESERVATION_NOT_VERIFIED} halts the teardown before anything is deleted. */
  public static final String CONDITION_PRESERVATION_VERIFIED = "WorkerPreservationVerified";
  public static final String REASON_PRESERVATION_NOT_VERIFIED = "PreservationNotVerified";

  @Override
  protected HostedClusterTeardownSpec initSpec() { return new HostedClusterTeardownSpec(); }

  @Override
  protected HostedClusterTeardownStatus initStatus() { return new HostedClusterTeardownStatus(); }
}
