package io.flotilla.agent.teardown;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The order a teardown deletes a hosted cluster's objects in (docs/hypershift-facts.md §1.5 steps 3-8, §3.2), once its workers'
 * preservation is verified and Cluster API is stopped. A plain decision, no client.
 *
 * <ol>
 *   <li>NodePools, Machines, the CAPI Cluster, AgentMachines, the HostedControlPlane, the HostedCluster: finalizers
 *       removed first, then deleted. Their controllers are stopped (CAPI, the Agent provider) or must not run
 *       (HyperShift's delete would un-pause the CAPI Cluster and clean up cloud resources, §1.3).</li>
 *   <li>The AgentCluster: paused, so its controller would only orphan the ClusterDeployment; that controller is
 *       stopped, so its finalizer is removed too.</li>
 *   <li>The ClusterDeployment last, with its finalizer kept: assisted-service (central, still running) processes it and,
 *       seeing {@code preserveOnDelete}, leaves the hosts bound (§3.3).</li>
 * </ol>
 * The control-plane namespace is kept (§3.2): the Agent CRs' history lives there, and deleting it would have the
 * namespace controller delete whatever is left with its finalizers.
 */
public final class TeardownOrder {
  private TeardownOrder() {}

  /** The Cluster API manager and the Agent CAPI provider in the control-plane namespace (§1.5 step 2, §3.4 step 3). */
  public static final List<String> CLUSTER_API_DEPLOYMENTS = List.of("cluster-api", "capi-provider");

  /** Kinds in deletion order. */
  public static final List<String> KINDS = List.of("NodePool", "Machine", "Cluster", "AgentMachine",
      "HostedControlPlane", "HostedCluster", "AgentCluster", "ClusterDeployment");

  /** The steps a teardown goes through, as {@code status.step} shows them. */
  public enum Step { Preserving, Verifying, StoppingClusterAPI, Deleting, Done }

  /** An object the teardown found. */
  public record Found(String kind, String namespace, String name) {
    public Found {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }
  }

  /** One deletion: remove the finalizers first when {@code stripFinalizers}. */
  public record Deletion(String kind, String namespace, String name, boolean stripFinalizers) {}

  /**
   * @param found the hosted cluster's objects of the {@link #KINDS}, in any order
   * @throws IllegalArgumentException for any other kind (a Namespace, above all: it is kept)
   */
  public static List<Deletion> plan(List<Found> found) {
    for (Found f : found) {
      if (!KINDS.contains(f.kind())) {
        throw new IllegalArgumentException("a teardown does not delete " + f.kind() + " " + f.name()
            + ("Namespace".equals(f.kind()) ? ": the control-plane namespace is kept (docs/hypershift-facts.md §3.2)" : ""));
      }
    }
    return found.stream()
        .sorted(Comparator.comparingInt((Found f) -> KINDS.indexOf(f.kind()))
            .thenComparing(f -> Objects.toString(f.namespace(), ""))
            .thenComparing(Found::name))
        .map(f -> new Deletion(f.kind(), f.namespace(), f.name(), !"ClusterDeployment".equals(f.kind())))
        .toList();
  }
}
