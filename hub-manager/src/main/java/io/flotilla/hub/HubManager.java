package io.flotilla.hub;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.flotilla.hub.addon.FleetAddOnReconciler;
import io.flotilla.hub.addon.ManagedAddOnReconciler;
import io.flotilla.hub.cluster.ClusterAvailability;
import io.flotilla.hub.cluster.ManagementClusterReconciler;
import io.flotilla.hub.cluster.ocm.ClusterSource;
import io.flotilla.hub.cluster.ocm.ManagedClusterReconciler;
import io.flotilla.hub.cluster.selection.ClusterSelections;
import io.flotilla.hub.dr.migration.HostedClusterMigrationReconciler;
import io.flotilla.hub.dr.policy.BackupPolicyReconciler;
import io.flotilla.hub.webhook.AdmissionWebhook;
import io.flotilla.hub.webhook.AdmissionWebhookConfig;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The hub-manager: a JOSDK Operator on the hub client (SSA off, the client stays open on stop) with the
 * ManagementCluster controller and the add-on controllers (FleetAddOn, ManagedAddOn), leader-elected through the Lease
 * {@value #LEADER_LEASE}.
 *
 * <p>Cluster source ({@link HubManagerConfig#clusterSource()}, decided once at start): on an OCM hub it also runs
 * ManagedClusterReconciler (ManagementClusters from OCM's ManagedClusters), combines availability with OCM's, reads
 * placementRefs' PlacementDecisions and waits for a migrated hosted cluster's ManagedCluster to come back.
 *
 * <p>Leadership: JOSDK 5.2.3 calls System.exit(1) when leadership stops unless
 * {@code LeaderElectionConfigurationBuilder.withExitOnStopLeading(false)}. It also "stops leading" when the operator
 * itself is stopped, so JOSDK's exit is always switched off here and this class exits only when leadership is lost
 * while running and {@link HubManagerConfig#exitOnLostLeadership()} is set. JOSDK also leaves the Lease naming this
 * instance when it stops; {@link #close()} releases it (see {@link LeaderLease}).
 */
public class HubManager implements AutoCloseable {
  public static final String LEADER_LEASE = "flotilla-hub-manager";

  private static final Logger log = LoggerFactory.getLogger(HubManager.class);

  private final KubernetesClient hub;
  private final HubManagerConfig config;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean lostLeadership = new AtomicBoolean();
  private final AdmissionWebhookConfig webhookConfig;
  private Operator operator;
  private AdmissionWebhook webhook;
  private volatile boolean readsOcm;

  public HubManager(KubernetesClient hub, HubManagerConfig config) {
    this(hub, config, null);
  }

  /** @param webhook the admission webhook's settings; null runs without a webhook */
  public HubManager(KubernetesClient hub, HubManagerConfig config, AdmissionWebhookConfig webhook) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.config = Objects.requireNonNull(config, "config");
    this.webhookConfig = webhook;
  }

  /** The running admission webhook, or null. */
  public synchronized AdmissionWebhook webhook() { return webhook; }

  public HubManagerConfig config() { return config; }

  /** True once started on an OCM hub (cluster source ocm, or auto on a hub that serves ManagedClusters). */
  public boolean readsOcm() { return readsOcm; }

  /** True while this instance holds the leader lease (always true without leader election once started). */
  public boolean isLeader() { return leading.get(); }

  /** True if this instance lost leadership while running (only observable with exitOnLostLeadership=false). */
  public boolean hasLostLeadership() { return lostLeadership.get(); }

  public synchronized void start() {
    if (operator != null) {
      throw new IllegalStateException("hub-manager already started");
    }
    if (config.leaderElection()) {
      ensureNamespace(config.leaseNamespace());
    }
    boolean ocm = config.clusterSource() != ClusterSource.STANDALONE
        && config.clusterSource().readsOcm(ClusterSource.servesManagedClusters(hub));
    if (!ocm && config.clusterPlacement() != null) {
      log.warn("--cluster-placement {} ignored: this hub-manager does not read OCM (cluster source {})",
          config.clusterPlacement(), config.clusterSource());
    }
    ClusterSelections selections = ocm ? ClusterSelections.ocm(hub) : ClusterSelections.standalone(hub);
    Operator op = new Operator(o -> {
      o.withKubernetesClient(hub)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withCloseClientOnStop(false);
      if (config.leaderElection()) {
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEADER_LEASE)
            .withLeaseNamespace(config.leaseNamespace())
            .withIdentity(config.identity())
            .withExitOnStopLeading(false)
            .withLeaderCallbacks(new LeaderCallbacks(this::onStartLeading, this::onStopLeading,
                HubManager::onNewLeader))
            .build());
      }
    });
    op.register(new ManagementClusterReconciler(hub, new ClusterAvailability(config.graceHeartbeats()),
        config.defaultLeaseDuration(), java.time.Clock.systemUTC(), ocm));
    if (ocm) {
      // a ManagementCluster for every hosting cluster (and every cluster --cluster-placement chose), no cluster add
      op.register(new ManagedClusterReconciler(hub, config.clusterPlacement()));
    }
    op.register(new FleetAddOnReconciler(hub, selections));
    op.register(new ManagedAddOnReconciler(hub));
    // backup policies: each cluster's effective schedule, retention, RPO compliance; re-checked every 30 s
    op.register(new BackupPolicyReconciler(hub, selections));
    // stores: the active key id and the retired ones in status (ids only; the keys are on the spokes)
    op.register(new io.flotilla.hub.dr.store.BackupStoreReconciler(hub));
    // migrations and fail-overs: at most 2 restores onto one destination at once, re-checked every 30 s while running
    op.register(new HostedClusterMigrationReconciler(hub, java.time.Clock.systemUTC(),
        io.flotilla.hub.dr.migration.MigrationPlanner.DEFAULT_MAX_CONCURRENT_RESTORES,
        HostedClusterMigrationReconciler.DEFAULT_RECHECK, ocm, config.reimportTimeout()));
    // Every replica serves admission (the TLS Secret coordinates them), not only the leader.
    if (webhookConfig != null) {
      webhook = new AdmissionWebhook(hub, webhookConfig, java.time.Clock.systemUTC(),
          java.util.List.of(new io.flotilla.hub.webhook.DrAdmission(hub.getKubernetesSerialization()).endpoint()));
      webhook.start();
    }
    op.start();
    if (!config.leaderElection()) {
      leading.set(true);
    }
    operator = op;
    readsOcm = ocm;
    log.info("hub-manager started (identity {}, leader election {}, grace {} heartbeats, clusters {})",
        config.identity(), config.leaderElection() ? "on, lease " + config.leaseNamespace() + "/" + LEADER_LEASE : "off",
        config.graceHeartbeats(), ocm ? "from OCM (cluster source " + config.clusterSource()
            + (config.clusterPlacement() == null ? "" : ", placement " + config.clusterPlacement()) + ") and cluster add"
            : "from cluster add (cluster source " + config.clusterSource() + ")");
  }

  private void onStartLeading() {
    leading.set(true);
    log.info("hub-manager {} is now the leader", config.identity());
  }

  private static void onNewLeader(String leader) {
    // a released Lease has no holder until the next replica takes it
    if (leader != null) {
      log.info("hub-manager leader is {}", leader);
    }
  }

  private void onStopLeading() {
    leading.set(false);
    if (closing.get()) {
      return;
    }
    lostLeadership.set(true);
    if (config.exitOnLostLeadership()) {
      log.error("hub-manager {} lost leadership; exiting", config.identity());
      System.exit(1);
    }
    log.warn("hub-manager {} lost leadership; configured not to exit (controllers keep running until close())",
        config.identity());
  }

  /** After Operator.stop(): its elector no longer renews, so the Lease can be handed over (see {@link LeaderLease}). */
  private void releaseLeadership() {
    try {
      switch (LeaderLease.release(hub, config.leaseNamespace(), LEADER_LEASE, config.identity())) {
        case RELEASED -> log.info("hub-manager {} released the leader lease {}/{}", config.identity(),
            config.leaseNamespace(), LEADER_LEASE);
        case CHANGED_MEANWHILE -> log.info("hub-manager {}: the leader lease changed while it was being released; "
            + "left as it is", config.identity());
        case NOT_HELD -> { }
      }
    } catch (KubernetesClientException e) {
      log.warn("hub-manager {} could not release the leader lease {}/{} ({}); the standby leads once it expires",
          config.identity(), config.leaseNamespace(), LEADER_LEASE, HubManagerMain.oneLine(e));
    }
  }

  private void ensureNamespace(String ns) {
    try {
      if (hub.namespaces().withName(ns).get() == null) {
        hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        log.info("created namespace {}", ns);
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /**
   * Stops taking work (the Operator, and with it the leader election), then gives up the leader Lease if this
   * instance holds it (the other replica then leads at once), and stops the admission webhook last: the Service may
   * route admission requests here until the endpoints drop this terminating pod.
   */
  @Override
  public synchronized void close() {
    closing.set(true);
    try {
      if (operator != null) {
        Operator op = operator;
        operator = null;
        op.stop();
        // only after a complete stop: an elector still renewing would take the released Lease straight back
        if (config.leaderElection()) {
          releaseLeadership();
        }
      }
    } finally {
      if (webhook != null) {
        webhook.close();
        webhook = null;
      }
      leading.set(false);
    }
  }
}
