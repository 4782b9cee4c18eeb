package io.flotilla.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.agent.backup.HostedClusterBackupReconciler;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.addon.ManagedAddOnReconciler;
import io.flotilla.agent.hub.Heartbeat;
import io.flotilla.agent.hostedcluster.HostedClusterPauseReconciler;
import io.flotilla.agent.teardown.HostedClusterTeardownReconciler;
import io.flotilla.agent.restore.HostedClusterRestoreReconciler;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.agent.schedule.ScheduleCache;
import io.flotilla.agent.schedule.ScheduledBackups;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The spoke-agent: checks that the hub knows this cluster, then heartbeats until closed. */
public class SpokeAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpokeAgent.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final AgentConfig config;
  private final StoreConnector.S3Factory s3Factory;
  private Heartbeat heartbeat;
  private ManagedAddOnReconciler addOns;
  private AgentOperator operator;
  private HostedClusterBackupReconciler backups;
  private HostedClusterRestoreReconciler restores;
  private ScheduledBackups schedule;
  private ScheduledExecutorService hubRetry;
  private HostedClusterPauseReconciler pauses;
  private io.flotilla.agent.backup.CatalogSyncer catalog;
  private HostedClusterTeardownReconciler teardowns;

  public SpokeAgent(KubernetesClient hub, KubernetesClient local, AgentConfig config) {
    this(hub, local, config, StoreConnector.AWS_SDK);
  }

  /** @param s3Factory how object-store clients are built (tests inject faults here) */
  public SpokeAgent(KubernetesClient hub, KubernetesClient local, AgentConfig config, StoreConnector.S3Factory s3Factory) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    Objects.requireNonNull(config, "config");
    // One AgentWork per agent: a config whose work was stopped with an earlier agent gets fresh locks and signal.
    this.config = config.work().stop().requested() ? config.withWork(config.work().renewed()) : config;
    this.s3Factory = Objects.requireNonNull(s3Factory, "s3Factory");
  }

  public AgentConfig config() { return config; }

  /**
   * @throws UnknownClusterException  the hub has no ManagementCluster of this name
   * @throws HubUnreachableException  the hub cannot be reached or refuses the credentials
   */
  public synchronized void start() {
    if (heartbeat != null || schedule != null) {
      throw new IllegalStateException("agent already started");
    }
    try {
      joinHub();
    } catch (HubUnreachableException e) {
      // DR must not depend on the hub (docs/architecture.md, Topology): with a schedule copy on the spoke, an agent (re)started
      // during a hub outage keeps taking scheduled backups, and joins the hub when it answers.
      if (!ScheduleCache.localCopyExists(local, config.backup().agentNamespace())) {
        throw e;
      }
      schedule = new ScheduledBackups(hub, local, config, s3Factory, identity(config.clusterName()));
      schedule.start();
      log.warn("{}; running the local backup schedule and trying the hub again every {} s", e.getMessage(),
          config.heartbeatInterval().toSeconds());
      retryJoin();
      return;
    }
    schedule = new ScheduledBackups(hub, local, config, s3Factory, identity(config.clusterName()));
    schedule.start();
  }

  /** The hub-side half of start: check the registration, then heartbeat and watch the cluster's records. */
  private void joinHub() {
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
    // the bucket is the source of truth: records of this cluster's backups the hub lacks are recreated from it
    catalog = new io.flotilla.agent.backup.CatalogSyncer(hub, local, config, s3Factory);
    catalog.start();
    addOns = new ManagedAddOnReconciler(hub, local, config.clusterName());
    // the records in this cluster's namespace: one JOSDK operator, one reconciler per kind
    backups = new HostedClusterBackupReconciler(hub, local, config, s3Factory, identity(config.clusterName()));
    backups.recoverJournal();
    backups.sweepDrills();
    restores = new HostedClusterRestoreReconciler(hub, local, config, s3Factory);
    pauses = new HostedClusterPauseReconciler(hub, local, config);
    teardowns = new HostedClusterTeardownReconciler(hub, local, config);
    operator = new AgentOperator(hub, config.clusterName())
        .register(backups, HostedClusterBackupReconciler.NAME, HostedClusterBackup.OBJECTS_FINALIZER)
        .register(restores, HostedClusterRestoreReconciler.NAME, null)
        .register(pauses, HostedClusterPauseReconciler.NAME, HostedClusterPause.RELEASE_FINALIZER)
        .register(teardowns, HostedClusterTeardownReconciler.NAME, null)
        .register(addOns, ManagedAddOnReconciler.NAME, null, addOns.resync(), true);
    operator.start();
    log.info("spoke-agent {} started for cluster {} (heartbeat every {} s unless the hub says otherwise)",
        config.version(), config.clusterName(), config.heartbeatInterval().toSeconds());
  }

  /** Started without the hub: join it once it answers (scheduled backups meanwhile run from the local copy). */
  private void retryJoin() {
    hubRetry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "hub-join-" + config.clusterName());
      t.setDaemon(true);
      return t;
    });
    long every = config.heartbeatInterval().toMillis();
    hubRetry.scheduleWithFixedDelay(() -> {
      synchronized (this) {
        if (heartbeat != null || hubRetry == null) {
          return;
        }
        try {
          joinHub();
          hubRetry.shutdown();
        } catch (HubUnreachableException e) {
          log.debug("hub still unreachable: {}", e.getMessage());
        } catch (RuntimeException e) {
          log.error("cannot join the hub ({}); scheduled backups go on from the local copy", e.getMessage());
          hubRetry.shutdown();
        }
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  private void closeSchedule() {
    if (schedule != null) {
      schedule.close();
      schedule = null;
    }
  }

  /** The scheduled backups, or null before start / after close. */
  public synchronized ScheduledBackups schedule() { return schedule; }

  /** The restore reconciler, or null before start / after close. */
  public synchronized HostedClusterRestoreReconciler restores() { return restores; }

  /** The backup reconciler, or null before start / after close. */
  public synchronized HostedClusterBackupReconciler backups() { return backups; }

  /** The add-on reconciler, or null before start / after close. */
  public synchronized ManagedAddOnReconciler addOns() { return addOns; }

  /** The running heartbeat, or null before start / after close. */
  public synchronized Heartbeat heartbeat() { return heartbeat; }

  /**
   * Stops the agent (SIGTERM, see SpokeAgentMain): first the stop request, so running work begins to finish or undo what
   * it started (a backup resumes its hosted cluster, aborts its upload and is recorded Failed/AgentStopped; a restore
   * is recorded Failed/AgentStopped for the hub to act on), then each controller stops taking work and waits for its
   * work within what is left of the one grace budget, and the heartbeat goes last.
   */
  @Override
  public synchronized void close() {
    config.work().requestStop();
    if (hubRetry != null) {
      hubRetry.shutdownNow();
      hubRetry = null;
    }
    if (operator != null) {
      operator.close(); // no new reconciles; the work already running is drained below
      operator = null;
    }
    if (catalog != null) {
      catalog.close();
      catalog = null;
    }
    if (teardowns != null) {
      teardowns.close();
      teardowns = null;
    }
    if (pauses != null) {
      pauses.close();
      pauses = null;
    }
    if (restores != null) {
      restores.close();
      restores = null;
    }
    addOns = null; // nothing of its own runs once the operator stopped
    if (backups != null) {
      backups.close();
      backups = null;
    }
    closeSchedule();
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
