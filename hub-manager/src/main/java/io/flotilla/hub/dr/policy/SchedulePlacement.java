package io.flotilla.hub.dr.policy;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.hub.addon.placement.LabelSelectors;
import io.flotilla.hub.cluster.selection.ClusterSelection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which policy backs up which hosted cluster, and each management cluster's {@link EffectiveBackupSchedule} (the
 * payload the hub writes to the cluster's namespace and the agent runs). No client here.
 *
 * <p><b>Overlap rule.</b> A hosted cluster selected by several active policies is backed up by exactly one of them:
 * the one whose name sorts first (Java {@link String#compareTo}, i.e. by Unicode code point: {@code "a-daily"} before
 * {@code "b-hourly"}, {@code "Z"} before {@code "a"}). The rule depends on nothing but names, so every hub replica and
 * every reconcile settles an overlap the same way, and an operator can make a policy win by its name. Each policy
 * that yields a hosted cluster reports {@code Overlapping=True} naming what it yields and to which policy; the policy
 * that wins reports which of its hosted clusters others also select.
 *
 * <p>Only <em>active</em> policies take part: a suspended policy, an invalid one, or one its store refuses (see
 * {@link PolicyValidation}) schedules nothing and takes nothing from another policy, so suspending the winner hands its
 * hosted clusters to the next policy in name order rather than leaving them without backups.
 */
public final class SchedulePlacement {
  private SchedulePlacement() {}

  /**
   * @param active   false when the policy is suspended, invalid or refused by its store: it places nothing
   * @param clusters the management clusters it selects (its clusterSelector, or its OCM Placement's decisions,
   *                 {@link PolicySelection}); null for an inactive policy
   */
  public record Policy(String name, BackupPolicySpec spec, boolean active, ClusterSelection clusters) {
    public Policy {
      Objects.requireNonNull(name, "name");
      if (active) {
        Objects.requireNonNull(clusters, "clusters");
      }
    }

    /** A policy that selects its clusters by its clusterSelector. */
    public Policy(String name, BackupPolicySpec spec, boolean active) {
      this(name, spec, active, active ? ClusterSelection.byLabels(spec.clusterSelector) : null);
    }
  }

  /** A hosted cluster as its agent reports it (ManagementCluster status). */
  public record HostedCluster(NamespacedName id, Map<String, String> labels) {
    public HostedCluster {
      Objects.requireNonNull(id, "id");
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** A management cluster that can run backups (the caller leaves out lost ones). */
  public record Cluster(String name, Map<String, String> labels, List<HostedCluster> hostedClusters) {
    public Cluster {
      Objects.requireNonNull(name, "name");
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      hostedClusters = hostedClusters == null ? List.of() : List.copyOf(hostedClusters);
    }
  }

  /** One hosted cluster on one management cluster; ordered by cluster, then namespace, then name. */
  public record Target(String cluster, NamespacedName hostedCluster) implements Comparable<Target> {
    @Override
    public int compareTo(Target o) {
      int c = cluster.compareTo(o.cluster);
      return c != 0 ? c : compare(hostedCluster, o.hostedCluster);
    }

    @Override
    public String toString() { return hostedCluster + " on " + cluster; }
  }

  static int compare(NamespacedName a, NamespacedName b) {
    int c = a.namespace.compareTo(b.namespace);
    return c != 0 ? c : a.name.compareTo(b.name);
  }

  /** A hosted cluster two active policies select; {@code policy} is the other one. */
  public record Overlap(Target target, String policy) {}

  /**
   * One policy's share.
   *
   * @param backedUp the hosted clusters it backs up
   * @param yielded  hosted clusters it selects that a policy sorting before it backs up (that policy named)
   * @param precedes hosted clusters it backs up that policies sorting after it also select (those policies named)
   */
  public record Share(List<Target> backedUp, List<Overlap> yielded, List<Overlap> precedes) {
    static final Share NONE = new Share(List.of(), List.of(), List.of());
  }

  /**
   * @param schedules by cluster name, only clusters with at least one entry; entries by policy name, hosted clusters
   *                  sorted, so equal placements serialize to equal JSON
   * @param shares    by policy name, every policy given (inactive ones with an empty share)
   */
  public record Result(Map<String, EffectiveBackupSchedule> schedules, Map<String, Share> shares) {
    public Share share(String policy) { return shares.getOrDefault(policy, Share.NONE); }
  }

  public static Result place(List<Policy> policies, List<Cluster> clusters) {
    List<Policy> active = policies.stream().filter(Policy::active)
        .sorted(Comparator.comparing(Policy::name)).toList();
    // clusters by name, hosted clusters by namespace/name: every list below is built in Target order
    List<Cluster> ordered = clusters.stream().sorted(Comparator.comparing(Cluster::name))
        .map(c -> new Cluster(c.name(), c.labels(), c.hostedClusters().stream()
            .sorted((a, b) -> compare(a.id(), b.id())).toList()))
        .toList();
    // per cluster: few hosted clusters each, so lookups stay short whatever the names hash to
    Map<String, Map<NamespacedName, String>> owner = new HashMap<>();
    Map<String, List<Target>> backedUp = new HashMap<>();
    Map<String, List<Overlap>> yielded = new HashMap<>();
    Map<String, List<Overlap>> precedes = new HashMap<>();
    Map<String, EffectiveBackupSchedule> schedules = new TreeMap<>();
    for (Policy p : active) {
      for (Cluster c : ordered) {
        if (!p.clusters().selects(c.name(), c.labels())) {
          continue;
        }
        List<NamespacedName> mine = new ArrayList<>();
        Map<NamespacedName, String> owners = owner.computeIfAbsent(c.name(), k -> new HashMap<>());
        for (HostedCluster hc : c.hostedClusters()) {
          if (!selects(p.spec().hostedClusterSelector, hc)) {
            continue;
          }
          Target t = new Target(c.name(), hc.id());
          String winner = owners.putIfAbsent(hc.id(), p.name());
          if (winner == null) {
            mine.add(hc.id());
            backedUp.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(t);
          } else if (!winner.equals(p.name())) { // a hosted cluster reported twice is one
            yielded.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(new Overlap(t, winner));
            precedes.computeIfAbsent(winner, k -> new ArrayList<>()).add(new Overlap(t, p.name()));
          }
        }
        if (!mine.isEmpty()) {
          schedules.computeIfAbsent(c.name(), SchedulePlacement::emptySchedule).entries.add(entry(p, mine));
        }
      }
    }
    Map<String, Share> shares = new TreeMap<>();
    for (Policy p : policies) {
      List<Overlap> preceded = new ArrayList<>(precedes.getOrDefault(p.name(), List.of()));
      // filled policy by policy: into Target order, then by the yielding policy's name
      preceded.sort((a, b) -> {
        int c = a.target().compareTo(b.target());
        return c != 0 ? c : a.policy().compareTo(b.policy());
      });
      shares.put(p.name(), new Share(List.copyOf(backedUp.getOrDefault(p.name(), List.of())),
          List.copyOf(yielded.getOrDefault(p.name(), List.of())), List.copyOf(preceded)));
    }
    return new Result(schedules, shares);
  }

  /** Namespaces (empty = any) and labels (empty = any), ANDed. */
  static boolean selects(BackupPolicySpec.HostedClusterSelector selector, HostedCluster hc) {
    if (selector == null) {
      return true;
    }
    if (selector.namespaces != null && !selector.namespaces.isEmpty()
        && !selector.namespaces.contains(hc.id().namespace)) {
      return false;
    }
    return LabelSelectors.matches(selector.labelSelector, hc.labels());
  }

  private static EffectiveBackupSchedule emptySchedule(String cluster) {
    EffectiveBackupSchedule s = new EffectiveBackupSchedule();
    s.cluster = cluster;
    return s;
  }

  private static EffectiveBackupSchedule.Entry entry(Policy p, List<NamespacedName> hostedClusters) {
    EffectiveBackupSchedule.Entry e = new EffectiveBackupSchedule.Entry();
    e.policy = p.name();
    e.schedule = p.spec().schedule == null ? null : p.spec().schedule.trim();
    e.timeZone = p.spec().timeZone == null || p.spec().timeZone.isBlank() ? null : p.spec().timeZone;
    e.store = p.spec().store;
    e.maxPauseWindow = p.spec().maxPauseWindow;
    e.quiesceAPIServers = p.spec().quiesceAPIServers;
    e.hostedClusters = hostedClusters;
    return e;
  }
}
