package io.flotilla.agent.metrics;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.common.metrics.BackupSeries;
import io.flotilla.common.metrics.ComponentMetrics;
import io.micrometer.core.instrument.Gauge;

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
public final class AgentMetrics extends ComponentMetrics {
  static final String AGENT_UP = "flotilla.agent.up";
  public static final String COMPONENT = "spoke-agent";

  private final String clusterName;
  private final Supplier<SpokeState> state;
  private final Clock clock;
  private final BackupSeries backups;
  private final PausedSeries paused;

  /**
   * @param clusterName this management cluster's name on the hub
   * @param state       read at each scrape
   */
  public AgentMetrics(String clusterName, Supplier<SpokeState> state, Clock clock) {
    super(COMPONENT);
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.state = Objects.requireNonNull(state, "state");
    this.clock = Objects.requireNonNull(clock, "clock");
    backups = new BackupSeries(registry());
    paused = new PausedSeries(registry());
    Gauge.builder(AGENT_UP, () -> 1).description("1 while the agent runs and serves metrics")
        .tags("management_cluster", clusterName).register(registry());
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
    metrics.serveUntilClosed(informers, address);
    return metrics;
  }

  /** This cluster's backup series and how long each local HostedCluster has been paused, from current state. */
  @Override
  protected void refresh() {
    SpokeState now = state.get();
    backups.update(now.backups());
    paused.update(clusterName, now.hostedClusters(), clock.instant());
  }
}
