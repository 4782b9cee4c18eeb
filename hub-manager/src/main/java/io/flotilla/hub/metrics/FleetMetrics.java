package io.flotilla.hub.metrics;

import io.flotilla.common.metrics.BackupSeries;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.common.Durations;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hub's fleet series, derived from the objects' state at each scrape (as kube-state-metrics does), so no
 * controller reports anything and each number means what the object's status means:
 * <ul>
 *   <li>backups per hosted cluster, from HostedClusterBackup records in every cluster namespace ({@link BackupSeries});
 *   <li>per BackupPolicy, from its status: hosted clusters, how many are within the RPO, the RPO target, and per
 *       hosted cluster whether it is within it ({@code status.rpo}, as bounded as that list is), and with restore
 *       drills whether its newest drilled backup is within the verified RPO target;
 *   <li>per add-on, the rollout state counts of its FleetAddOn status, and per ManagedAddOn its current operation and
 *       desired/current version.
 * </ul>
 * Series of objects that are gone are removed, so the number of series follows the fleet.
 */
public final class FleetMetrics {
  static final String POLICY_HOSTED_CLUSTERS = "flotilla.backup.policy.hosted.clusters";
  static final String POLICY_COMPLIANT = "flotilla.backup.policy.compliant.hosted.clusters";
  static final String POLICY_RPO_TARGET = "flotilla.backup.policy.rpo.target";
  static final String RPO_COMPLIANT = "flotilla.backup.rpo.compliant";
  static final String VERIFIED_RPO_COMPLIANT = "flotilla.backup.verified.rpo.compliant";
  static final String ADDON_CLUSTERS = "flotilla.addon.clusters";
  static final String ADDON_OPERATION = "flotilla.addon.operation";
  static final String ADDON_VERSION = "flotilla.addon.version.info";

  /** Rollout states of {@link #ADDON_CLUSTERS}, the planner's classification as FleetAddOn status counts it. */
  public static final List<String> ADDON_STATES = List.of("Succeeded", "InProgress", "Failed", "Pinned", "Unknown",
      "Pending");

  private final BackupSeries backups;
  private final MultiGauge policyHostedClusters;
  private final MultiGauge policyCompliant;
  private final MultiGauge policyRpoTarget;
  private final MultiGauge rpoCompliant;
  private final MultiGauge verifiedRpoCompliant;
  private final MultiGauge addOnClusters;
  private final MultiGauge addOnOperation;
  private final MultiGauge addOnVersion;

  public FleetMetrics(MeterRegistry registry) {
    backups = new BackupSeries(registry);
    policyHostedClusters = MultiGauge.builder(POLICY_HOSTED_CLUSTERS)
        .description("Hosted clusters the BackupPolicy backs up (status.total)").register(registry);
    policyCompliant = MultiGauge.builder(POLICY_COMPLIANT)
        .description("Hosted clusters of the BackupPolicy whose newest backup is within the RPO target"
            + " (status.compliant)").register(registry);
    policyRpoTarget = MultiGauge.builder(POLICY_RPO_TARGET).baseUnit("seconds")
        .description("The age the newest backup of a hosted cluster may reach under the BackupPolicy"
            + " (status.rpoTarget)").register(registry);
    rpoCompliant = MultiGauge.builder(RPO_COMPLIANT)
        .description("1 when the hosted cluster's newest backup is within its BackupPolicy's RPO target, else 0"
            + " (status.rpo; non-compliant entries first, bounded)").register(registry);
    verifiedRpoCompliant = MultiGauge.builder(VERIFIED_RPO_COMPLIANT)
        .description("1 when the hosted cluster's newest backup that passed a restore drill is within its"
            + " BackupPolicy's verified RPO target, else 0 (status.rpo, policies with spec.verification)")
        .register(registry);
    addOnClusters = MultiGauge.builder(ADDON_CLUSTERS)
        .description("Clusters of the add-on's rollout in each state (FleetAddOn status)").register(registry);
    addOnOperation = MultiGauge.builder(ADDON_OPERATION)
        .description("1 for the add-on's current operation on the cluster, with its type and phase"
            + " (ManagedAddOn status.operation)").register(registry);
    addOnVersion = MultiGauge.builder(ADDON_VERSION)
        .description("1, with the add-on's desired and current version on the cluster (ManagedAddOn status)")
        .register(registry);
  }

  /** Replaces every series with what {@code state} says. */
  public synchronized void update(FleetState state) {
    backups.update(state.backups());
    policies(state.policies());
    addOns(state.fleetAddOns(), state.managedAddOns());
  }

