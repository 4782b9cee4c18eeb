package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** What every CLI command does against the hub: look a cluster up, name what exists, wait for a state. */
final class HubQueries {
  /** How often a wait looks again: quick enough for a progress bar, light on the API server. */
  static final Duration POLL = Duration.ofMillis(200);

  private HubQueries() {}

  /** How a wait ended: {@code reached} false means the timeout passed; {@code last} is the last state seen (may be null). */
  record Waited<T>(boolean reached, T last) {}

  /** The ManagementCluster, or a {@link BadInputException} naming the clusters there are. */
  static ManagementCluster requireCluster(KubernetesClient hub, String cluster) {
    BackupRequest.requireClusterName(cluster);
    ManagementCluster mc = hub.resources(ManagementCluster.class).withName(cluster).get();
    if (mc == null) {
      throw new BadInputException("no management cluster \"" + cluster + "\" on the hub (have: "
          + names(hub.resources(ManagementCluster.class).list().getItems()) + ")");
    }
    return mc;
  }

  /** Reads every {@link #POLL} until {@code done} holds or {@code timeout} passes; {@code observe} sees every read. */
  static <T> Waited<T> poll(Duration timeout, Supplier<T> read, Predicate<T> done, Consumer<T> observe, String what) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      T now = read.get();
      observe.accept(now);
      if (done.test(now)) {
        return new Waited<>(true, now);
      }
      if (Instant.now().isAfter(deadline)) {
        return new Waited<>(false, now);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  static String names(List<? extends HasMetadata> items) {
    return items.isEmpty() ? "none" : String.join(", ", items.stream().map(i -> i.getMetadata().getName()).sorted().toList());
  }
}
