package io.flotilla.common.metrics;

import io.flotilla.common.BuildInfo;
import io.flotilla.common.MetricsEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
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

/**
 * What hub-manager's and spoke-agent's metrics share: a Prometheus registry with build info and the JVM's meters, the
 * plain-HTTP {@code GET /metrics} endpoint, and the lifecycle of the informers the series are computed from. A
 * subclass registers its series and recomputes them from state in {@link #refresh()}, called at every scrape.
 * (Micrometer is an optional dependency of the api module: only the two deployables that export metrics load this.)
 */
public abstract class ComponentMetrics implements AutoCloseable {
  public static final String BUILD_INFO = "flotilla.build.info";
  private static final Logger log = LoggerFactory.getLogger(ComponentMetrics.class);

  private final String component;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private AutoCloseable source;
  private MetricsEndpoint endpoint;

  protected ComponentMetrics(String component) {
    this.component = component;
    Gauge.builder(BUILD_INFO, () -> 1).description("1, with the Flotilla component and its version")
        .tags("component", component, "version", BuildInfo.version()).register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  protected final MeterRegistry registry() { return registry; }

  /** Recomputes the component's series from the current state; called with the lock held before each scrape. */
  protected abstract void refresh();

  /**
   * Serves {@code GET /metrics} at {@code address} (port 0 picks a free port), closing {@code source} (the informers
   * the state comes from) with this; on failure closes everything and rethrows.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  protected final void serveUntilClosed(AutoCloseable source, InetSocketAddress address) {
    synchronized (this) {
      this.source = source;
    }
    try {
      start(address);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Serves {@code GET /metrics} at {@code address}; port 0 picks a free port. */
  public synchronized void start(InetSocketAddress address) {
    if (endpoint != null) {
      throw new IllegalStateException("metrics already served");
    }
    MetricsEndpoint e = new MetricsEndpoint(component, this::scrape);
    e.start(address);
    endpoint = e;
    log.info("{} metrics at http://{}:{}{}", component, address.getHostString(), e.getPort(), MetricsEndpoint.PATH);
  }

  public synchronized int getPort() {
    if (endpoint == null) {
      throw new IllegalStateException("metrics not served");
    }
    return endpoint.getPort();
  }

  /** The page Prometheus reads: the series recomputed from the current state, then everything in text format. */
  public synchronized String scrape() {
    refresh();
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
