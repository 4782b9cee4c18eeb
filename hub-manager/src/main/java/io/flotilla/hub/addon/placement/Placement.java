package io.flotilla.hub.addon.placement;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.hub.cluster.selection.ClusterSelection;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which clusters a fleet add-on is placed on, and what that means for the ManagedAddOns in the cluster namespaces
 * (docs/ocm-facts.md §1.2: one per cluster and add-on, in the cluster's namespace). No client here.
 */
public final class Placement {
  private Placement() {}

  /** A ManagedAddOn of this add-on that exists in a cluster namespace. */
  public record Existing(String namespace, boolean ownedByFleet, boolean deleting) {}

  /**
   * @param placed clusters the selector selects, by name
   * @param create cluster namespaces that need a ManagedAddOn
   * @param adopt  cluster namespaces whose ManagedAddOn exists without the fleet's label (created by hand): the fleet
   *               takes it over rather than fail on the name clash
   * @param delete cluster namespaces whose fleet-owned ManagedAddOn must go (the cluster left the placement or no
   *               longer exists); the agent uninstalls
   */
  public record Decision(List<String> placed, List<String> create, List<String> adopt, List<String> delete) {}

  /**
   * @param selector the placement's cluster selector; null or empty selects every cluster
   * @param clusters every ManagementCluster: name → labels
   * @param existing the add-on's ManagedAddOns in any namespace
   * @throws IllegalArgumentException if the selector cannot be evaluated (see {@link LabelSelectors#problem})
   */
  public static Decision decide(LabelSelector selector, Map<String, Map<String, String>> clusters,
                                Collection<Existing> existing) {
    return decide(ClusterSelection.byLabels(selector), clusters, existing);
  }

  /** @param selection the clusters the fleet chose, by labels or by an OCM Placement */
  public static Decision decide(ClusterSelection selection, Map<String, Map<String, String>> clusters,
                                Collection<Existing> existing) {
    Set<String> placed = new TreeSet<>();
    new TreeMap<>(clusters).forEach((name, labels) -> {
      if (selection.selects(name, labels)) {
        placed.add(name);
      }
    });
    Map<String, Existing> byNamespace = new TreeMap<>();
    for (Existing e : existing) {
      byNamespace.put(Objects.requireNonNull(e.namespace()), e);
    }
    List<String> create = new ArrayList<>();
    List<String> adopt = new ArrayList<>();
    for (String cluster : placed) {
      Existing e = byNamespace.get(cluster);
      if (e == null) {
        create.add(cluster);
      } else if (!e.ownedByFleet() && !e.deleting()) {
        adopt.add(cluster);
      }
    }
    List<String> delete = new ArrayList<>();
    byNamespace.forEach((ns, e) -> {
      if (e.ownedByFleet() && !e.deleting() && !placed.contains(ns)) {
        delete.add(ns);
      }
    });
    return new Decision(List.copyOf(placed), List.copyOf(create), List.copyOf(adopt), List.copyOf(delete));
  }
}
