package io.flotilla.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.agent.backup.BackupController;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.addon.ManagedAddOnController;
import io.flotilla.agent.hub.Heartbeat;
import io.flotilla.agent.hostedcluster.HostedClusterPauseController;
import io.flotilla.agent.teardown.HostedClusterTeardownController;
import io.flotilla.agent.restore.RestoreController;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Objects;

/** The spoke-agent: checks that the hub knows this cluster, then heartbeats until closed. */
public class SpokeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpokeAgent.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final AgentConfig config;
  private final StoreConnector.S3Factory s3Factory;
  private Heartbeat heartbeat;
  private ManagedAddOnController addOns;
  private BackupController backups;
  private RestoreController restores;
  private HostedClusterPauseController holds;
  private HostedClusterTeardownController teardowns;

  public SpokeAgent(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this(hub, local, config, StoreConnector.AWS_SDK);
  }

  /** @param s3Factory how object-store clients are built (tests inject faults here) */
  public SpokeAgent(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3Factory) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.config = Objects.requireNonNull(config, "config");
    this.s3Factory = Objects.requireNonNull(s3Factory, "s3Factory");
  }

  public AgentConfig config() { return config; }

  /**
   * @throws UnknownClusterException  the hub has no ManagementCluster of this name
   * @throws HubUnreachableException  the hub cannot be reached or refuses the credentials
   */
  public synchronized void start() {
    if (heartbeat != null) {
      throw new IllegalStateException("agent already started");
    }
    ManagementCluster mc;
    try {
      mc = hub.resources(ManagementCluster.class).withName(config.clusterName()).get();
    } catch (KubernetesClientException e) {
      String url = hub.getConfiguration().getMasterUrl();
      if (e.getCode() == 401 || e.getCode() == 403) {
        throw new HubUnreachableException("the hub at " + url + " refused the agent's credentials (HTTP "
            + e.getCode() + ")", e);
      }
      if (e.getCode() == 404) {
        // the ManagementCluster CRD itself is missing: nothing is registered
        throw new UnknownClusterException(config.clusterName());
      }
      throw new HubUnreachableException("cannot reach the hub at " + url + ": " + rootMessage(e), e);
    }
    if (mc == null) {
      throw new UnknownClusterException(config.clusterName());
    }
    heartbeat = new Heartbeat(hub, local, config, identity(config.clusterName()));
    heartbeat.start();
    addOns = new ManagedAddOnController(hub, local, config.clusterName());
    addOns.start();
    backups = new BackupController(hub, local, config, s3Factory, identity(config.clusterName()));
    backups.start();
    restores = new RestoreController(hub, local, config, s3Factory);
    restores.start();
    holds = new HostedClusterPauseController(hub, local, config);
    holds.start();
    teardowns = new HostedClusterTeardownController(hub, local, config);
    teardowns.start();
    log.info("spoke-agent {} started for cluster {} (heartbeat every {} s unless the hub says otherwise)",
        config.version(), config.clusterName(), config.heartbeatInterval().toSeconds());
  }

  /** The restore controller, or null before start / after close. */
  public synchronized RestoreController restores() { return restores; }

  /** The backup controller, or null before start / after close. */
  public synchronized BackupController backups() { return backups; }

  /** The add-on controller, or null before start / after close. */
  public synchronized ManagedAddOnController addOns() { return addOns; }

  /** The running heartbeat, or null before start / after close. */
  public synchronized Heartbeat heartbeat() { return heartbeat; }

  @Override
  public synchronized void close() {
    if (teardowns != null) {
      teardowns.close();
      teardowns = null;
    }
    if (holds != null) {
      holds.close();
      holds = null;
    }
    if (restores != null) {
      restores.close();
      restores = null;
    }
    if (addOns != null) {
      addOns.close();
      addOns = null;
    }
    if (backups != null) {
      backups.close();
      backups = null;
    }
    if (heartbeat != null) {
      heartbeat.close();
      heartbeat = null;
      log.info("spoke-agent for cluster {} stopped", config.clusterName());
    }
  }

  static String identity(String cluster) {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        host = "unknown";
      }
    }
    return "flotilla-agent/" + cluster + "@" + host;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
        break;
      }
      t = t.getCause();
    }
    // The JDK HTTP client reports a refused connection as a message-less ConnectException/ClosedChannelException.
    if ((t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException)
        && (t.getMessage() == null || t.getMessage().isBlank())) {
      return "connection refused";
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
