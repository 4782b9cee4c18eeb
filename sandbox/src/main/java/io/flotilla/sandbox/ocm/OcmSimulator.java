package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Simulates Open Cluster Management on the sandbox's hub and management clusters, as docs/ocm-facts.md describes it
 * (Part 2, §I2, §I6). Each upstream controller is a class of its own; this class wires them to the API servers' events:
 * <ul>
 *   <li>on the hub, OCM's registration hub ({@link RegistrationController}: acceptance, cluster namespace, lease
 *       expiry, automatic taints, clean-up), its cluster-set controllers ({@link ClusterSetController}: the default
 *       and global sets, ClusterSetEmpty, Bound) and its placement scheduler ({@link PlacementController});</li>
 *   <li>per management cluster, a {@link Klusterlet} (lease, Joined, Available, ClusterClaims) and the
 *       hypershift-addon's agent ({@link HostingClusterClaims}, {@link HostedClusterImport});</li>
 *   <li>per imported hosted cluster, its Hosted-mode klusterlet on the management cluster hosting it, as ACM's import
 *       controller deploys it.</li>
 * </ul>
 *
 * <p>Threading: informer callbacks and timers only enqueue. The hub controllers run on one worker thread (no locks);
 * the agents (klusterlets, add-on agents) on a second queue, each agent serialising its own work.
 */
