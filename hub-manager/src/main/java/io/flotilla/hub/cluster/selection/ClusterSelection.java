package io.flotilla.hub.cluster.selection;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.common.Validation;
import io.flotilla.hub.addon.placement.LabelSelectors;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which ManagementClusters a FleetAddOn or a BackupPolicy selects, one way or the other and never both: by their
 * labels (spec clusterSelector), or by the names an OCM Placement's decisions list (spec placementRef,
 * docs/ocm-facts.md §I2.5). No client here: {@link ClusterSelections} reads the decisions.
 *
 * <p>A selection may also keep clusters the decisions no longer name ({@link #keeping}): a DR policy keeps a cluster it
 * placed backups on while the cluster is unreachable ({@link #keptWhileUnreachable}).
 */
public final class ClusterSelection {
  private final LabelSelector selector;
  /** The Placement's decisions; null for a selection by labels. */
  private final Set<String> decided;
  private final Set<String> kept;
  private final String unusable;

  private ClusterSelection(LabelSelector selector, Set<String> decided, Set<String> kept, String unusable) {
    this.selector = selector;
    this.decided = decided == null ? null : Set.copyOf(decided);
    this.kept = Set.copyOf(kept);
    this.unusable = unusable;
  }

  /**
   * By labels; null or empty selects every cluster.
   *
   * @throws IllegalArgumentException if the selector cannot be evaluated ({@link LabelSelectors#problem})
   */
  public static ClusterSelection byLabels(LabelSelector selector) {
    LabelSelectors.problem(selector).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
    return new ClusterSelection(selector, null, Set.of(), null);
  }

  /** The clusters a Placement's decisions name, over all its pages. */
  public static ClusterSelection byPlacement(Set<String> decided) {
    return new ClusterSelection(null, Objects.requireNonNull(decided, "decided"), Set.of(), null);
  }

  /** Selects no cluster, because {@code why} (e.g. a placementRef on a hub Flotilla does not read OCM on). */
  public static ClusterSelection unusable(String why) {
    return new ClusterSelection(null, Set.of(), Set.of(), Objects.requireNonNull(why, "why"));
  }

  /** This selection, also selecting {@code clusters}. */
  public ClusterSelection keeping(Set<String> clusters) {
    Set<String> all = new TreeSet<>(kept);
    all.addAll(clusters);
    return new ClusterSelection(selector, decided, all, unusable);
  }

  public boolean selects(String cluster, Map<String, String> labels) {
    if (kept.contains(cluster)) {
      return true;
    }
    return decided != null ? decided.contains(cluster) : LabelSelectors.matches(selector, labels);
  }

  /** True when a Placement chooses (spec placementRef). */
  public boolean byPlacement() { return decided != null; }

  /** The clusters the Placement's decisions name; empty for a selection by labels. */
  public Set<String> decided() { return decided == null ? Set.of() : decided; }

  /** The clusters kept although the decisions no longer name them. */
  public Set<String> kept() { return kept; }

  /** Why this selection selects nothing, when it cannot be evaluated on this hub. */
  public Optional<String> unusable() { return Optional.ofNullable(unusable); }

  /**
   * What is wrong with a spec's choice of clusters, as a message naming the field under {@code field} ("spec",
   * "placement"), or empty.
   */
  public static Optional<String> specProblem(String field, LabelSelector selector, PlacementRef ref) {
    if (selector != null && ref != null) {
      return Optional.of(field + ".clusterSelector and " + field + ".placementRef are both set: choose the clusters"
          + " by labels or by an OCM Placement, not both");
    }
    if (ref != null) {
      if (ref.name == null || !ref.name.matches(Validation.DNS1123_SUBDOMAIN)) {
        return Optional.of(field + ".placementRef.name \"" + ref.name + "\" is not a Placement name");
      }
      if (ref.namespace != null && !ref.namespace.matches(Validation.DNS1123_LABEL)) {
        return Optional.of(field + ".placementRef.namespace \"" + ref.namespace + "\" is not a namespace name");
      }
      return Optional.empty();
    }
    return LabelSelectors.problem(selector).map(p -> field + ".clusterSelector: " + p);
  }

  /**
   * The DR rule: a cluster a policy placed backups on ({@code placedBefore}) that its Placement's decisions no longer
   * name stays selected while its ManagedCluster carries the unreachable or unavailable taint ({@code tainted}). OCM
   * taints a cluster whose lease stopped and a placement that does not tolerate the taint drops it
   * (docs/ocm-facts.md §I2.1, §I4.3); a lost cluster must not drop out of its backups' policy, whose RPO would then
   * stop counting it. Once the taint is gone, the decisions alone decide again.
   */
  public static Set<String> keptWhileUnreachable(Set<String> placedBefore, Set<String> decided, Set<String> tainted) {
    Set<String> kept = new TreeSet<>();
    for (String cluster : placedBefore) {
      if (!decided.contains(cluster) && tainted.contains(cluster)) {
        kept.add(cluster);
      }
    }
    return kept;
  }
}
