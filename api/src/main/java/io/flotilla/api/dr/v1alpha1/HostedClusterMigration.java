package io.flotilla.api.dr.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/** Moves (or fails over) a hosted cluster from a source to a destination management cluster. */
@Group(BackupStore.GROUP)
@Version(BackupStore.VERSION)
@ShortNames({"hcm"})
@AdditionalPrinterColumn(name = "HostedCluster", jsonPath = ".spec.hostedCluster.name")
@AdditionalPrinterColumn(name = "Source", jsonPath = ".spec.source.cluster")
@AdditionalPrinterColumn(name = "Destination", jsonPath = ".spec.destination.cluster")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "PointOfNoReturn", jsonPath = ".status.pointOfNoReturnTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HostedClusterMigration extends CustomResource<HostedClusterMigrationSpec, HostedClusterMigrationStatus> {
  /** On every record a migration creates in a cluster namespace (pause, backup, restore, teardown): the migration's name. */
  public static final String MIGRATION_LABEL = "dr.flotilla.io/migration";
  /** With {@link #MIGRATION_LABEL}: the migration's uid, so a record left by an earlier migration of the same name is never adopted. */
  public static final String MIGRATION_UID_LABEL = "dr.flotilla.io/migration-uid";
  /** On the migrations of one fail-over: the lost cluster's name. */
  public static final String FAILOVER_LABEL = "dr.flotilla.io/failover-from";
  /** True once the migration finished: Succeeded, or RolledBack. */
  public static final String CONDITION_SUCCEEDED = "Succeeded";
  /** True while a failed step waits for an operator (failurePolicy Manual) to roll back. */
  public static final String CONDITION_WAITING_FOR_OPERATOR = "WaitingForOperator";
  /** True once the point of no return is passed (the destination is verified; the source is torn down next). */
  public static final String CONDITION_POINT_OF_NO_RETURN = "PointOfNoReturnPassed";
  /** True when spec.rollback was set after the point of no return. */
  public static final String CONDITION_ROLLBACK_REFUSED = "RollbackRefused";
  /** The alert: the source teardown halted because its workers' preservation could not be applied or verified. */
  public static final String CONDITION_TEARDOWN_HALTED = "TeardownHalted";
  /** True while the migration waits for a free restore slot on its destination (bounded concurrency). */
  public static final String CONDITION_QUEUED = "Queued";
  /**
   * On an OCM hub, when the hosted cluster had a ManagedCluster that the hypershift-addon deletes with the source: True
   * once it is imported again from the destination and Available, False while that is awaited or after it timed out.
   */
  public static final String CONDITION_MANAGED_CLUSTER_REIMPORTED = "ManagedClusterReimported";

  @Override
  protected HostedClusterMigrationSpec initSpec() { return new HostedClusterMigrationSpec(); }

  @Override
  protected HostedClusterMigrationStatus initStatus() { return new HostedClusterMigrationStatus(); }
}
