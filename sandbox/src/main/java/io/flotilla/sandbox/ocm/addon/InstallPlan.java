package io.flotilla.sandbox.ocm.addon;

import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which ManagedClusterAddOns the install strategy wants created and deleted (the addon-manager's install reconciler,
 * docs/ocm-facts.md §1.7 item 1, §I3.4 item 1, §I7.6). Manual: none either way. Placements: one in every cluster some
 * placement's decisions select, and every other one of the add-on deleted, whoever made it. Values in, values out.
 *
 * @param create the cluster namespaces to create the add-on's MCA in
 * @param delete the cluster namespaces whose MCA of the add-on goes
 */
public record InstallPlan(Set<String> create, Set<String> delete) {

  /**
   * @param existing  the namespaces that hold an MCA of the add-on now
   * @param decisions per placement strategy of the CMA, in order ("namespace/name"), the clusters every page of its
   *                  PlacementDecisions names; a Placement that does not exist is absent (it selects nothing)
   */
  public static InstallPlan of(ClusterManagementAddOn cma, Set<String> existing, Map<String, Set<String>> decisions) {
    if (!isPlacements(cma)) {
      return new InstallPlan(Set.of(), Set.of());
    }
    Set<String> selected = new TreeSet<>();
    decisions.values().forEach(selected::addAll);
    Set<String> create = new TreeSet<>(selected);
    create.removeAll(existing);
    Set<String> delete = new TreeSet<>(existing);
    delete.removeAll(selected);
    return new InstallPlan(create, delete);
  }

  public static boolean isPlacements(ClusterManagementAddOn cma) {
    return cma.getSpec() != null && cma.getSpec().installStrategy != null
        && ClusterManagementAddOn.INSTALL_PLACEMENTS.equals(cma.getSpec().installStrategy.type);
  }

  public static List<ClusterManagementAddOn.PlacementStrategy> placements(ClusterManagementAddOn cma) {
    return isPlacements(cma) && cma.getSpec().installStrategy.placements != null
        ? cma.getSpec().installStrategy.placements : List.of();
  }

  public static String key(ClusterManagementAddOn.PlacementStrategy p) { return p.namespace + "/" + p.name; }

  /**
   * The placement strategy a cluster's add-on hangs under: the last of the CMA's placements that selects it (§1.1,
   * §1.7 item 3); none under Manual, whatever placements the CMA lists (§I3.2).
   */
  public static Optional<ClusterManagementAddOn.PlacementStrategy> placementOf(ClusterManagementAddOn cma, String cluster,
                                                                               Map<String, Set<String>> decisions) {
    ClusterManagementAddOn.PlacementStrategy found = null;
    for (ClusterManagementAddOn.PlacementStrategy p : placements(cma)) {
      if (decisions.getOrDefault(key(p), Set.of()).contains(cluster)) {
        found = p;
      }
    }
    return Optional.ofNullable(found);
  }
}
