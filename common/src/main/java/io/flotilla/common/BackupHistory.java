package io.flotilla.common;

import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the HostedClusterBackup records say about each hosted cluster's backups: the newest success with its figures,
 * and the failures since. Derived from the records alone, so the hub (every cluster namespace) and an agent (its own)
 * read the same answer from the same records; no client. The metrics of both are built on it.
 */
public final class BackupHistory {
  private BackupHistory() {}

  /** One hosted cluster on one management cluster (the record's namespace on the hub). */
  public record Subject(String managementCluster, String hostedClusterNamespace, String hostedCluster)
      implements Comparable<Subject> {
    @Override
    public int compareTo(Subject o) {
      return (managementCluster + "/" + hostedClusterNamespace + "/" + hostedCluster)
          .compareTo(o.managementCluster + "/" + o.hostedClusterNamespace + "/" + o.hostedCluster);
    }
  }

  /**
   * @param lastSuccess         completion of the newest Completed backup; null when there is none
   * @param lastSuccessBackup   that backup's record name; null when there is none
   * @param lastDuration        startedAt to completedAt of that backup; null when it lacks either
   * @param lastStoredBytes     bytes that backup stored in the bucket; null when not reported
   * @param lastPauseWindow     how long that backup paused the hosted cluster; null when not reported
   * @param consecutiveFailures Failed records finished after the newest success (every Failed record when none)
   * @param failedRecords       uids of the Failed records, for a failure counter
   * @param records             how many records there are
   * @param lastVerified        completion of the newest Completed backup whose latest verification is a passed restore
   *                            drill ({@link #drillPassed}); null when there is none
   * @param lastVerifiedBackup  that backup's record name; null when there is none
   */
  public record Summary(Subject subject, Instant lastSuccess, String lastSuccessBackup, Duration lastDuration,
                        Long lastStoredBytes,
                        Duration lastPauseWindow, int consecutiveFailures, Set<String> failedRecords, int records,
                        Instant lastVerified, String lastVerifiedBackup) {
    public Summary {
      failedRecords = Set.copyOf(failedRecords);
    }
  }

  /** Whether the record's latest verification was a restore drill (its request asked for one) and it passed. */
  public static boolean drillPassed(HostedClusterBackup b) {
    HostedClusterBackupStatus.Verification v = b.getStatus() == null ? null : b.getStatus().verification;
    return v != null && HostedClusterBackup.asksForRestoreDrill(v.request) && Boolean.TRUE.equals(v.passed);
  }

  /** Whether the record's latest verification was a restore drill and it failed. */
  public static boolean drillFailed(HostedClusterBackup b) {
    HostedClusterBackupStatus.Verification v = b.getStatus() == null ? null : b.getStatus().verification;
    return v != null && HostedClusterBackup.asksForRestoreDrill(v.request) && Boolean.FALSE.equals(v.passed);
  }

  /** One summary per hosted cluster that has records, ordered by subject; records without spec.hostedCluster are skipped. */
  public static Map<Subject, Summary> summarize(Collection<HostedClusterBackup> records) {
    Map<Subject, java.util.List<HostedClusterBackup>> bySubject = new TreeMap<>();
    for (HostedClusterBackup b : records) {
      subject(b).ifPresent(s -> bySubject.computeIfAbsent(s, k -> new java.util.ArrayList<>()).add(b));
    }
    Map<Subject, Summary> out = new LinkedHashMap<>();
    bySubject.forEach((subject, list) -> out.put(subject, summarize(subject, list)));
    return out;
  }

