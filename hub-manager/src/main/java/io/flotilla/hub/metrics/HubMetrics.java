package io.flotilla.hub.metrics;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.common.BuildInfo;
import io.flotilla.api.common.MetricsEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * hub-manager's metrics in Prometheus format: the fleet series ({@link FleetMetrics}), recomputed from the hub's
 * objects at each scrape, plus build info and the JVM's. {@link #serve} puts them at {@code GET /metrics} over plain
 * HTTP. Every replica serves the same fleet series (they read the same objects); alerts aggregate with max by.
 */
public final class HubMetrics implements AutoCloseable {
  static final String BUILD_INFO = "flotilla.build.info";
  public static final String COMPONENT = "hub-manager";

  private static final Logger log = LoggerFactory.getLogger(HubMetrics.class);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Supplier<FleetState> state;
  private final FleetMetrics fleet;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private AutoCloseable source;
  private MetricsEndpoint endpoint;

  /** @param state read at each scrape */
  public HubMetrics(Supplier<FleetState> state) {
    this.state = Objects.requireNonNull(state, "state");
    this.fleet = new FleetMetrics(registry);
    Gauge.builder(BUILD_INFO, () -> 1).description("1, with the Flotilla component and its version")
        .tags("component", COMPONENT, "version", BuildInfo.version()).register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Starts informers on the hub and serves {@code GET /metrics} at {@code address} until closed.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static HubMetrics serve(KubernetesClient hub, InetSocketAddress address) {
    FleetInformers informers = new FleetInformers(hub);
    HubMetrics metrics = new HubMetrics(informers);
    metrics.source = informers;
    try {
      metrics.start(address);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    return metrics;
  }

  /** Serves {@code GET /metrics} at {@code address}; port 0 picks a free port. */
  public synchronized void start(InetSocketAddress address) {
    if (endpoint != null) {
      throw new IllegalStateException("metrics already served");
    }
    MetricsEndpoint e = new MetricsEndpoint(COMPONENT, this::scrape);
    e.start(address);
    endpoint = e;
    log.info("hub-manager metrics at http://{}:{}{}", address.getHostString(), e.getPort(), MetricsEndpoint.PATH);
  }

  public synchronized int getPort() {
    if (endpoint == null) {
      throw new IllegalStateException("metrics not served");
    }
    return endpoint.getPort();
  }

  /** The page Prometheus reads: the fleet series recomputed from the current state, then everything in text format. */
  public synchronized String scrape() {
    fleet.update(state.get());
    return registry.scrape();
  }

  @Override
  public synchronized void close() {
    if (endpoint != null) {
      endpoint.close();
      endpoint = null;
    }
    if (source != null) {
      try {
        source.close();
      } catch (Exception e) {
        log.debug("closing the metrics informers failed: {}", e.toString());
      }
      source = null;
    }
    gc.close();
    registry.close();
  }
}
