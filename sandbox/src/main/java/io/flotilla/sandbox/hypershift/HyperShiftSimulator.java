package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Simulates the HyperShift operator, the control-plane operator and, for the Agent platform, Cluster API,
 * cluster-api-provider-agent and assisted-service on one management cluster, as docs/hypershift-facts.md describes them.
 * Each upstream controller is a class of its own; this class wires them to the API server's events:
 * <ul>
 *   <li>{@link HostedClusterController}: a control plane per HostedCluster (namespace {@code <ns>-<name>},
 *       HostedControlPlane, CAPI Cluster, AgentCluster, API-server and CAPI Deployments, PKI Secrets),
 *       {@code pausedUntil} (§1.3), and deletion as HyperShift does it (§1.3 "Important for deletion", §3);</li>
 *   <li>{@link HostedControlPlaneController}: a real etcd per control plane, restored at creation from
 *       {@code restoreSnapshotURL} by etcd-init, {@code EtcdSnapshotRestored} (§1.4);</li>
 *   <li>{@link KubeApiServers}: once etcd-init has restored a control plane, its kube-apiserver writing to etcd as a
 *       running one does, paused or not: Leases, events, endpoints, a compaction every 5 minutes (§8);</li>
 *   <li>{@link NodePoolController}: NodePool workers, Machine → AgentMachine → Agent bound to the ClusterDeployment,
 *       on hosts of a fleet-wide {@link HostRegistry} (§3), through the {@link AgentPlatform}'s controllers;</li>
 *   <li>Kubernetes' {@link GarbageCollector} and {@link NamespaceController}, which the mock API server lacks.</li>
 * </ul>
 *
 * <p>Threading: informer callbacks only enqueue on the {@link WorkQueue}, whose one worker thread runs every
 * reconcile, so the logic needs no locks; etcd is provisioned on a thread of its own (restore, start and seed can take
 * many seconds), which re-enqueues the HostedCluster when done. Every reconcile re-reads the objects it needs
 * (level-triggered).
 */
