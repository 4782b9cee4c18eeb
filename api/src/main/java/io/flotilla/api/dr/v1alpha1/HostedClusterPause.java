package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Holds one hosted cluster on the management cluster whose namespace this object is in paused (and, by choice, its API
 * servers quiesced and its workers' Cluster API objects paused) until released. A migration holds its source this way
 * from before its last backup until the source is torn down or the migration rolls back. The agent records in status
 * every value it changed, so a release puts back exactly what was there, whoever performs it (agent or runbook).
 */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcpause"})
@AdditionalPrinterColumn(name = "HostedCluster", jsonPath = ".spec.hostedCluster.name")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Release", jsonPath = ".spec.release", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".status.pausedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Released", jsonPath = ".status.releasedAt", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterPause extends CustomResource<HostedClusterPauseSpec, HostedClusterPauseStatus>
    implements Namespaced {
  /** The agent's: a deleted hold is released first (nothing stays paused), unless its hosted cluster is gone. */
  public static final String RELEASE_FINALIZER = "dr.flotilla.io/release-pause";
  /** True once the hosted cluster is held as the spec asks. */
  public static final String CONDITION_PAUSED = "Paused";
  /** True once every recorded value is back. */
  public static final String CONDITION_RELEASED = "Released";
  /** Released False with this reason: a value could not be put back; the agent retries when the record changes. */
  public static final String REASON_RELEASE_FAILED = "ReleaseFailed";

  @Override
  protected HostedClusterPauseSpec initSpec() { return new HostedClusterPauseSpec(); }

  @Override
  protected HostedClusterPauseStatus initStatus() { return new HostedClusterPauseStatus(); }
}
