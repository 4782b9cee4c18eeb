package io.flotilla.hub.dr.policy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.hub.cluster.selection.ClusterSelection;
import io.flotilla.hub.cluster.selection.ClusterSelections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The management clusters each BackupPolicy selects on this hub, for one placement pass: its clusterSelector, or its
 * OCM Placement's decisions ({@link ClusterSelections}), and on top the DR rule of
 * {@link ClusterSelection#keptWhileUnreachable}. What a policy placed before is read from the schedule ConfigMaps the
 * hub wrote (a cluster whose schedule has an entry of the policy), so nothing is remembered in memory: a restarted
 * hub-manager keeps the same clusters. A placementRef this hub cannot read (no OCM) keeps exactly what the policy
 * placed: a hub-manager started without OCM must not stop every backup a Placement chose.
 */
final class PolicySelection {
  private static final Logger log = LoggerFactory.getLogger(PolicySelection.class);
  /** Policies already warned about an unreadable placementRef, so the warning is not repeated every pass. */
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private final ClusterSelections selections;
  private final Map<String, Set<String>> placedBefore;
  private Set<String> tainted;

  PolicySelection(ClusterSelections selections, List<ConfigMap> schedules, KubernetesSerialization json) {
    this.selections = Objects.requireNonNull(selections, "selections");
    this.placedBefore = placedBefore(schedules, json);
  }

  /**
   * @throws IllegalArgumentException if the spec's choice of clusters is unusable (PolicyValidation refuses it first)
   */
  ClusterSelection of(String policy, BackupPolicySpec spec) {
    ClusterSelection s = selections.resolve("spec", spec.clusterSelector, spec.placementRef);
    Set<String> before = placedBefore.getOrDefault(policy, Set.of());
    if (s.unusable().isPresent()) {
      if (WARNED.add(policy)) {
        log.warn("backup policy {}: {}; keeping the {} cluster(s) it placed backups on", policy,
            s.unusable().get(), before.size());
      }
      return ClusterSelection.byPlacement(before);
    }
    WARNED.remove(policy);
    if (!s.byPlacement()) {
      return s;
    }
    Set<String> kept = ClusterSelection.keptWhileUnreachable(before, s.decided(), tainted());
    if (!kept.isEmpty()) {
      log.debug("backup policy {}: keeping unreachable cluster(s) {} its Placement {} no longer names", policy, kept,
          spec.placementRef);
    }
    return s.keeping(kept);
  }

  private Set<String> tainted() {
    if (tainted == null) {
      tainted = selections.unreachable();
    }
    return tainted;
  }

  /** Policy name to the clusters whose schedule ConfigMap has an entry of it; a malformed schedule counts for none. */
  static Map<String, Set<String>> placedBefore(List<ConfigMap> schedules, KubernetesSerialization json) {
    Map<String, Set<String>> placed = new HashMap<>();
    for (ConfigMap cm : schedules) {
      String data = cm.getData() == null ? null : cm.getData().get(EffectiveBackupSchedule.DATA_KEY);
      if (!EffectiveBackupSchedule.CONFIG_MAP_NAME.equals(cm.getMetadata().getName()) || data == null) {
        continue;
      }
      EffectiveBackupSchedule schedule;
      try {
        schedule = json.unmarshal(data, EffectiveBackupSchedule.class);
      } catch (RuntimeException e) {
        continue; // the next write replaces it
      }
      if (schedule == null || schedule.entries == null) {
        continue;
      }
      for (EffectiveBackupSchedule.Entry e : schedule.entries) {
        if (e != null && e.policy != null) {
          placed.computeIfAbsent(e.policy, k -> new TreeSet<>()).add(cm.getMetadata().getNamespace());
        }
      }
    }
    return placed;
  }
}
