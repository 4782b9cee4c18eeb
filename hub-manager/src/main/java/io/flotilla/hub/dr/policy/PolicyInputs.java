package io.flotilla.hub.dr.policy;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns the API objects the hub reads into the values of the policy decisions. */
final class PolicyInputs {
  private PolicyInputs() {}

  /** A cluster as placement sees it: its labels and the hosted clusters (with labels) its agent reports. */
  static SchedulePlacement.Cluster cluster(ManagementCluster mc) {
    List<SchedulePlacement.HostedCluster> hosted = new ArrayList<>();
    var status = mc.getStatus();
    if (status != null && status.hostedClusterNames != null) {
      Map<String, Map<String, String>> labels = status.hostedClusterLabels == null ? Map.of()
          : status.hostedClusterLabels;
      for (String key : status.hostedClusterNames) {
        NamespacedName id = namespacedName(key);
        if (id != null) {
          hosted.add(new SchedulePlacement.HostedCluster(id, labels.get(key)));
        }
      }
    }
    return new SchedulePlacement.Cluster(mc.getMetadata().getName(), mc.getMetadata().getLabels(), hosted);
  }

  static boolean lost(ManagementCluster mc) {
    return mc.getSpec() != null && mc.getSpec().isLost();
  }

  /** "namespace/name" as the agent reports it; null when malformed. */
  static NamespacedName namespacedName(String key) {
    int slash = key == null ? -1 : key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1) {
      return null;
    }
    return new NamespacedName(key.substring(0, slash), key.substring(slash + 1));
  }

  static RetentionPlan.Backup backup(HostedClusterBackup b) {
    var s = b.getStatus();
    String scheduled = b.getMetadata().getAnnotations() == null ? null
        : b.getMetadata().getAnnotations().get(io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION);
    return new RetentionPlan.Backup(b.getMetadata().getName(), s == null ? null : s.phase,
        instant(s == null ? null : s.completedAt), instant(b.getMetadata().getCreationTimestamp()), instant(scheduled),
        s == null || s.verification == null ? null : s.verification.passed);
  }

  /** A record as the drill plan sees it: its hub-clock order, and its restore drill from annotation and status. */
  static DrillPlan.Backup drillBackup(HostedClusterBackup b) {
    Map<String, String> annotations = b.getMetadata().getAnnotations();
    String asked = annotations == null ? null : annotations.get(HostedClusterBackup.VERIFY_ANNOTATION);
    var v = b.getStatus() == null ? null : b.getStatus().verification;
    String answered = v == null ? null : v.request;
    if (HostedClusterBackup.asksForRestoreDrill(asked) && !asked.equals(answered)) {
      return new DrillPlan.Backup(backup(b), DrillPlan.Drill.REQUESTED, HostedClusterBackup.restoreDrillRequestedAt(asked));
    }
    if (HostedClusterBackup.asksForRestoreDrill(answered) && v.passed != null) {
      Instant at = HostedClusterBackup.restoreDrillRequestedAt(answered);
      return new DrillPlan.Backup(backup(b), v.passed ? DrillPlan.Drill.PASSED : DrillPlan.Drill.FAILED,
          at != null ? at : instant(v.verifiedAt));
    }
    return new DrillPlan.Backup(backup(b), DrillPlan.Drill.NONE, null);
  }

  /** The hosted cluster a record is of, on the cluster whose namespace holds it; null without spec.hostedCluster. */
  static SchedulePlacement.Target target(HostedClusterBackup b) {
    NamespacedName hc = b.getSpec() == null ? null : b.getSpec().hostedCluster;
    if (hc == null || hc.namespace == null || hc.name == null) {
      return null;
    }
    return new SchedulePlacement.Target(b.getMetadata().getNamespace(), new NamespacedName(hc.namespace, hc.name));
  }

  static boolean deleting(HostedClusterBackup b) {
    return b.getMetadata().getDeletionTimestamp() != null;
  }

  static String policyOf(HostedClusterBackup b) {
    Map<String, String> labels = b.getMetadata().getLabels();
    return labels == null ? null : labels.get(EffectiveBackupSchedule.POLICY_LABEL);
  }

  static Instant scheduledTime(HostedClusterBackup b) {
    Map<String, String> annotations = b.getMetadata().getAnnotations();
    return annotations == null ? null : instant(annotations.get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION));
  }

  /** A malformed timestamp reads as absent. */
  static Instant instant(String rfc3339) {
    try {
      return Time.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
