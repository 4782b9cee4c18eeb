package io.flotilla.agent.schedule;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * One backup the schedule asks for: a policy's entry, one hosted cluster, one scheduled time, and the name of the
 * HostedClusterBackup that records it. The name is derived from the three, so a run re-created after a crash finds
 * its record instead of taking a second backup.
 *
 * @param entry         the schedule entry (policy, store, pause window, quiesce)
 * @param hostedCluster the hosted cluster on this management cluster
 * @param scheduledTime the scheduled time the run belongs to (not when it started)
 * @param recordName    {@code <hc>-<policy>-<yyyyMMddHHmmss>} (UTC); prefixed with the hosted cluster's namespace when
 *                      another hosted cluster of the schedule has the same name
 */
public record ScheduledRun(EffectiveBackupSchedule.Entry entry, NamespacedName hostedCluster, Instant scheduledTime,
    String recordName) {
  /** Longest record name we write: the journal ConfigMap adds "flotilla-backup-<namespace>-" and must stay within 253. */
  static final int MAX_NAME = 200;
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

  public ScheduledRun {
    Objects.requireNonNull(entry, "entry");
    Objects.requireNonNull(hostedCluster, "hostedCluster");
    Objects.requireNonNull(scheduledTime, "scheduledTime");
    Objects.requireNonNull(recordName, "recordName");
  }

  public String policy() {
    return entry.policy;
  }

  /** Key of this run's policy and hosted cluster in the runner's last-run times. */
  public String key() {
    return SchedulePlanner.key(entry.policy, hostedCluster);
  }

  static String recordName(String policy, NamespacedName hc, Instant scheduledTime, boolean qualify) {
    String name = (qualify ? hc.namespace + "-" : "") + hc.name + "-" + policy + "-" + STAMP.format(scheduledTime);
    if (name.length() <= MAX_NAME) {
      return name;
    }
    // too long to be readable anyway: keep the start, and a digest of the whole for uniqueness
    return name.substring(0, MAX_NAME - 9) + "-" + digest(name);
  }

  /** The record, to be created in {@code namespace} on the spoke: spec from the entry, policy label, scheduled time. */
  public HostedClusterBackup record(String namespace) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace(namespace);
    b.getMetadata().setName(recordName);
    b.getMetadata().setLabels(new java.util.LinkedHashMap<>(Map.of(EffectiveBackupSchedule.POLICY_LABEL, entry.policy)));
    b.getMetadata().setAnnotations(new java.util.LinkedHashMap<>(
        Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, Time.format(scheduledTime))));
    b.getSpec().hostedCluster = new NamespacedName(hostedCluster.namespace, hostedCluster.name);
    b.getSpec().store = entry.store;
    b.getSpec().policy = entry.policy;
    b.getSpec().maxPauseWindow = entry.maxPauseWindow;
    b.getSpec().quiesceAPIServers = entry.quiesceAPIServers;
    b.setStatus(null);
    return b;
  }

  /** The scheduled time a record carries, or null when it is not a scheduled record. */
  public static Instant scheduledTimeOf(HostedClusterBackup b) {
    Map<String, String> a = b.getMetadata().getAnnotations();
    String t = a == null ? null : a.get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION);
    try {
      return Time.parse(t);
    } catch (java.time.DateTimeException e) {
      return null;
    }
  }

  private static String digest(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
