package io.flotilla.hub.metrics;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.common.metrics.ComponentMetrics;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * hub-manager's metrics in Prometheus format: the fleet series ({@link FleetMetrics}), recomputed from the hub's
 * objects at each scrape, plus build info and the JVM's. {@link #serve} puts them at {@code GET /metrics} over plain
 * HTTP. Every replica serves the same fleet series (they read the same objects); alerts aggregate with max by.
 */
public final class HubMetrics extends ComponentMetrics {
  public static final String COMPONENT = "hub-manager";

  private final Supplier<FleetState> state;
  private final FleetMetrics fleet;

  /** @param state read at each scrape */
  public HubMetrics(Supplier<FleetState> state) {
    super(COMPONENT);
    this.state = Objects.requireNonNull(state, "state");
    this.fleet = new FleetMetrics(registry());
  }

  /**
   * Starts informers on the hub and serves {@code GET /metrics} at {@code address} until closed.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static HubMetrics serve(KubernetesClient hub, InetSocketAddress address) {
    FleetInformers informers = new FleetInformers(hub);
    HubMetrics metrics = new HubMetrics(informers);
    metrics.serveUntilClosed(informers, address);
    return metrics;
  }

  /** The fleet series, recomputed from the hub's objects. */
  @Override
  protected void refresh() {
    fleet.update(state.get());
  }
}
