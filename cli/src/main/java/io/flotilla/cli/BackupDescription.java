package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.common.Conditions;
import io.flotilla.common.Durations;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What people read about one backup: `backup describe`, and the one-line endings of `create --wait` and `verify`. */
final class BackupDescription {
  private BackupDescription() {}

  /** "matches", "differs", or "not compared". */
  private static String yesNo(Boolean matches) {
    return matches == null ? "not compared" : matches ? "matches" : "differs";
  }

  private static final int LABEL = 22;

  /** The multi-line view of spec and status, conditions, verification and the record's events. */
  static String of(HostedClusterBackup b, List<Event> events, Instant now) {
    StringBuilder out = new StringBuilder();
    HostedClusterBackupSpec spec = b.getSpec() == null ? new HostedClusterBackupSpec() : b.getSpec();
    HostedClusterBackupStatus s = b.getStatus() == null ? new HostedClusterBackupStatus() : b.getStatus();
    field(out, "Name", b.getMetadata().getName());
    field(out, "Cluster", b.getMetadata().getNamespace());
    field(out, "Hosted cluster", spec.hostedCluster);
    field(out, "Store", spec.store);
    field(out, "Policy", spec.policy);
    field(out, "Max pause window", spec.maxPauseWindow != null ? spec.maxPauseWindow
        : Durations.format(BackupConfig.DEFAULT_MAX_PAUSE_WINDOW) + " (default)");
    field(out, "Quiesce API servers", Boolean.TRUE.equals(spec.quiesceAPIServers) ? "yes" : "no");
    field(out, "Deletion requested", b.getMetadata().getDeletionTimestamp() == null ? null
        : at(b.getMetadata().getDeletionTimestamp(), now) + "; waiting for the agent to remove the objects");
    field(out, "Phase", s.phase == null ? "New (waiting for " + b.getMetadata().getNamespace() + "'s agent)" : s.phase);
    field(out, "Started", at(s.startedAt, now));
    Duration took = duration(s, now);
    field(out, s.phase == Phase.Failed ? "Failed" : "Completed", s.completedAt == null ? null
        : at(s.completedAt, now) + (took == null ? "" : ", took " + Ages.of(took)));
    Duration pause = pauseWindow(s);
    field(out, "Paused", s.pausedAt == null ? null : s.pausedAt
        + (s.resumedAt == null ? ", not resumed yet" : ", resumed " + s.resumedAt + " (" + pauseText(pause) + ")"));
    field(out, "Progress", s.progress == null ? null : BackupProgress.stepAndBytes(s).replaceAll(" {2,}", "  "));
    field(out, "Location", s.location == null ? null : "s3://" + s.location.bucket + "/" + s.location.keyPrefix);
    if (s.snapshot != null) {
      field(out, "Snapshot", sizeOrUnknown(s.snapshot.rawBytes) + " raw, " + sizeOrUnknown(s.snapshot.storedBytes)
          + " stored, etcd revision " + s.snapshot.etcdRevision + ", " + s.snapshot.keys + " keys");
      field(out, "Snapshot SHA-256", s.snapshot.sha256);
    }
    field(out, "Key", s.keyId);
    if (s.verification != null) {
      HostedClusterBackupStatus.Verification v = s.verification;
      field(out, "Verification", (Boolean.TRUE.equals(v.passed) ? "passed" : "FAILED") + ", " + at(v.verifiedAt, now));
      field(out, "", v.message);
      if (v.drill != null) {
        HostedClusterBackupStatus.RestoreDrill d = v.drill;
        field(out, "Restore drill", (d.tool == null ? "" : d.tool + ", ") + "restored revision " + d.etcdRevision
            + ", " + d.keys + " keys at the backup's; revision " + yesNo(d.revisionMatches) + ", keys "
            + yesNo(d.keysMatch) + ", hash " + yesNo(d.hashMatches) + "; restore " + d.restoreDuration + ", drill "
            + d.duration);
      }
    }
    if (s.rewrap != null) {
      HostedClusterBackupStatus.Rewrap r = s.rewrap;
      field(out, "Rewrap", (Boolean.TRUE.equals(r.passed) ? "done" : "FAILED") + ", " + at(r.rewrappedAt, now));
      field(out, "", r.message);
    }
    field(out, "Executor", s.executor);
    if (s.conditions != null && !s.conditions.isEmpty()) {
      out.append("Conditions:\n");
      Table table = new Table("TYPE", "STATUS", "REASON", "AGE", "MESSAGE");
      for (Condition c : s.conditions) {
        table.row(c.getType(), c.getStatus(), c.getReason(), age(c.getLastTransitionTime(), now), c.getMessage());
      }
      table.render().lines().forEach(l -> out.append("  ").append(l).append('\n'));
    }
    out.append("Events:");
    if (events.isEmpty()) {
      out.append("  <none>\n");
    } else {
      out.append('\n');
      Table table = new Table("AGE", "TYPE", "REASON", "FROM", "MESSAGE");
      for (Event e : events) {
        table.row(age(e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getFirstTimestamp(), now), e.getType(),
            e.getReason(), e.getSource() == null ? null : e.getSource().getComponent(), e.getMessage());
      }
      table.render().lines().forEach(l -> out.append("  ").append(l).append('\n'));
    }
    return out.toString();
  }

