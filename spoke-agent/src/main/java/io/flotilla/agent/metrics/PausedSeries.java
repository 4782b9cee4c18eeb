package io.flotilla.agent.metrics;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code flotilla_hostedcluster_paused_seconds}: per HostedCluster on this management cluster, how long it has been
 * paused ({@link PauseState}), 0 when it is not. When HyperShift has not reported the pause yet, the time counts from
 * when this process first saw it paused. What the "paused too long" alert reads: a backup pauses for seconds, under a
 * deadline; a pause that lasts is an operator's {@code "true"} or something stuck.
 */
final class PausedSeries {
  static final String PAUSED = "flotilla.hostedcluster.paused";

  private final MultiGauge paused;
  private final Map<NamespacedName, Instant> firstSeenPaused = new HashMap<>();

  PausedSeries(MeterRegistry registry) {
    paused = MultiGauge.builder(PAUSED).baseUnit("seconds")
        .description("How long the HostedCluster has been paused (spec.pausedUntil); 0 when it is not")
        .register(registry);
  }

  void update(String managementCluster, Collection<HostedCluster> hostedClusters, Instant now) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    Map<NamespacedName, Instant> stillPaused = new HashMap<>();
    for (HostedCluster hc : hostedClusters) {
      NamespacedName key = new NamespacedName(hc.getMetadata().getNamespace(), hc.getMetadata().getName());
      PauseState state = PauseState.of(hc, now);
      double seconds = 0;
      if (state.paused()) {
        Instant since = state.since() != null ? state.since() : firstSeenPaused.getOrDefault(key, now);
        stillPaused.put(key, firstSeenPaused.getOrDefault(key, now));
        seconds = Duration.between(since, now).toMillis() / 1e3;
      }
      rows.add(MultiGauge.Row.of(Tags.of("management_cluster", managementCluster, "hosted_cluster_namespace",
          key.namespace, "hosted_cluster", key.name), seconds));
    }
    firstSeenPaused.keySet().retainAll(stillPaused.keySet());
    stillPaused.forEach(firstSeenPaused::putIfAbsent);
    paused.register(rows, true);
  }
}