  private static Summary summarize(Subject subject, Collection<HostedClusterBackup> records) {
    HostedClusterBackup newest = null;
    Instant newestAt = null;
    HostedClusterBackup verified = null;
    Instant verifiedAt = null;
    for (HostedClusterBackup b : records) {
      HostedClusterBackupStatus s = b.getStatus();
      Instant at = s == null || s.phase != Phase.Completed ? null : instant(s.completedAt);
      if (at != null && (newestAt == null || at.isAfter(newestAt))) {
        newest = b;
        newestAt = at;
      }
      if (at != null && drillPassed(b) && (verifiedAt == null || at.isAfter(verifiedAt))) {
        verified = b;
        verifiedAt = at;
      }
    }
    String verifiedName = verified == null ? null : verified.getMetadata().getName();
    Set<String> failed = new HashSet<>();
    int consecutive = 0;
    for (HostedClusterBackup b : records) {
      HostedClusterBackupStatus s = b.getStatus();
      if (s == null || s.phase != Phase.Failed) {
        continue;
      }
      if (b.getMetadata().getUid() != null) {
        failed.add(b.getMetadata().getUid());
      }
      Instant at = finishedOrCreated(b);
      if (newestAt == null || at != null && at.isAfter(newestAt)) {
        consecutive++;
      }
    }
    if (newest == null) {
      return new Summary(subject, null, null, null, null, null, consecutive, failed, records.size(), null, null);
    }
    HostedClusterBackupStatus s = newest.getStatus();
    Instant started = instant(s.startedAt);
    Duration duration = started == null || started.isAfter(newestAt) ? null : Duration.between(started, newestAt);
    Long stored = s.snapshot == null ? null : s.snapshot.storedBytes;
    return new Summary(subject, newestAt, newest.getMetadata().getName(), duration, stored, pauseWindow(s), consecutive,
        failed, records.size(), verifiedAt, verifiedName);
  }

  static java.util.Optional<Subject> subject(HostedClusterBackup b) {
    if (b.getMetadata() == null || b.getMetadata().getNamespace() == null || b.getSpec() == null
        || b.getSpec().hostedCluster == null || b.getSpec().hostedCluster.namespace == null
        || b.getSpec().hostedCluster.name == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Subject(b.getMetadata().getNamespace(), b.getSpec().hostedCluster.namespace,
        b.getSpec().hostedCluster.name));
  }

  /** status.pauseWindow (millisecond precision), else resumedAt minus pausedAt; null when neither is usable. */
  private static Duration pauseWindow(HostedClusterBackupStatus s) {
    if (s.pauseWindow != null && !s.pauseWindow.isBlank()) {
      try {
        return Durations.parse(s.pauseWindow);
      } catch (IllegalArgumentException e) {
        // fall through to the timestamps
      }
    }
    Instant paused = instant(s.pausedAt);
    Instant resumed = instant(s.resumedAt);
    return paused == null || resumed == null || resumed.isBefore(paused) ? null : Duration.between(paused, resumed);
  }

  private static Instant finishedOrCreated(HostedClusterBackup b) {
    HostedClusterBackupStatus s = b.getStatus();
    Instant at = instant(s.completedAt);
    if (at == null) {
      at = instant(s.startedAt);
    }
    return at != null ? at : instant(b.getMetadata().getCreationTimestamp());
  }

  private static Instant instant(String rfc3339) {
    try {
      return Time.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * A failure counter per hosted cluster with counter semantics: it only goes up while the process runs, even when
   * Failed records are deleted (retention, an operator). It counts each Failed record once, by uid; a hosted cluster
   * that has no records left is forgotten, so the number of series stays bounded by the hosted clusters that exist.
   * The first observation counts every Failed record that exists then.
   */
  public static final class FailureTally {
    private final Map<Subject, Long> totals = new HashMap<>();
    private final Set<String> counted = new HashSet<>();

    /** Counts what is new in {@code summaries}; returns the total per hosted cluster (0 for one with no failures). */
    public synchronized Map<Subject, Long> observe(Map<Subject, Summary> summaries) {
      Set<String> present = new HashSet<>();
      totals.keySet().retainAll(summaries.keySet());
      for (Summary s : summaries.values()) {
        long fresh = s.failedRecords().stream().filter(uid -> !counted.contains(uid)).count();
        totals.merge(s.subject(), fresh, Long::sum);
        present.addAll(s.failedRecords());
      }
      counted.clear();
      counted.addAll(present);
      return Map.copyOf(totals);
    }
  }
}
