package io.flotilla.common.metrics;

import io.flotilla.common.BackupHistory;
import io.flotilla.common.BackupHistory.Subject;
import io.flotilla.common.BackupHistory.Summary;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The per-hosted-cluster backup series, from the HostedClusterBackup records ({@link BackupHistory}): the newest
 * success and its figures, the newest backup whose restore drill passed, the failures since, and a failure counter. A hosted cluster whose records are all gone
 * loses its series. hub-manager exports them for every cluster namespace, each spoke-agent for its own, under the same
 * names, so a dashboard cannot tell which one it reads.
 */
public final class BackupSeries {
  static final String LAST_SUCCESS = "flotilla.backup.last.success.timestamp";
  static final String LAST_DURATION = "flotilla.backup.last.duration";
  static final String LAST_STORED = "flotilla.backup.last.stored";
  static final String LAST_PAUSE_WINDOW = "flotilla.backup.last.pause.window";
  static final String LAST_VERIFIED = "flotilla.backup.last.verified.timestamp";
  static final String CONSECUTIVE_FAILURES = "flotilla.backup.consecutive.failures";
  static final String FAILURES = "flotilla.backup.failures";

  private final MeterRegistry registry;
  private final MultiGauge lastSuccess;
  private final MultiGauge lastDuration;
  private final MultiGauge lastStored;
  private final MultiGauge lastPauseWindow;
  private final MultiGauge lastVerified;
  private final MultiGauge consecutiveFailures;
  private final BackupHistory.FailureTally tally = new BackupHistory.FailureTally();
  private final Map<Subject, AtomicLong> failureTotals = new HashMap<>();
  private final Map<Subject, FunctionCounter> failureCounters = new HashMap<>();

  public BackupSeries(MeterRegistry registry) {
    this.registry = registry;
    lastSuccess = MultiGauge.builder(LAST_SUCCESS).baseUnit("seconds")
        .description("Completion time of the newest Completed backup of the hosted cluster (Unix seconds)")
        .register(registry);
    lastDuration = MultiGauge.builder(LAST_DURATION).baseUnit("seconds")
        .description("How long the newest Completed backup took, start to completion").register(registry);
    lastStored = MultiGauge.builder(LAST_STORED).baseUnit("bytes")
        .description("Bytes the newest Completed backup stored in the bucket (compressed, encrypted)")
        .register(registry);
    lastPauseWindow = MultiGauge.builder(LAST_PAUSE_WINDOW).baseUnit("seconds")
        .description("How long the newest Completed backup kept the hosted cluster paused").register(registry);
    // time() minus it is the hosted cluster's verified RPO, as last_success's is its RPO
    lastVerified = MultiGauge.builder(LAST_VERIFIED).baseUnit("seconds")
        .description("Completion time of the newest backup of the hosted cluster whose restore drill passed"
            + " (Unix seconds)").register(registry);
    consecutiveFailures = MultiGauge.builder(CONSECUTIVE_FAILURES)
        .description("Failed backups of the hosted cluster since its newest Completed one (all of them if none)")
        .register(registry);
  }

  /** Replaces every series with what {@code records} say. */
  public void update(Collection<HostedClusterBackup> records) {
    Map<Subject, Summary> summaries = BackupHistory.summarize(records);
    lastSuccess.register(rows(summaries, s -> s.lastSuccess() == null ? null : s.lastSuccess().toEpochMilli() / 1e3),
        true);
    lastDuration.register(rows(summaries, s -> seconds(s.lastDuration())), true);
    lastStored.register(rows(summaries, Summary::lastStoredBytes), true);
    lastPauseWindow.register(rows(summaries, s -> seconds(s.lastPauseWindow())), true);
    lastVerified.register(rows(summaries, s -> s.lastVerified() == null ? null : s.lastVerified().toEpochMilli() / 1e3),
        true);
    consecutiveFailures.register(rows(summaries, Summary::consecutiveFailures), true);
    counters(tally.observe(summaries));
  }

  private void counters(Map<Subject, Long> totals) {
    failureCounters.entrySet().removeIf(e -> {
      if (totals.containsKey(e.getKey())) {
        return false;
      }
      registry.remove(e.getValue());
      failureTotals.remove(e.getKey());
      return true;
    });
    totals.forEach((subject, total) -> {
      AtomicLong value = failureTotals.computeIfAbsent(subject, k -> new AtomicLong());
      value.set(total);
      failureCounters.computeIfAbsent(subject, k -> FunctionCounter.builder(FAILURES, value, AtomicLong::get)
          .description("Failed backups of the hosted cluster seen by this process").tags(tags(subject))
          .register(registry));
    });
  }

  static Tags tags(Subject s) {
    return Tags.of("management_cluster", s.managementCluster(), "hosted_cluster_namespace",
        s.hostedClusterNamespace(), "hosted_cluster", s.hostedCluster());
  }

  private static List<MultiGauge.Row<?>> rows(Map<Subject, Summary> summaries, Function<Summary, Number> value) {
    return summaries.values().stream()
        .filter(s -> value.apply(s) != null)
        .<MultiGauge.Row<?>>map(s -> MultiGauge.Row.of(tags(s.subject()), value.apply(s)))
        .toList();
  }

  private static Double seconds(Duration d) {
    return d == null ? null : d.toMillis() / 1e3;
  }
}