public final class OcmSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OcmSimulator.class);

  /**
   * @param leaseDurationSeconds a management cluster's ManagedCluster spec.leaseDurationSeconds (OCM's default 60;
   *                             the sandbox uses its heartbeat, so an outage shows in seconds)
   * @param importRetry          how soon the hypershift-addon looks again at a HostedCluster whose control plane was
   *                             not yet available (OCM: one minute)
   * @param resync               how often every hub controller looks at everything (a safety net under the events)
   */
  public record Options(int leaseDurationSeconds, Duration importRetry, Duration resync, Clock clock) {
    public Options {
      if (leaseDurationSeconds < 1) {
        throw new IllegalArgumentException("leaseDurationSeconds must be at least 1");
      }
      Objects.requireNonNull(importRetry, "importRetry");
      Objects.requireNonNull(resync, "resync");
      Objects.requireNonNull(clock, "clock");
    }

    /** OCM's own defaults: 60 s leases, a one-minute import retry; a 10 s resync. */
    public static Options defaults() {
      return new Options(Ocm.DEFAULT_LEASE_DURATION_SECONDS, Duration.ofMinutes(1), Duration.ofSeconds(10),
          Clock.systemUTC());
    }

    public Options withLeaseDurationSeconds(int s) { return new Options(s, importRetry, resync, clock); }

    public Options withImportRetry(Duration d) { return new Options(leaseDurationSeconds, d, resync, clock); }
  }

  /** One management cluster: its klusterlet and its hypershift-addon agent. */
  private record ManagementCluster(String name, KubernetesClient client, Klusterlet klusterlet,
                                   HostingClusterClaims claims, HostedClusterImport imports,
                                   List<SharedIndexInformer<?>> informers) {}

  private final KubernetesClient hub;
  private final Options options;
  private final ControllerQueue hubQueue = new ControllerQueue("ocm-hub");
  private final ControllerQueue agents = new ControllerQueue("ocm-agents");
  private final RegistrationController registration;
  private final ClusterSetController clusterSets;
  private final PlacementController placements;
  private final Map<String, ManagementCluster> managementClusters = new ConcurrentHashMap<>();
  private final Map<String, Klusterlet> hostedKlusterlets = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final List<KubernetesClient> ownClients = new ArrayList<>();
  private boolean started;
  private boolean closed;

  public OcmSimulator(KubernetesClient hub) { this(hub, Options.defaults()); }

  public OcmSimulator(KubernetesClient hub, Options options) {
    this.hub = hub;
    this.options = options;
    this.registration = new RegistrationController(hub, options.clock());
    this.clusterSets = new ClusterSetController(hub, options.clock());
    this.placements = new PlacementController(hub, options.clock());
  }

  /** Starts the hub's controllers; idempotent. */
  public synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    hubQueue.enqueue("clustersets:defaults", clusterSets::ensureDefaultSets);
    informers.add(hub.resources(ManagedCluster.class).inform(handler(this::managedClusterChanged), 0));
    informers.add(hub.leases().inAnyNamespace().inform(handler((Lease l) -> {
      if (Ocm.LEASE_NAME.equals(l.getMetadata().getName())) {
        enqueueRegistration(l.getMetadata().getNamespace());
      }
    }), 0));
    informers.add(hub.resources(ManagedClusterSet.class).inform(handler(s -> {
      if (List.of(Ocm.DEFAULT_SET, Ocm.GLOBAL_SET).contains(s.getMetadata().getName())) {
        hubQueue.enqueue("clustersets:defaults", clusterSets::ensureDefaultSets);
      }
      enqueueSet(s.getMetadata().getName());
      enqueueAllBindings();
      enqueueAllPlacements();
    }), 0));
    informers.add(hub.resources(ManagedClusterSetBinding.class).inAnyNamespace().inform(handler(b -> {
      enqueueBinding(b.getMetadata().getNamespace(), b.getMetadata().getName());
      enqueuePlacements(b.getMetadata().getNamespace());
    }), 0));
    informers.add(hub.resources(Placement.class).inAnyNamespace().inform(handler(
        p -> enqueuePlacement(p.getMetadata().getNamespace(), p.getMetadata().getName())), 0));
    hubQueue.every(options.resync(), this::resync);
    LOG.info("OCM simulator started on the hub (lease {}s, grace {}s)", options.leaseDurationSeconds(),
        LeaseExpiry.gracePeriod(options.leaseDurationSeconds()).toSeconds());
  }

  /**
   * Imports a management cluster as ACM's import does and starts its agents: a ManagedCluster of that name accepted by
   * the hub ({@code hubAcceptsClient: true}, the options' lease duration, labels {@code name=<cluster>} plus
   * {@code labels}), its klusterlet, and the hypershift-addon's agent (the sandbox runs HyperShift on every management
   * cluster).
   *
   * @param spoke the management cluster's admin client; the agents use clients of their own built from its
   *              configuration
   * @return its klusterlet, running
   */
  public synchronized Klusterlet join(String cluster, KubernetesClient spoke, Map<String, String> labels) {
    if (managementClusters.containsKey(cluster)) {
      return managementClusters.get(cluster).klusterlet();
    }
    createManagedCluster(cluster, labels);
    KubernetesClient agentClient = agentClient(spoke);
    Klusterlet klusterlet = new Klusterlet(cluster, hub, new ManagedClusters.Spoke(agentClient), options.clock(), agents);
    HostingClusterClaims claims = new HostingClusterClaims(agentClient);
    HostedClusterImport imports = new HostedClusterImport(cluster, agentClient, hub);
    List<SharedIndexInformer<?>> watches = new ArrayList<>();
    ManagementCluster mc = new ManagementCluster(cluster, agentClient, klusterlet, claims, imports, watches);
    managementClusters.put(cluster, mc);
    agents.enqueue("addon:" + cluster + ":claims", claims::sync); // the agent creates its claims at start
    watches.add(agentClient.resources(HostedCluster.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override public void onAdd(HostedCluster hc) {
        // the informer's first list counts as creations: what the agent finds at start is imported too
        if (hc.getMetadata().getDeletionTimestamp() != null) {
          agents.enqueue(key(mc, "deleted", hc), () -> imports.deleted(hc, hc.getMetadata().getName()));
        } else {
          enqueueImport(mc, hc.getMetadata().getNamespace(), hc.getMetadata().getName());
        }
        hostedClusterChanged(mc);
      }

      @Override public void onUpdate(HostedCluster oldHc, HostedCluster hc) { hostedClusterChanged(mc); }

      @Override public void onDelete(HostedCluster hc, boolean deletedFinalStateUnknown) {
        agents.enqueue(key(mc, "deleted", hc), () -> imports.deleted(null, hc.getMetadata().getName()));
        hostedClusterChanged(mc);
      }
    }, 0));
    watches.add(agentClient.resources(ClusterClaim.class).inform(handler(c -> klusterlet.kick()), 0));
    klusterlet.start();
    LOG.info("OCM: management cluster {} imported; its klusterlet and hypershift-addon agent run", cluster);
    return klusterlet;
  }

  /**
   * The klusterlet of a ManagedCluster: a management cluster's, or an imported hosted cluster's (Hosted mode, on its
   * management cluster). Tests stop one to stop its lease ({@link Klusterlet#stop()}) and start it again.
   */
  public Klusterlet klusterlet(String cluster) {
    ManagementCluster mc = managementClusters.get(cluster);
    if (mc != null) {
      return mc.klusterlet();
    }
    Klusterlet hosted = hostedKlusterlets.get(cluster);
    if (hosted == null) {
      throw new IllegalArgumentException("no klusterlet for " + cluster + "; management clusters "
          + managementClusters.keySet() + ", hosted clusters " + hostedKlusterlets.keySet());
    }
    return hosted;
  }

  /** The management clusters joined, in no particular order. */
  public List<String> managementClusters() { return List.copyOf(managementClusters.keySet()); }

  public Options options() { return options; }

  // ---- events

  private void managedClusterChanged(ManagedCluster mc) {
    String name = mc.getMetadata().getName();
    enqueueRegistration(name);
    ManagementCluster management = managementClusters.get(name);
    if (management != null) {
      management.klusterlet().kick();
    }
    hubQueue.enqueue("hosted-klusterlet:" + name, () -> ensureHostedKlusterlet(name));
    hubQueue.enqueue("clustersets:all", this::enqueueAllSets);
    enqueueAllPlacements();
  }

  private void hostedClusterChanged(ManagementCluster mc) {
    agents.enqueue("addon:" + mc.name() + ":claims", mc.claims()::sync);
    hostedKlusterlets.values().forEach(Klusterlet::kick);
  }

  /**
   * ACM's import controller for a Hosted-mode ManagedCluster: its klusterlet runs on the management cluster its
   * {@code hosting-cluster-name} annotation names, once that one has joined; it goes with the ManagedCluster.
   */
  private void ensureHostedKlusterlet(String name) {
    ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
    if (mc == null || mc.getMetadata().getDeletionTimestamp() != null) {
      Klusterlet gone = hostedKlusterlets.remove(name);
      if (gone != null) {
        gone.stop();
      }
      return;
    }
    Map<String, String> a = mc.getMetadata().getAnnotations() == null ? Map.of() : mc.getMetadata().getAnnotations();
    ManagementCluster host = managementClusters.get(
        Objects.requireNonNullElse(a.get(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION), ""));
    if (host == null || !ManagedCluster.DEPLOY_MODE_HOSTED.equals(a.get(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION))
        || hostedKlusterlets.containsKey(name)) {
      return;
    }
    Klusterlet klusterlet = new Klusterlet(name, hub, new ManagedClusters.HostedControlPlane(host.client(), name),
        options.clock(), agents);
    hostedKlusterlets.put(name, klusterlet);
    klusterlet.start();
  }

  private void enqueueImport(ManagementCluster mc, String namespace, String name) {
    String key = "addon:" + mc.name() + ":import:" + namespace + "/" + name;
    agents.enqueue(key, () -> {
      if (mc.imports().imports(namespace, name)) {
        agents.enqueueAfter(key, () -> enqueueImport(mc, namespace, name), options.importRetry());
      }
    });
  }

  private void enqueueRegistration(String cluster) {
    String key = "registration:" + cluster;
    hubQueue.enqueue(key, () -> registration.sync(cluster).ifPresent(at ->
        hubQueue.enqueueAfter(key, () -> enqueueRegistration(cluster), until(at))));
  }

  private void enqueueSet(String name) { hubQueue.enqueue("clusterset:" + name, () -> clusterSets.syncSet(name)); }

  private void enqueueAllSets() {
    hub.resources(ManagedClusterSet.class).list().getItems().forEach(s -> enqueueSet(s.getMetadata().getName()));
  }

  private void enqueueBinding(String ns, String name) {
    hubQueue.enqueue("binding:" + ns + "/" + name, () -> clusterSets.syncBinding(ns, name));
  }

  private void enqueueAllBindings() {
    hubQueue.enqueue("bindings:all", () -> hub.resources(ManagedClusterSetBinding.class).inAnyNamespace().list()
        .getItems().forEach(b -> enqueueBinding(b.getMetadata().getNamespace(), b.getMetadata().getName())));
  }

  private void enqueuePlacement(String ns, String name) {
    String key = "placement:" + ns + "/" + name;
    hubQueue.enqueue(key, () -> placements.sync(ns, name).ifPresent(at ->
        hubQueue.enqueueAfter(key, () -> enqueuePlacement(ns, name), until(at))));
  }

  private void enqueuePlacements(String ns) {
    hubQueue.enqueue("placements:" + ns, () -> hub.resources(Placement.class).inNamespace(ns).list().getItems()
        .forEach(p -> enqueuePlacement(ns, p.getMetadata().getName())));
  }

  private void enqueueAllPlacements() {
    hubQueue.enqueue("placements:all", () -> hub.resources(Placement.class).inAnyNamespace().list().getItems()
        .forEach(p -> enqueuePlacement(p.getMetadata().getNamespace(), p.getMetadata().getName())));
  }

  private void resync() {
    hubQueue.enqueue("clustersets:defaults", clusterSets::ensureDefaultSets);
    for (ManagedCluster mc : hub.resources(ManagedCluster.class).list().getItems()) {
      enqueueRegistration(mc.getMetadata().getName());
      hubQueue.enqueue("hosted-klusterlet:" + mc.getMetadata().getName(),
          () -> ensureHostedKlusterlet(mc.getMetadata().getName()));
    }
    enqueueAllSets();
    enqueueAllBindings();
    enqueueAllPlacements();
  }

  /** From now until {@code at} on the simulator's clock, never negative; a little after, so the deadline has passed. */
  private Duration until(Instant at) {
    Duration d = Duration.between(options.clock().instant(), at).plusMillis(100);
    return d.isNegative() ? Duration.ZERO : d;
  }

  // ---- helpers

  private void createManagedCluster(String cluster, Map<String, String> labels) {
    if (hub.resources(ManagedCluster.class).withName(cluster).get() != null) {
      return;
    }
    Map<String, String> all = new LinkedHashMap<>(labels);
    all.put(Ocm.NAME_LABEL, cluster);
    ManagedCluster mc = new ManagedCluster();
    mc.setMetadata(new ObjectMetaBuilder().withName(cluster).withLabels(all).build());
    mc.getSpec().hubAcceptsClient = true;
    mc.getSpec().leaseDurationSeconds = options.leaseDurationSeconds();
    try {
      hub.resource(mc).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** A client like the admin one that does not retry: an agent must see a 503 as it happens. */
  private synchronized KubernetesClient agentClient(KubernetesClient admin) {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(admin.getConfiguration())
        .withRequestRetryBackoffLimit(0).withRequestTimeout(10_000).build()).build();
    ownClients.add(client);
    return client;
  }

  private static String key(ManagementCluster mc, String what, HasMetadata o) {
    return "addon:" + mc.name() + ":" + what + ":" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onEvent) {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(T obj) { onEvent.accept(obj); }

      @Override public void onUpdate(T oldObj, T newObj) { onEvent.accept(newObj); }

      @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { onEvent.accept(obj); }
    };
  }

  /** Stops every agent and controller; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    managementClusters.values().forEach(mc -> {
      mc.klusterlet().stop();
      mc.informers().forEach(SharedIndexInformer::close);
    });
    hostedKlusterlets.values().forEach(Klusterlet::stop);
    informers.forEach(SharedIndexInformer::close);
    agents.close();
    hubQueue.close();
    ownClients.forEach(KubernetesClient::close);
  }
}
