package io.flotilla.agent.metrics;

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
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * spoke-agent's metrics in Prometheus format, recomputed from state at each scrape: the backup series of this
 * cluster's records ({@link BackupSeries}, the same names hub-manager exports for the whole fleet), how long each local
 * HostedCluster has been paused ({@link PausedSeries}), {@code flotilla_agent_up}, build info and the JVM's.
 * {@link #serve} puts them at {@code GET /metrics} over plain HTTP.
 */
public final class AgentMetrics implements AutoCloseable {
  static final String AGENT_UP = "flotilla.agent.up";
  static final String BUILD_INFO = "flotilla.build.info";
  public static final String COMPONENT = "spoke-agent";

  private static final Logger log = LoggerFactory.getLogger(AgentMetrics.class);

  private final String clusterName;
  private final Supplier<SpokeState> state;
  private final Clock clock;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final BackupSeries backups;
  private final PausedSeries paused;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private AutoCloseable source;
  private MetricsEndpoint endpoint;

  /**
   * @param clusterName this management cluster's name on the hub
   * @param state       read at each scrape
   */
  public AgentMetrics(String clusterName, Supplier<SpokeState> state, Clock clock) {
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.state = Objects.requireNonNull(state, "state");
    this.clock = Objects.requireNonNull(clock, "clock");
    backups = new BackupSeries(registry);
    paused = new PausedSeries(registry);
    Gauge.builder(AGENT_UP, () -> 1).description("1 while the agent runs and serves metrics")
        .tags("management_cluster", clusterName).register(registry);
    Gauge.builder(BUILD_INFO, () -> 1).description("1, with the Flotilla component and its version")
        .tags("component", COMPONENT, "version", BuildInfo.version()).register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * Starts informers (this cluster's namespace on the hub, HostedClusters locally) and serves {@code GET /metrics} at
   * {@code address} until closed.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static AgentMetrics serve(KubernetesClient hub, KubernetesClient local, String clusterName,
                                   InetSocketAddress address) {
    SpokeInformers informers = new SpokeInformers(hub, local, clusterName);
    AgentMetrics metrics = new AgentMetrics(clusterName, informers, Clock.systemUTC());
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
    log.info("spoke-agent metrics at http://{}:{}{}", address.getHostString(), e.getPort(), MetricsEndpoint.PATH);
  }

  public synchronized int getPort() {
    if (endpoint == null) {
      throw new IllegalStateException("metrics not served");
    }
    return endpoint.getPort();
  }

  /** The page Prometheus reads: the series recomputed from the current state, then everything in text format. */
  public synchronized String scrape() {
    SpokeState now = state.get();
    backups.update(now.backups());
    paused.update(clusterName, now.hostedClusters(), clock.instant());
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
