package io.flotilla.hub.addon.rollout;

import io.flotilla.common.DesiredCondition;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The planner's answer for one fleet at one instant: the desired version of every placed cluster, the counts and
 * group progress to report, the fleet's last-known-good version, its conditions, and when the answer changes by
 * itself (a soak ends or a progress deadline passes) so the caller can re-plan then.
 *
 * @param clusters             one entry per placed cluster, in rollout order (group order, then name)
 * @param counts               how many clusters are in each state after this plan is applied
 * @param groups               progress per rollout group, in rollout order; empty without groups
 * @param lastKnownGoodVersion the fleet's last-known-good version to report
 * @param conditions           the FleetAddOn conditions the rollout decides (Progressing, RolloutPaused, Complete)
 * @param recheckAt            the earliest instant the plan changes without any event, or null
 */
public record Plan(List<ClusterPlan> clusters, Counts counts, List<GroupProgress> groups, String lastKnownGoodVersion,
                   List<DesiredCondition> conditions, Instant recheckAt) {

  /** Where a cluster stands in the rollout. */
  public enum State {
    /** Pinned by its ManagedAddOn: outside the rollout. */
    Pinned,
    /** Its ManagementCluster is not Available: not started, never counted as failed. */
    Unknown,
    /** Runs the target: its operation to the target succeeded and has soaked for minSuccessTime. */
    Updated,
    /** Desired is the target and it has neither succeeded (and soaked) nor failed yet. */
    Progressing,
    /**
     * Its newest operation to the target failed or passed the progress deadline, and only rollbacks happened since
     * (so it is not retried; pin it to retry).
     */
    Failed,
    /** Waiting for its turn: desired is not the target yet. */
    Pending
  }

  /**
   * @param group          the rollout group's name, {@link RolloutPlanner#UNGROUPED} if in none, null without groups
   * @param desiredVersion the version to write to status.desiredVersion (may equal the current one)
   * @param changed        desiredVersion differs from the cluster's current status.desiredVersion
   */
  public record ClusterPlan(String name, String group, State state, String desiredVersion, boolean changed) {}

  public record Counts(int total, int succeeded, int progressing, int failed, int pinned, int unknown, int pending) {}

  public record GroupProgress(String name, boolean mandatory, int total, int succeeded, int progressing, int failed,
                              boolean complete) {}

  public Optional<ClusterPlan> cluster(String name) {
    return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** Cluster name → desired version to write, for the clusters whose desired version changes. */
  public Map<String, String> changes() {
    return clusters.stream().filter(ClusterPlan::changed)
        .collect(Collectors.toMap(ClusterPlan::name, ClusterPlan::desiredVersion));
  }

  public Map<String, ClusterPlan> byName() {
    return clusters.stream().collect(Collectors.toMap(ClusterPlan::name, Function.identity()));
  }

  public Optional<DesiredCondition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }
}