  /** The line `create --wait` ends with on success: stored size, revision, how long the hosted cluster was paused. */
  static String summary(HostedClusterBackup b) {
    HostedClusterBackupStatus s = b.getStatus();
    Duration took = duration(s, Instant.now());
    var snap = s.snapshot == null ? new HostedClusterBackupStatus.Snapshot() : s.snapshot;
    return "backup " + id(b) + " completed" + (took == null ? "" : " in " + Ages.of(took)) + ": "
        + sizeOrUnknown(snap.storedBytes) + " stored (" + sizeOrUnknown(snap.rawBytes) + " raw), etcd revision "
        + snap.etcdRevision + ", " + snap.keys + " keys; hosted cluster " + b.getSpec().hostedCluster + " paused "
        + pauseText(pauseWindow(s));
  }

  /** The reason and message of a Failed backup, from its Completed condition. */
  static String failure(HostedClusterBackup b) {
    var conditions = b.getStatus() == null ? null : b.getStatus().conditions;
    return "backup " + id(b) + " failed: " + Conditions.find(conditions, HostedClusterBackup.CONDITION_COMPLETED)
        .map(c -> c.getReason() + ": " + c.getMessage()).orElse("no reason recorded");
  }

  /** "mc-1/hc-1-20261121-104800". */
  static String id(HostedClusterBackup b) {
    return b.getMetadata().getNamespace() + "/" + b.getMetadata().getName();
  }

  /** Start to end, or to {@code now} while it runs; null before it started. */
  static Duration duration(HostedClusterBackupStatus s, Instant now) {
    Instant started = s == null ? null : Time.parse(s.startedAt);
    if (started == null) {
      return null;
    }
    Instant ended = Time.parse(s.completedAt);
    return Duration.between(started, ended != null ? ended : now);
  }

  /** status.pauseWindow (ms precision), else resumedAt − pausedAt; null unless recorded. */
  static Duration pauseWindow(HostedClusterBackupStatus s) {
    if (s != null && s.pauseWindow != null) {
      try {
        return io.flotilla.common.Durations.parse(s.pauseWindow);
      } catch (IllegalArgumentException e) {
        // fall back to the timestamps
      }
    }
    Instant paused = s == null ? null : Time.parse(s.pausedAt);
    Instant resumed = s == null ? null : Time.parse(s.resumedAt);
    return paused == null || resumed == null ? null : Duration.between(paused, resumed);
  }

  /** The timestamps have whole seconds, so a window inside one second reads "<1s". */
  private static String pauseText(Duration pause) {
    if (pause == null) {
      return "for an unknown time";
    }
    // status.pauseWindow has milliseconds; the timestamps only whole seconds
    return pause.isZero() ? "<1s" : pause.toMillisPart() != 0 && pause.toSeconds() < 10
        ? io.flotilla.common.Durations.formatMillis(pause) : Ages.of(pause);
  }

  private static String sizeOrUnknown(Long bytes) {
    return bytes == null ? "?" : Sizes.format(bytes);
  }

  private static String at(String rfc3339, Instant now) {
    return rfc3339 == null ? null : rfc3339 + " (" + age(rfc3339, now) + " ago)";
  }

  private static String age(String rfc3339, Instant now) {
    Instant t = Time.parse(rfc3339);
    return t == null ? null : Ages.of(Duration.between(t, now));
  }

  private static void field(StringBuilder out, String label, Object value) {
    if (value == null) {
      return;
    }
    String head = label.isEmpty() ? "" : label + ":";
    out.append(String.format("%-" + LABEL + "s%s%n", head, value));
  }
}