  private void policies(List<BackupPolicy> policies) {
    List<MultiGauge.Row<?>> total = new ArrayList<>();
    List<MultiGauge.Row<?>> compliant = new ArrayList<>();
    List<MultiGauge.Row<?>> target = new ArrayList<>();
    Map<Tags, Number> perHostedCluster = new LinkedHashMap<>();
    Map<Tags, Number> verifiedPerHostedCluster = new LinkedHashMap<>();
    for (BackupPolicy p : policies) {
      BackupPolicyStatus s = p.getStatus();
      String name = p.getMetadata().getName();
      if (s == null || name == null) {
        continue;
      }
      Tags policy = Tags.of("policy", name);
      if (s.total != null) {
        total.add(MultiGauge.Row.of(policy, s.total));
      }
      if (s.compliant != null) {
        compliant.add(MultiGauge.Row.of(policy, s.compliant));
      }
      if (s.rpoTarget != null) {
        try {
          target.add(MultiGauge.Row.of(policy, Durations.parse(s.rpoTarget).toMillis() / 1e3));
        } catch (IllegalArgumentException e) {
          // not a duration: no series rather than a wrong one
        }
      }
      if (s.rpo != null) {
        for (BackupPolicyStatus.HostedClusterRpo r : s.rpo) {
          if (r == null || r.cluster == null || r.namespace == null || r.name == null) {
            continue;
          }
          Tags where = policy.and("management_cluster", r.cluster, "hosted_cluster_namespace", r.namespace,
              "hosted_cluster", r.name);
          if (r.compliant != null) {
            perHostedCluster.put(where, r.compliant ? 1 : 0);
          }
          if (r.verifiedCompliant != null) {
            verifiedPerHostedCluster.put(where, r.verifiedCompliant ? 1 : 0);
          }
        }
      }
    }
    policyHostedClusters.register(total, true);
    policyCompliant.register(compliant, true);
    policyRpoTarget.register(target, true);
    rpoCompliant.register(perHostedCluster.entrySet().stream()
        .<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(e.getKey(), e.getValue())).toList(), true);
    verifiedRpoCompliant.register(verifiedPerHostedCluster.entrySet().stream()
        .<MultiGauge.Row<?>>map(e -> MultiGauge.Row.of(e.getKey(), e.getValue())).toList(), true);
  }

  private void addOns(List<FleetAddOn> fleets, List<ManagedAddOn> managed) {
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    for (FleetAddOn f : fleets) {
      FleetAddOnStatus s = f.getStatus();
      String addOn = f.getMetadata().getName();
      if (s == null || s.total == null || addOn == null) {
        continue;
      }
      Map<String, Integer> counts = counts(s);
      counts.forEach((state, n) -> states.add(MultiGauge.Row.of(Tags.of("addon", addOn, "state", state), n)));
    }
    addOnClusters.register(states, true);

    List<MultiGauge.Row<?>> operations = new ArrayList<>();
    List<MultiGauge.Row<?>> versions = new ArrayList<>();
    for (ManagedAddOn m : managed) {
      ManagedAddOnStatus s = m.getStatus();
      String cluster = m.getMetadata().getNamespace();
      String addOn = m.getSpec() != null && m.getSpec().addOn != null ? m.getSpec().addOn : m.getMetadata().getName();
      if (s == null || cluster == null || addOn == null) {
        continue;
      }
      Tags where = Tags.of("management_cluster", cluster, "addon", addOn);
      if (s.operation != null && s.operation.type != null && s.operation.phase != null) {
        operations.add(MultiGauge.Row.of(where.and("type", s.operation.type.name(), "phase",
            s.operation.phase.name()), 1));
      }
      if (s.desiredVersion != null || s.currentVersion != null) {
        versions.add(MultiGauge.Row.of(where.and("desired_version", Objects.requireNonNullElse(s.desiredVersion, ""),
            "current_version", Objects.requireNonNullElse(s.currentVersion, "")), 1));
      }
    }
    addOnOperation.register(operations, true);
    addOnVersion.register(versions, true);
  }

  /** Every state of {@link #ADDON_STATES}, zeros included, so a state emptying shows as 0 rather than vanishing. */
  static Map<String, Integer> counts(FleetAddOnStatus s) {
    int succeeded = zeroIfNull(s.succeeded);
    int progressing = zeroIfNull(s.progressing);
    int failed = zeroIfNull(s.failed);
    int pinned = zeroIfNull(s.pinned);
    int unknown = zeroIfNull(s.unknown);
    // the planner's states are disjoint; status leaves out the clusters still waiting for their turn
    int pending = Math.max(0, zeroIfNull(s.total) - succeeded - progressing - failed - pinned - unknown);
    Map<String, Integer> out = new LinkedHashMap<>();
    out.put("Succeeded", succeeded);
    out.put("InProgress", progressing);
    out.put("Failed", failed);
    out.put("Pinned", pinned);
    out.put("Unknown", unknown);
    out.put("Pending", pending);
    return out;
  }

  private static int zeroIfNull(Integer n) {
    return n == null ? 0 : n;
  }
}
