package io.flotilla.hub.cluster.ocm;

import io.flotilla.hub.acm.HubBackupLabel;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which ManagementClusters OCM's clusters make on an OCM hub (--cluster-source ocm), and when one goes. No client here.
 *
 * <p>A ManagedCluster qualifies when the hub accepted it, it is not being deleted, and it is a HyperShift hosting
 * cluster ({@link ManagedClusters#hosting}) or the configured Placement (--cluster-placement) chose it. A qualifying
 * ManagedCluster gets a ManagementCluster of its name, labelled {@value #SOURCE_LABEL}={@value #SOURCE_OCM}; only a
 * ManagementCluster so labelled is ever deleted here, so one made by {@code flotilla cluster add} is left as it is, and
 * the cluster namespace (OCM's, docs/ocm-facts.md §I2.2) and the backups in the bucket are never touched. An
 * OCM-sourced ManagementCluster goes when its ManagedCluster goes or stops qualifying, except:
 * <ul>
 *   <li>declared lost (spec.lost): a fail-over from it needs it, and ACM lets an unreachable ManagedCluster be deleted
 *       (docs/ocm-facts.md §I4.3); it goes when an operator deletes it;</li>
 *   <li>tainted unreachable or unavailable while its ManagedCluster still exists: a Placement that does not tolerate
 *       the taint drops it (§I2.1), and an outage must not unregister a cluster.</li>
 * </ul>
 * The link to the ManagedCluster is by name and annotation, not an ownerReference: garbage collection would then delete
 * a lost cluster's ManagementCluster with its ManagedCluster, and an ownerReference names a UID that a hub restored
 * from ACM's backup does not have.
 */
public final class ManagementClusterSourcing {
  public static final String SOURCE_LABEL = "cluster.flotilla.io/source";
  public static final String SOURCE_OCM = "ocm";
  /** The ManagedCluster an OCM-sourced ManagementCluster stands for (the same name). */
  public static final String MANAGED_CLUSTER_ANNOTATION = "cluster.flotilla.io/managed-cluster";
  /** Why it qualifies: "hosting-cluster", "placement <namespace>/<name>", or both. */
  public static final String SELECTED_BY_ANNOTATION = "cluster.flotilla.io/selected-by";
  /** The label keys copied from the ManagedCluster last time, so that one it drops is dropped here too. */
  public static final String MIRRORED_LABELS_ANNOTATION = "cluster.flotilla.io/mirrored-labels";

  public static final String SELECTED_BY_HOSTING = "hosting-cluster";

  private ManagementClusterSourcing() {}

  /**
   * One ManagedCluster as this decision sees it.
   *
   * @param placed  the configured Placement's decisions name it
   * @param tainted OCM tainted it unreachable or unavailable
   */
  public record Managed(boolean accepted, boolean deleting, boolean hosting, boolean placed, boolean tainted) {
    public boolean qualifies() { return accepted && !deleting && (hosting || placed); }
  }

  /** The ManagementCluster of the same name. */
  public record Existing(boolean fromOcm, boolean lost) {}

  public enum Action {
    /** Make the ManagementCluster. */
    CREATE,
    /** Keep it, its labels and annotations following the ManagedCluster. */
    SYNC,
    /** Keep it as it is, although it no longer qualifies. */
    KEEP,
    DELETE,
    /** Not OCM-sourced: never touched here. */
    LEAVE,
    NONE
  }

  public record Decision(Action action, String reason) {}

  /**
   * @param managed  null when there is no ManagedCluster of that name
   * @param existing null when there is no ManagementCluster of that name
   */
  public static Decision decide(Managed managed, Existing existing) {
    boolean qualifies = managed != null && managed.qualifies();
    if (existing != null && !existing.fromOcm()) {
      return new Decision(Action.LEAVE, "made by flotilla cluster add, not from OCM: left as it is");
    }
    if (qualifies) {
      return existing == null ? new Decision(Action.CREATE, why(managed))
          : new Decision(Action.SYNC, why(managed));
    }
    if (existing == null) {
      return new Decision(Action.NONE, managed == null ? "no ManagedCluster" : "not a hosting cluster, nor placed");
    }
    if (existing.lost()) {
      return new Decision(Action.KEEP, "declared lost: a fail-over from it needs it; delete it by hand when done");
    }
    if (managed != null && managed.accepted() && !managed.deleting() && managed.tainted()) {
      return new Decision(Action.KEEP, "unreachable: OCM's taint, not a change of the cluster, took it out of the"
          + " Placement");
    }
    return new Decision(Action.DELETE, managed == null ? "its ManagedCluster is gone"
        : managed.deleting() ? "its ManagedCluster is being deleted"
        : !managed.accepted() ? "the hub no longer accepts its ManagedCluster"
        : "no longer a hosting cluster, nor placed");
  }

  private static String why(Managed m) {
    return m.hosting() && m.placed() ? "a hosting cluster, and placed" : m.hosting() ? "a hosting cluster" : "placed";
  }

  /**
   * The labels an OCM-sourced ManagementCluster should have: the ManagedCluster's (so clusterSelectors select by
   * OCM's labels), the source label, and every label someone else put there (ACM's hub-backup label among them,
   * which is never copied: its value on a ManagementCluster is Flotilla's, io.flotilla.hub.acm.HubBackupLabel). A
   * label copied before that the ManagedCluster no longer has is removed.
   *
   * @param current          the ManagementCluster's labels now (null for a new one)
   * @param managed          the ManagedCluster's labels
   * @param previouslyCopied the keys copied last time ({@link #MIRRORED_LABELS_ANNOTATION})
   */
  public static Map<String, String> labels(Map<String, String> current, Map<String, String> managed,
                                           Set<String> previouslyCopied) {
    Map<String, String> next = new TreeMap<>(current == null ? Map.of() : current);
    previouslyCopied.forEach(next::remove);
    copied(managed).forEach(k -> next.put(k, managed.get(k)));
    next.put(SOURCE_LABEL, SOURCE_OCM);
    return next;
  }

  /** The label keys of {@code managed} that are copied. */
  public static Set<String> copied(Map<String, String> managed) {
    Set<String> keys = new TreeSet<>(managed == null ? Set.of() : managed.keySet());
    keys.remove(HubBackupLabel.LABEL);
    keys.remove(SOURCE_LABEL);
    return keys;
  }

  /** The annotation's value for a set of keys, and back. */
  public static String keys(Set<String> keys) { return String.join(",", new TreeSet<>(keys)); }

  public static Set<String> keys(String annotation) {
    return annotation == null || annotation.isBlank() ? Set.of()
        : Arrays.stream(annotation.split(",")).map(String::trim).filter(k -> !k.isEmpty())
            .collect(Collectors.toCollection(TreeSet::new));
  }

  /** True for a ManagementCluster this hub made from a ManagedCluster. */
  public static boolean fromOcm(Map<String, String> labels) {
    return labels != null && Objects.equals(SOURCE_OCM, labels.get(SOURCE_LABEL));
  }
}
