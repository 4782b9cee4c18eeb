package io.flotilla.api.cluster.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;

/**
 * A registered management cluster (a spoke that hosts hosted control planes). Its name is the cluster name,
 * and the hub keeps a namespace of the same name for everything that concerns it (OCM's cluster namespace).
 */
@Group(ManagementCluster.GROUP)
@Version(ManagementCluster.VERSION)
@ShortNames({"mgc"})
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "Hosted", jsonPath = ".status.hostedClusters", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Agent", jsonPath = ".status.agentVersion")
@AdditionalPrinterColumn(name = "Heartbeat", jsonPath = ".status.lastHeartbeatTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Lost", jsonPath = ".spec.lost", type = AdditionalPrinterColumn.Type.BOOLEAN, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ManagementCluster extends CustomResource<ManagementClusterSpec, ManagementClusterStatus> {
  public static final String GROUP = "cluster.flotilla.io";
  public static final String VERSION = "v1alpha1";

  /** Condition types. */
  public static final String JOINED = "Joined";
  public static final String AVAILABLE = "Available";

  @Override
  protected ManagementClusterSpec initSpec() { return new ManagementClusterSpec(); }

  @Override
  protected ManagementClusterStatus initStatus() { return new ManagementClusterStatus(); }
}