public final class HyperShiftSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HyperShiftSimulator.class);

  /** Where the Agents (hosts) of a hosted cluster live when {@code spec.platform.agent.agentNamespace} is not set. */
  public static final String DEFAULT_AGENT_NAMESPACE = "hardware-inventory";
  /**
   * {@code EtcdSnapshotRestored=False}: etcd-init failed (download error, an XML error body, a corrupt snapshot). Real
   * HyperShift reports the init container's termination reason (usually {@code Error}) without a message; the sandbox
   * names it and says why. Either way the condition is final: a failed restore is deleted and re-created (§6.5).
   */
  public static final String REASON_ETCD_RESTORE_FAILED = "EtcdRestoreFailed";
  /**
   * {@code EtcdSnapshotRestored=False} on the HostedCluster: restoreSnapshotURL was added, removed or changed after
   * creation. The real API server rejects that (CEL, §1.4); the mock accepts it, so the simulator ignores the change,
   * keeps acting on the value it saw first, and says so.
   */
  public static final String REASON_RESTORE_URL_IMMUTABLE = "RestoreSnapshotURLImmutable";
  /** {@code EtcdSnapshotRestored=False}: more than one URL, longer than 1024 characters, or not https:// (§1.4 CEL). */
  public static final String REASON_INVALID_RESTORE_URL = "InvalidRestoreSnapshotURL";
  /** {@code EtcdSnapshotRestored=False}: an s3:// URL, which the sandbox's etcd-init cannot download. */
  public static final String REASON_UNSUPPORTED_RESTORE_URL = "UnsupportedRestoreSnapshotURL";
  /** A safety net under the event-driven queue (a controller's resync period). */
  private static final Duration RESYNC = Duration.ofSeconds(10);

  private final String managementClusterName;
  private final KubernetesClient client;
  private final HostRegistry hosts;
  private final WorkQueue queue;
  private final ControlPlanes controlPlanes = new ControlPlanes();
  private final KubeApiServers kubeApiServers;
  private final AgentPlatform platform;
  private final HostedControlPlaneController hostedControlPlanes;
  private final NodePoolController nodePools;
  private final HostedClusterController hostedClusters;
  private final GarbageCollector garbageCollector;
  private final NamespaceController namespaces;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private boolean started;

  /** A simulator with its own host registry and the JDK's default trust for restore URLs. */
  public HyperShiftSimulator(String managementClusterName, KubernetesClient client, Path workDir,
                             long seedBytesPerHostedCluster) {
    this(managementClusterName, client, workDir, seedBytesPerHostedCluster, new HostRegistry(), null);
  }

  /**
   * @param hosts              the fleet's physical hosts, shared by every management cluster's simulator
   * @param extraTrustedCaPem  CA certificates (PEM, one or more) trusted for https:// restore URLs in addition to the
   *                           JDK's default trust, e.g. the CA of the agent's restore-serving endpoint; may be null
   */
  public HyperShiftSimulator(String managementClusterName, KubernetesClient client, Path workDir,
                             long seedBytesPerHostedCluster, HostRegistry hosts, String extraTrustedCaPem) {
    this.managementClusterName = managementClusterName;
    this.client = client;
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    HttpClient http = HttpClient.newBuilder().sslContext(sslContext(extraTrustedCaPem))
        .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    this.queue = new WorkQueue(managementClusterName);
    this.platform = new AgentPlatform(managementClusterName, client, hosts, this::agentNamespaceOf);
    this.kubeApiServers = new KubeApiServers(managementClusterName, client, hosts);
    this.hostedControlPlanes = new HostedControlPlaneController(managementClusterName, client, workDir,
        seedBytesPerHostedCluster, http, controlPlanes, queue, kubeApiServers, this::enqueueHostedCluster);
    this.nodePools = new NodePoolController(client, queue, controlPlanes, platform);
    this.hostedClusters = new HostedClusterController(managementClusterName, client, workDir, controlPlanes, queue,
        hostedControlPlanes, kubeApiServers, nodePools, platform);
    this.garbageCollector = new GarbageCollector(managementClusterName, client);
    this.namespaces = new NamespaceController(managementClusterName, client, this::reconcileNamespaceControllers);
  }

  public synchronized void start() {
    if (started) {
      return;
    }
    hostedControlPlanes.start(); // fails fast, with the install hint, when etcd is missing
    started = true;
    informers.add(client.resources(HostedCluster.class).inAnyNamespace().inform(handler(
        hc -> enqueueHostedCluster(hc.getMetadata().getNamespace(), hc.getMetadata().getName())), 0));
    informers.add(client.resources(NodePool.class).inAnyNamespace().inform(handler(np -> {
      nodePools.enqueue(np.getMetadata().getNamespace(), np.getMetadata().getName());
      if (np.getSpec() != null && np.getSpec().clusterName != null) {
        enqueueHostedCluster(np.getMetadata().getNamespace(), np.getSpec().clusterName);
      }
    }), 0));
    for (Class<? extends HasMetadata> kind : List.of(HostedControlPlane.class, Cluster.class, Machine.class,
        AgentMachine.class, AgentCluster.class, ClusterDeployment.class)) {
      informers.add(client.resources(kind).inAnyNamespace().inform(handler(
          o -> enqueueControlPlaneNamespace(o.getMetadata().getNamespace())), 0));
    }
    informers.add(client.apps().deployments().inAnyNamespace().inform(handler((Deployment d) -> {
      String name = d.getMetadata().getName();
      if (AgentPlatform.CAPI_MANAGER.equals(name) || AgentPlatform.CAPI_PROVIDER.equals(name)
          || KubeApiServers.DEPLOYMENT.equals(name)) {
        enqueueControlPlaneNamespace(d.getMetadata().getNamespace());
      }
    }), 0));
    informers.add(client.resources(Agent.class).inAnyNamespace().inform(handler(a -> {
      queue.enqueue("agent:" + a.getMetadata().getNamespace() + "/" + a.getMetadata().getName(),
          () -> platform.observeAgent(a.getMetadata().getNamespace(), a.getMetadata().getName()));
      if (a.getSpec() != null && a.getSpec().clusterDeploymentName != null && a.getSpec().clusterDeploymentName.namespace != null) {
        enqueueControlPlaneNamespace(a.getSpec().clusterDeploymentName.namespace); // e.g. an AgentMachine finds its Agent
      }
    }), 0));
    informers.add(client.namespaces().inform(new ResourceEventHandler<>() {
      @Override public void onAdd(Namespace ns) { }

      @Override public void onUpdate(Namespace oldNs, Namespace newNs) { }

      @Override public void onDelete(Namespace ns, boolean deletedFinalStateUnknown) {
        String name = ns.getMetadata().getName();
        queue.enqueue("namespace-deleted:" + name, () -> namespaceDeleted(name));
      }
    }, 0));
    queue.every(RESYNC, this::resync);
    LOG.info("HyperShift simulator started on {}", managementClusterName);
  }

  public Optional<EtcdProcess> etcdFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(namespace, name)).filter(c -> c.ready).map(c -> c.etcd);
  }

  public Optional<EtcdTls> tlsFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(namespace, name)).map(c -> c.tls);
  }

  /** The fleet's physical hosts, as this simulator sees and changes them. */
  public HostRegistry hosts() { return hosts; }

  /**
   * Racks {@code count} new hosts and boots them into discovery on this management cluster: unbound, approved Agents in
   * {@code agentNamespace} (an InfraEnv namespace; see {@link #DEFAULT_AGENT_NAMESPACE}), named by the host's UUID.
   * NodePool workers take free Agents from their hosted cluster's {@code spec.platform.agent.agentNamespace}; with none
   * free a new worker waits, as on the real Agent platform, so add hosts before creating or scaling up a NodePool.
   */
  public List<io.flotilla.sandbox.workers.Host> addHosts(String agentNamespace, int count, String hostnamePrefix) {
    return platform.addHosts(agentNamespace, count, hostnamePrefix);
  }

  /**
   * A fault for tests: etcd-init on this management cluster cannot download restore snapshots (as behind a firewall),
   * so a restore here ends with {@code EtcdSnapshotRestored=False}, reason {@value #REASON_ETCD_RESTORE_FAILED}.
   */
  public void blockRestoreDownloads(boolean blocked) {
    hostedControlPlanes.blockRestoreDownloads(blocked);
  }

  /**
   * How often the kube-apiservers of restored control planes started from now on write and compact
   * (docs/hypershift-facts.md §8); {@link KubeApiServerCadence#DEFAULTS} unless a test asks for shorter intervals.
   */
  public void kubeApiServerCadence(KubeApiServerCadence cadence) {
    kubeApiServers.cadence(cadence);
  }

  /** One pass of every controller that lives in a control-plane namespace; true when it changed anything. */
  private boolean reconcileNamespaceControllers(String ns) {
    boolean progressed = hostedControlPlanes.releaseDeleted(ns);
    progressed |= garbageCollector.collect(ns);
    progressed |= platform.reconcile(ns);
    return progressed;
  }

  private void reconcileControlPlaneNamespace(String ns) {
    reconcileNamespaceControllers(ns);
    controlPlanes.hostedClusterOf(ns).ifPresent(hc -> {
      enqueueHostedCluster(hc.namespace, hc.name);
      nodePools.nodePoolsOf(hc.namespace, hc.name).forEach(np -> nodePools.enqueue(hc.namespace, np.getMetadata().getName()));
    });
  }

  private void namespaceDeleted(String ns) {
    namespaces.deleted(ns);
    hostedControlPlanes.namespaceDeleted(ns);
  }

  private void resync() {
    for (HostedCluster hc : client.resources(HostedCluster.class).inAnyNamespace().list().getItems()) {
      enqueueHostedCluster(hc.getMetadata().getNamespace(), hc.getMetadata().getName());
    }
    controlPlanes.controlPlaneNamespaces().forEach(this::enqueueControlPlaneNamespace);
    for (NodePool np : client.resources(NodePool.class).inAnyNamespace().list().getItems()) {
      nodePools.enqueue(np.getMetadata().getNamespace(), np.getMetadata().getName());
    }
  }

  @Override
  public void close() {
    queue.close();
    informers.forEach(SharedIndexInformer::close);
    hostedControlPlanes.close();
  }

  /** The InfraEnv namespace of the hosted cluster whose control-plane namespace this is, if it is known here. */
  private Optional<String> agentNamespaceOf(String controlPlaneNamespace) {
    Optional<NamespacedName> key = controlPlanes.hostedClusterOf(controlPlaneNamespace);
    if (key.isEmpty()) {
      return Optional.empty();
    }
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(key.get().namespace)
        .withName(key.get().name).get();
    return hc == null ? Optional.empty() : Optional.of(HostedClusterController.agentNamespace(hc));
  }

  private void enqueueHostedCluster(String namespace, String name) {
    hostedClusters.enqueue(namespace, name);
  }

  private void enqueueControlPlaneNamespace(String ns) {
    queue.enqueue("ns:" + ns, () -> reconcileControlPlaneNamespace(ns));
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onEvent) {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(T obj) { onEvent.accept(obj); }

      @Override public void onUpdate(T oldObj, T newObj) { onEvent.accept(newObj); }

      @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { onEvent.accept(obj); }
    };
  }

  /** The JDK's default trust anchors plus the given PEM certificates. */
  static SSLContext sslContext(String extraTrustedCaPem) {
    try {
      if (extraTrustedCaPem == null || extraTrustedCaPem.isBlank()) {
        return SSLContext.getDefault();
      }
      TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      defaults.init((KeyStore) null);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (var tm : defaults.getTrustManagers()) {
        if (tm instanceof X509TrustManager x509) {
          for (X509Certificate c : x509.getAcceptedIssuers()) {
            store.setCertificateEntry("default-" + i++, c);
          }
        }
      }
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(
          new ByteArrayInputStream(extraTrustedCaPem.getBytes(StandardCharsets.US_ASCII)))) {
        store.setCertificateEntry("extra-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot build a trust store from the extra trusted CA bundle: " + e.getMessage(), e);
    }
  }
}
