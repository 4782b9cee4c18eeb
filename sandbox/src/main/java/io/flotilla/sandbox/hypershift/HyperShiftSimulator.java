package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.etcd.SeedResult;
import io.flotilla.sandbox.tls.Pki;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Simulates the HyperShift operator, the control-plane operator and, for the Agent platform, Cluster API,
 * cluster-api-provider-agent and assisted-service on one management cluster, as docs/hypershift-facts.md describes them:
 * <ul>
 *   <li>a control plane per HostedCluster: namespace {@code <ns>-<name>}, a real etcd, HostedControlPlane, CAPI Cluster,
 *       AgentCluster, API-server and CAPI Deployments, PKI Secrets;</li>
 *   <li>{@code pausedUntil} on HostedClusters and NodePools (§1.3);</li>
 *   <li>restore at creation from {@code restoreSnapshotURL} by etcd-init, {@code EtcdSnapshotRestored} (§1.4);</li>
 *   <li>NodePool workers: Machine → AgentMachine → Agent bound to the ClusterDeployment, on hosts of a fleet-wide
 *       {@link HostRegistry} (§3);</li>
 *   <li>deletion as HyperShift does it (§1.3 "Important for deletion", §3): finalizers on HostedCluster and NodePool,
 *       CAPI unpaused first, NodePools → Machines → AgentMachines (unbinding Agents unless paused), the CAPI Cluster,
 *       the HostedControlPlane, then the control-plane namespace unless
 *       {@code skip-delete-hosted-controlplane-namespace}. Stripping the finalizers first (§1.5) bypasses all of it.</li>
 * </ul>
 *
 * <p>Threading: informer callbacks only enqueue (deduplicated by object key). One worker thread runs every reconcile, so
 * the logic needs no locks; a second thread provisions etcd (restore, start and seed can take many seconds) and
 * re-enqueues the HostedCluster when done. Every reconcile re-reads the objects it needs (level-triggered).
 */
public final class HyperShiftSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HyperShiftSimulator.class);
  static final String ETCD_CLIENT_SECRET = "etcd-client-tls";
  static final String ETCD_CA_CONFIGMAP = "etcd-ca";
  static final String ETCD_CLIENT_SERVICE = "etcd-client";
  static final String ETCD_MEMBER = "etcd-0";
  static final String HCP_NAMESPACE_LABEL = "hypershift.openshift.io/hosted-control-plane";

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
  private static final String REASON_WAITING_FOR_ETCD = "WaitingForEtcd";
  private static final String REASON_ETCD_FAILED = "EtcdFailed";
  /** Re-evaluate a pause deadline a little after it passes, so "now" is safely past it. */
  private static final Duration DEADLINE_SLACK = Duration.ofMillis(100);
  /** A safety net under the event-driven queue (a controller's resync period). */
  private static final Duration RESYNC = Duration.ofSeconds(10);

  private final String managementClusterName;
  private final KubernetesClient client;
  private final Path workDir;
  private final long seedBytesPerHostedCluster;
  private final HostRegistry hosts;
  private final HttpClient http;
  private final AgentPlatform platform;
  private final Map<String, ControlPlane> controlPlanes = new ConcurrentHashMap<>();
  /** HostedCluster uid → restoreSnapshotURL as first seen (creation): the value it keeps (docs/hypershift-facts.md §1.4). */
  private final Map<String, List<String>> restoreUrlsFirstSeen = new ConcurrentHashMap<>();
  /** Control-plane namespace → HostedCluster key, so events in the namespace wake its HostedCluster and NodePools. */
  private final Map<String, String> hostedClusterByControlPlaneNamespace = new ConcurrentHashMap<>();
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final ScheduledExecutorService worker;
  private final ExecutorService provisioner;
  private EtcdLauncher launcher;
  private EtcdInit etcdInit;
  private volatile boolean closed;

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
    this.workDir = workDir;
    this.seedBytesPerHostedCluster = seedBytesPerHostedCluster;
    this.hosts = Objects.requireNonNull(hosts, "hosts");
    this.http = HttpClient.newBuilder().sslContext(sslContext(extraTrustedCaPem))
        .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
    this.platform = new AgentPlatform(managementClusterName, client, hosts, this::agentNamespaceOf);
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hypershift-sim-" + managementClusterName));
    this.provisioner = Executors.newSingleThreadExecutor(r -> daemon(r, "hypershift-etcd-" + managementClusterName));
  }

  public synchronized void start() {
    if (launcher != null) {
      return;
    }
    launcher = new EtcdLauncher(); // fails fast, with the install hint, when etcd is missing
    etcdInit = new EtcdInit(http, launcher.binary());
    informers.add(client.resources(HostedCluster.class).inAnyNamespace().inform(handler(
        hc -> enqueueHostedCluster(hc.getMetadata().getNamespace(), hc.getMetadata().getName())), 0));
    informers.add(client.resources(NodePool.class).inAnyNamespace().inform(handler(np -> {
      enqueueNodePool(np.getMetadata().getNamespace(), np.getMetadata().getName());
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
      if (AgentPlatform.CAPI_MANAGER.equals(name) || AgentPlatform.CAPI_PROVIDER.equals(name)) {
        enqueueControlPlaneNamespace(d.getMetadata().getNamespace());
      }
    }), 0));
    informers.add(client.resources(Agent.class).inAnyNamespace().inform(handler(a -> {
      enqueue("agent:" + a.getMetadata().getNamespace() + "/" + a.getMetadata().getName(),
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
        enqueue("namespace-deleted:" + name, () -> namespaceDeleted(name));
      }
    }, 0));
    worker.scheduleWithFixedDelay(() -> safely(this::resync), RESYNC.toMillis(), RESYNC.toMillis(), TimeUnit.MILLISECONDS);
    LOG.info("HyperShift simulator started on {}", managementClusterName);
  }

  public Optional<EtcdProcess> etcdFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(key(namespace, name))).filter(c -> c.ready).map(c -> c.etcd);
  }

  public Optional<EtcdTls> tlsFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(key(namespace, name))).map(c -> c.tls);
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

  // ---------------------------------------------------------------- HostedCluster

  private void reconcileHostedCluster(String namespace, String name) {
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    ControlPlane cp = controlPlanes.get(key(namespace, name));
    if (hc == null || (cp != null && !cp.uid.equals(hc.getMetadata().getUid()))) {
      vanished(namespace, name, cp);
      if (hc == null) {
        return;
      }
      cp = null;
    }
    String cpNs = hc.controlPlaneNamespace();
    hostedClusterByControlPlaneNamespace.put(cpNs, key(namespace, name));
    List<String> urlsFirstSeen = restoreUrlsFirstSeen.computeIfAbsent(hc.getMetadata().getUid(), u -> restoreUrls(hc));
    if (Kube.isDeleting(hc)) {
      // HyperShift handles deletion before looking at pausedUntil: a paused HostedCluster is deleted all the same.
      deleteHostedCluster(hc);
      return;
    }
    Kube.addFinalizer(client, hc, HostedCluster.FINALIZER);
    boolean urlChanged = !urlsFirstSeen.equals(restoreUrls(hc));
    Instant now = Instant.now();
    HostedCluster.Spec spec = hc.getSpec() == null ? new HostedCluster.Spec() : hc.getSpec();
    PausedUntil pause = PausedUntil.evaluate(spec.pausedUntil, now);
    pause.until().ifPresent(deadline -> schedule(() -> enqueueHostedCluster(namespace, name), deadline));
    if (pause.paused()) {
      // HyperShift returns early when paused: it only propagates the pause to the HCP and the CAPI Cluster.
      if (cp != null) {
        applyPause(cp, hc, spec.pausedUntil, true);
      }
    } else {
      if (cp == null) {
        cp = provision(hc, urlsFirstSeen);
      }
      ensureHostedControlPlane(cp, hc);
      ensureControlPlaneWorkloads(cp);
      applyPause(cp, hc, null, false);
      updateHostedControlPlaneStatus(cp);
    }
    updateHostedClusterStatus(namespace, name, cp, pause, urlChanged, now);
    nodePoolsOf(namespace, name).forEach(np -> enqueueNodePool(namespace, np.getMetadata().getName()));
  }

  private ControlPlane provision(HostedCluster hc, List<String> restoreUrls) {
    String namespace = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    String cpNs = hc.controlPlaneNamespace();
    ControlPlane cp = new ControlPlane(namespace, name, hc.getMetadata().getUid(), cpNs, workDir.resolve(cpNs), restoreUrls);
    if (!restoreUrls.isEmpty()) {
      HostedControlPlane existing = client.resources(HostedControlPlane.class).inNamespace(cpNs).withName(name).get();
      boolean alreadyRestored = existing != null && existing.getStatus() != null
          && Conditions.isTrue(existing.getStatus().conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED);
      if (!alreadyRestored) {
        RestoreSnapshotUrl.Result parsed = RestoreSnapshotUrl.parse(restoreUrls);
        parsed.url().ifPresent(u -> cp.restoreUrl = u);
        parsed.rejection().ifPresent(r -> {
          cp.restore = RestoreOutcome.failed(r.reason(), r.message());
          cp.failure = r.message();
        });
      }
    }
    controlPlanes.put(key(namespace, name), cp);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(cpNs)
        .addToLabels(HCP_NAMESPACE_LABEL, "true").endMetadata().build()).createOr(NonDeletingOperation::update);
    if (cp.restore == null || !cp.restore.failed()) {
      long seed = Objects.hash(managementClusterName, namespace, name);
      provisioner.execute(() -> startEtcd(cp, seed));
    }
    return cp;
  }

  /**
   * A fault for tests: etcd-init on this management cluster cannot download restore snapshots (as behind a firewall),
   * so a restore here ends with {@code EtcdSnapshotRestored=False}, reason {@value #REASON_ETCD_RESTORE_FAILED}.
   */
  public void blockRestoreDownloads(boolean blocked) {
    etcdInit.blockDownloads(blocked);
  }

  /**
   * On the provisioner thread: TLS, etcd-init when there is a snapshot to restore, etcd, the seed (only into a fresh
   * data directory), then the objects that let clients reach it.
   */
  private void startEtcd(ControlPlane cp, long seed) {
    try {
      cp.tls = EtcdTls.generate(cp.controlPlaneNamespace);
      Path member = cp.memberDir();
      boolean existingData = !EtcdInit.isEmptyOrMissing(member.resolve(EtcdInit.DATA_DIR));
      boolean restored = false;
      if (cp.restoreUrl != null) {
        RestoreOutcome outcome = etcdInit.run(cp.restoreUrl, member, ETCD_MEMBER);
        cp.restore = outcome;
        if (outcome.failed()) {
          // etcd never starts; the condition is final (the CPO sets it once), see REASON_ETCD_RESTORE_FAILED
          cp.failure = "etcd-init failed: " + outcome.message();
          enqueueHostedCluster(cp.namespace, cp.name);
          return;
        }
        restored = outcome.restored();
      }
      if (cp.deleted.get() || closed) {
        return;
      }
      EtcdProcess etcd = launcher.start(ETCD_MEMBER, member, cp.tls);
      cp.etcd = etcd;
      if (cp.deleted.get() || closed) {
        etcd.close();
        return;
      }
      if (seedBytesPerHostedCluster > 0 && !existingData && !restored) {
        try (Client etcdClient = etcd.newClient()) {
          SeedResult result = EtcdSeeder.seed(etcdClient, seedBytesPerHostedCluster, seed);
          LOG.info("seeded etcd of {}/{}: {} keys, {} bytes", cp.namespace, cp.name, result.keys(), result.bytes());
        }
      }
      publishEtcd(cp, etcd);
      cp.ready = true;
    } catch (IOException | RuntimeException e) {
      cp.failure = e.getMessage();
      LOG.warn("etcd for {}/{} failed: {}", cp.namespace, cp.name, e.getMessage());
    }
    enqueueHostedCluster(cp.namespace, cp.name);
  }

  private void publishEtcd(ControlPlane cp, EtcdProcess etcd) {
    String ns = cp.controlPlaneNamespace;
    client.resource(new SecretBuilder().withNewMetadata().withName(ETCD_CLIENT_SECRET).withNamespace(ns).endMetadata()
        .withType("Opaque")
        .addToData("etcd-client.crt", b64(cp.tls.clientCertPem()))
        .addToData("etcd-client.key", b64(cp.tls.clientKeyPem()))
        .addToData("etcd-client-ca.crt", b64(cp.tls.caPem()))
        .build()).createOr(NonDeletingOperation::update);
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(ETCD_CA_CONFIGMAP).withNamespace(ns).endMetadata()
        .addToData("ca.crt", cp.tls.caPem()).build()).createOr(NonDeletingOperation::update);
    // ExternalName localhost: from the sandbox's point of view etcd is on this machine, at this port.
    client.resource(new ServiceBuilder().withNewMetadata().withName(ETCD_CLIENT_SERVICE).withNamespace(ns).endMetadata()
        .withNewSpec().withType("ExternalName").withExternalName("localhost")
        .addNewPort().withName("etcd-client").withProtocol("TCP").withPort(etcd.port()).endPort()
        .endSpec().build()).createOr(NonDeletingOperation::update);
  }

  /**
   * The HostedControlPlane, the CAPI Cluster and (Agent platform) the AgentCluster. A HostedControlPlane that already
   * exists (applied from a backup before the HostedCluster, docs/hypershift-facts.md §1.4 step 3) gets the HostedCluster's etcd
   * spec as it was at creation, as the HyperShift operator overwrites the HCP spec from the HostedCluster.
   */
  private void ensureHostedControlPlane(ControlPlane cp, HostedCluster hc) {
    String ns = cp.controlPlaneNamespace;
    HostedControlPlane existing = client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get();
    if (existing == null) {
      HostedControlPlane hcp = new HostedControlPlane();
      hcp.setMetadata(new ObjectMetaBuilder().withName(cp.name).withNamespace(ns)
          .addToAnnotations("hypershift.openshift.io/cluster", cp.namespace + "/" + cp.name)
          .addToFinalizers(HostedCluster.FINALIZER).build());
      hcp.getSpec().pausedUntil = hc.getSpec().pausedUntil;
      hcp.getSpec().etcd = etcdAtCreation(hc, cp);
      client.resource(hcp).create();
    } else if (!Kube.isDeleting(existing)) {
      HostedCluster.Etcd etcd = etcdAtCreation(hc, cp);
      List<String> hcpUrls = existing.getSpec() == null ? List.of() : restoreUrls(existing.getSpec().etcd);
      if (!hcpUrls.equals(cp.restoreUrlsAtCreation)) {
        Kube.jsonPatch(client, existing, "[{\"op\":\"add\",\"path\":\"/spec/etcd\",\"value\":"
            + client.getKubernetesSerialization().asJson(etcd) + "}]");
      }
      Kube.addFinalizer(client, existing, HostedCluster.FINALIZER);
    }
    String clusterName = infraId(hc);
    Cluster cluster = client.resources(Cluster.class).inNamespace(ns).withName(clusterName).get();
    if (cluster == null) {
      cluster = new Cluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(clusterName).withNamespace(ns)
          .addToFinalizers(Cluster.FINALIZER).build());
      cluster.getSpec().infrastructureRef = new ObjectReferenceBuilder()
          .withApiVersion(AgentMachine.GROUP + "/" + AgentMachine.VERSION).withKind("AgentCluster")
          .withName(clusterName).withNamespace(ns).build();
      cluster = client.resource(cluster).create();
    }
    if (!Kube.isDeleting(cluster)) {
      platform.ensureAgentCluster(cluster, cp.name);
    }
  }

  /** The HostedCluster's etcd spec with restoreSnapshotURL as it was at creation (later changes are refused). */
  private HostedCluster.Etcd etcdAtCreation(HostedCluster hc, ControlPlane cp) {
    HostedCluster.Etcd etcd = hc.getSpec().etcd == null ? null : client.getKubernetesSerialization().clone(hc.getSpec().etcd);
    if (etcd == null) {
      if (cp.restoreUrlsAtCreation.isEmpty()) {
        return null;
      }
      etcd = new HostedCluster.Etcd();
      etcd.managementType = "Managed";
    }
    if (etcd.managed == null) {
      etcd.managed = new HostedCluster.ManagedEtcd();
    }
    if (etcd.managed.storage == null) {
      etcd.managed.storage = new HostedCluster.EtcdStorage();
    }
    etcd.managed.storage.restoreSnapshotURL = cp.restoreUrlsAtCreation.isEmpty() ? null : cp.restoreUrlsAtCreation;
    return etcd;
  }

  /**
   * The control plane's API servers, the CAPI manager and provider, and the PKI Secrets, as the operators create them.
   * While the hosted cluster is not paused they own the replica counts: anything scaled away is scaled back, which is
   * why a quiesce must happen under a pause (docs/hypershift-facts.md §1.2 step 2). Scaled to 0 under a pause (§1.5 step 2), the
   * CAPI Deployments stop the Machine and Agent controllers (see {@link AgentPlatform}).
   */
  private void ensureControlPlaneWorkloads(ControlPlane cp) {
    String ns = cp.controlPlaneNamespace;
    Map<String, Integer> all = new LinkedHashMap<>(API_SERVER_REPLICAS);
    all.putAll(CAPI_REPLICAS);
    all.forEach((name, replicas) -> {
      var existing = client.apps().deployments().inNamespace(ns).withName(name).get();
      if (existing == null) {
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
            .withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", name).endMetadata()
            .withNewSpec().withReplicas(replicas)
            .withNewSelector().addToMatchLabels("app", name).endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName(name).withImage("quay.io/openshift/" + name + ":sandbox")
            .endContainer().endSpec().endTemplate()
            .endSpec().build()).create();
      } else if (!Objects.equals(existing.getSpec().getReplicas(), replicas) && !Kube.isDeleting(existing)) {
        client.apps().deployments().inNamespace(ns).withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
      }
    });
    if (client.secrets().inNamespace(ns).withName("root-ca").get() == null) {
      var ca = Pki.newCa("root-ca." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("root-ca")
          .withNamespace(ns).endMetadata().withType("kubernetes.io/tls")
          .addToData("tls.crt", b64(ca.certificatePem())).addToData("tls.key", b64(ca.privateKeyPem())).build()).create();
    }
    if (client.secrets().inNamespace(ns).withName("sa-signing-key").get() == null) {
      var key = Pki.newCa("sa-signing-key." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("sa-signing-key")
          .withNamespace(ns).endMetadata().addToData("service-account.key", b64(key.privateKeyPem())).build()).create();
    }
  }

  /** Replica counts of a highly-available control plane's API servers. */
  static final Map<String, Integer> API_SERVER_REPLICAS = new LinkedHashMap<>(Map.of(
      "kube-apiserver", 3, "openshift-apiserver", 2, "openshift-oauth-apiserver", 2));
  /** The Cluster API manager and the Agent CAPI provider, one replica each, in the control-plane namespace. */
  static final Map<String, Integer> CAPI_REPLICAS = new LinkedHashMap<>(Map.of(
      AgentPlatform.CAPI_MANAGER, 1, AgentPlatform.CAPI_PROVIDER, 1));

  /** pausedUntil → HCP.spec.pausedUntil and CAPI Cluster.spec.paused (docs/hypershift-facts.md §1.3), or clears both. */
  private void applyPause(ControlPlane cp, HostedCluster hc, String pausedUntil, boolean paused) {
    String ns = cp.controlPlaneNamespace;
    mergePatch(client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get(),
        hcp -> !Objects.equals(hcp.getSpec().pausedUntil, pausedUntil),
        "{\"spec\":{\"pausedUntil\":" + (pausedUntil == null ? "null" : Kube.json(pausedUntil)) + "}}");
    mergePatch(client.resources(Cluster.class).inNamespace(ns).withName(infraId(hc)).get(),
        c -> !Objects.equals(c.getSpec() == null ? null : c.getSpec().paused, paused ? Boolean.TRUE : null),
        "{\"spec\":{\"paused\":" + (paused ? "true" : "null") + "}}");
  }

  private <T extends HasMetadata> void mergePatch(T current, java.util.function.Predicate<T> needed, String patch) {
    if (current != null && !Kube.isDeleting(current) && needed.test(current)) {
      client.resource(current).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
  }

  /** The control-plane operator's EtcdSnapshotRestored, once etcd-init has run (only when a restore URL is set). */
  private void updateHostedControlPlaneStatus(ControlPlane cp) {
    RestoreOutcome restore = cp.restore;
    if (restore == null) {
      return;
    }
    Kube.editStatus(client, HostedControlPlane.class, cp.controlPlaneNamespace, cp.name, hcp -> {
      if (hcp.getStatus() == null) {
        hcp.setStatus(new HostedControlPlane.Status());
      }
      return Conditions.set(hcp.getStatus().conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED, restore.status(),
          restore.reason(), restore.message(), hcp.getMetadata().getGeneration(), Instant.now());
    });
  }

  private void updateHostedClusterStatus(String namespace, String name, ControlPlane cp, PausedUntil pause,
                                         boolean restoreUrlChanged, Instant now) {
    Kube.editStatus(client, HostedCluster.class, namespace, name, hc -> {
      if (hc.getStatus() == null) {
        hc.setStatus(new HostedCluster.Status());
      }
      List<Condition> conditions = hc.getStatus().conditions;
      Long generation = hc.getMetadata().getGeneration();
      boolean changed = Conditions.set(conditions, HostedCluster.RECONCILIATION_ACTIVE, pause.conditionStatus(),
          pause.reason(), pause.message(), generation, now);
      RestoreOutcome restore = cp == null ? null : cp.restore;
      if (restoreUrlChanged) {
        changed |= Conditions.set(conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED, Conditions.FALSE,
            REASON_RESTORE_URL_IMMUTABLE, "spec.etcd.managed.storage.restoreSnapshotURL cannot be added, removed or "
                + "changed after creation; the change is ignored and the value set at creation is kept",
            generation, now);
      } else if (restore != null) {
        changed |= Conditions.set(conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED, restore.status(), restore.reason(),
            restore.message(), generation, now);
      }
      if (cp != null && cp.ready) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.TRUE, HostedCluster.REASON_AS_EXPECTED,
            "The hosted control plane is available", generation, now);
      } else if (cp != null && cp.failure != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE,
            restore != null && restore.failed() ? restore.reason() : REASON_ETCD_FAILED, cp.failure, generation, now);
      } else if (cp != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE, REASON_WAITING_FOR_ETCD,
            cp.restoreUrl != null ? "Waiting for etcd-init to restore the snapshot and etcd to start"
                : "Waiting for etcd to become available", generation, now);
      }
      return changed;
    });
  }

  // ---------------------------------------------------------------- NodePool

  private void reconcileNodePool(String namespace, String name) {
    NodePool np = client.resources(NodePool.class).inNamespace(namespace).withName(name).get();
    if (np == null) {
      return;
    }
    String clusterName = np.getSpec() == null ? null : np.getSpec().clusterName;
    if (Kube.isDeleting(np)) {
      deleteNodePool(np, clusterName);
      return;
    }
    Kube.addFinalizer(client, np, HostedCluster.FINALIZER);
    Instant now = Instant.now();
    PausedUntil pause = PausedUntil.evaluate(np.getSpec() == null ? null : np.getSpec().pausedUntil, now);
    pause.until().ifPresent(deadline -> schedule(() -> enqueueNodePool(namespace, name), deadline));
    Integer ready = null;
    if (clusterName != null) {
      HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(clusterName).get();
      if (hc != null) {
        String cpNs = hc.controlPlaneNamespace();
        if (!pause.paused()) {
          scaleWorkers(np, hc);
        }
        ready = platform.boundWorkers(cpNs, infraId(hc), platform.machinesOf(cpNs, name));
      }
    }
    Integer readyReplicas = ready;
    Kube.editStatus(client, NodePool.class, namespace, name, current -> {
      if (current.getStatus() == null) {
        current.setStatus(new NodePool.Status());
      }
      boolean changed = Conditions.set(current.getStatus().conditions, HostedCluster.RECONCILIATION_ACTIVE,
          pause.conditionStatus(), pause.reason(), pause.message(), current.getMetadata().getGeneration(), now);
      if (readyReplicas != null && !readyReplicas.equals(current.getStatus().replicas)) {
        current.getStatus().replicas = readyReplicas;
        changed = true;
      }
      return changed;
    });
  }

  /**
   * spec.replicas workers (§3, §6.4). Like HyperShift's NodePool controller, nothing happens before the control plane
   * is up; like CAPI's MachineSet controller, nothing happens while the CAPI Cluster is paused or the CAPI manager is
   * not running. Workers found in the control-plane namespace (restored Machines) count.
   */
  private void scaleWorkers(NodePool np, HostedCluster hc) {
    ControlPlane cp = controlPlanes.get(key(hc.getMetadata().getNamespace(), hc.getMetadata().getName()));
    if (Kube.isDeleting(hc) || cp == null || !cp.ready
        || PausedUntil.evaluate(hc.getSpec() == null ? null : hc.getSpec().pausedUntil, Instant.now()).paused()) {
      return;
    }
    String cpNs = hc.controlPlaneNamespace();
    Cluster cluster = client.resources(Cluster.class).inNamespace(cpNs).withName(infraId(hc)).get();
    if (cluster == null || Kube.isDeleting(cluster) || Boolean.TRUE.equals(cluster.getSpec().paused)
        || !platform.running(cpNs, AgentPlatform.CAPI_MANAGER)) {
      return;
    }
    int replicas = np.getSpec().replicas == null ? 0 : np.getSpec().replicas;
    List<Machine> live = platform.machinesOf(cpNs, np.getMetadata().getName()).stream()
        .filter(m -> !Kube.isDeleting(m)).toList();
    for (int i = live.size(); i < replicas; i++) {
      platform.createWorker(new AgentPlatform.WorkerRequest(cpNs, infraId(hc), np.getMetadata().getName()));
    }
    if (live.size() > replicas) {
      // Like CAPI's MachineSet, delete Machines without a node first (here: no bound host), then the newest.
      List<Machine> byDeletePriority = new ArrayList<>(live);
      java.util.Collections.reverse(byDeletePriority);
      byDeletePriority.sort(java.util.Comparator.comparing(platform::holdsBoundHost));
      byDeletePriority.subList(0, live.size() - replicas).forEach(m -> Kube.delete(client, m));
    }
  }

  /** The NodePool controller's delete: its Machines go (CAPI does the rest), then the finalizer. */
  private void deleteNodePool(NodePool np, String clusterName) {
    if (!Kube.hasFinalizer(np, HostedCluster.FINALIZER) || clusterName == null) {
      if (clusterName == null) {
        Kube.removeFinalizer(client, np, HostedCluster.FINALIZER);
      }
      return;
    }
    String cpNs = HostedCluster.controlPlaneNamespace(np.getMetadata().getNamespace(), clusterName);
    List<Machine> machines = platform.machinesOf(cpNs, np.getMetadata().getName());
    if (!machines.isEmpty()) {
      machines.forEach(m -> Kube.delete(client, m));
      return; // Machine events bring us back
    }
    Kube.removeFinalizer(client, np, HostedCluster.FINALIZER);
  }

  // ---------------------------------------------------------------- deletion

  /**
   * HostedClusterReconciler.delete() (docs/hypershift-facts.md §1.3, §3.2), one step per reconcile, waiting on each: unpause the
   * CAPI Cluster, delete the NodePools, the CAPI Cluster, the HostedControlPlane; stop the control plane; delete the
   * control-plane namespace unless {@code skip-delete-hosted-controlplane-namespace: "true"}; drop the finalizer.
   * A HostedCluster whose finalizer was stripped (§1.5) gets none of this: it simply vanishes.
   */
  private void deleteHostedCluster(HostedCluster hc) {
    if (!Kube.hasFinalizer(hc, HostedCluster.FINALIZER)) {
      return;
    }
    String namespace = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    String cpNs = hc.controlPlaneNamespace();
    Cluster cluster = client.resources(Cluster.class).inNamespace(cpNs).withName(infraId(hc)).get();
    if (cluster != null && Boolean.TRUE.equals(cluster.getSpec() == null ? null : cluster.getSpec().paused)) {
      LOG.info("{}: deleting {}/{}: unpausing CAPI Cluster {} first, as HyperShift does", managementClusterName,
          namespace, name, cluster.getMetadata().getName());
      client.resource(cluster).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"paused\":null}}");
    }
    List<NodePool> nodePools = nodePoolsOf(namespace, name);
    if (!nodePools.isEmpty()) {
      nodePools.forEach(np -> Kube.delete(client, np));
      return;
    }
    if (cluster != null) {
      Kube.delete(client, cluster);
      return;
    }
    HostedControlPlane hcp = client.resources(HostedControlPlane.class).inNamespace(cpNs).withName(name).get();
    if (hcp != null) {
      Kube.delete(client, hcp);
      return;
    }
    stopControlPlane(namespace, name);
    if ("true".equals(Kube.annotation(hc, HostedCluster.SKIP_DELETE_HCP_NAMESPACE))) {
      LOG.info("{}: deleting {}/{}: keeping namespace {} ({})", managementClusterName, namespace, name, cpNs,
          HostedCluster.SKIP_DELETE_HCP_NAMESPACE);
    } else {
      Kube.quietly(() -> client.namespaces().withName(cpNs).delete());
    }
    Kube.removeFinalizer(client, hc, HostedCluster.FINALIZER);
    LOG.info("{}: deleted hosted cluster {}/{}", managementClusterName, namespace, name);
  }

  /** The HostedCluster is gone (deleted, or its finalizer stripped): its etcd stops; its data stays with the namespace. */
  private void vanished(String namespace, String name, ControlPlane cp) {
    stopControlPlane(namespace, name);
    if (cp != null) {
      restoreUrlsFirstSeen.remove(cp.uid);
    }
  }

  /** Stops etcd. The data directory is the PVC: it goes with the control-plane namespace (see namespaceDeleted). */
  private void stopControlPlane(String namespace, String name) {
    ControlPlane cp = controlPlanes.remove(key(namespace, name));
    if (cp == null) {
      return;
    }
    cp.deleted.set(true);
    // Stop etcd on the provisioner thread, after any provisioning still running for this cluster.
    provisioner.execute(() -> stopEtcd(cp));
    LOG.info("{}: stopped the control plane of {}/{}", managementClusterName, namespace, name);
  }

  private void namespaceDeleted(String ns) {
    platform.namespaceDeleted(ns);
    boolean inUse = controlPlanes.values().stream().anyMatch(cp -> cp.controlPlaneNamespace.equals(ns));
    if (inUse) {
      LOG.warn("{}: namespace {} was deleted under a running control plane; keeping its etcd data", managementClusterName, ns);
      return;
    }
    Path dir = workDir.resolve(ns);
    provisioner.execute(() -> {
      try {
        EtcdInit.deleteRecursively(dir);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", dir, e.getMessage());
      }
    });
    String hcKey = hostedClusterByControlPlaneNamespace.get(ns);
    if (hcKey != null && controlPlanes.get(hcKey) == null) {
      hostedClusterByControlPlaneNamespace.remove(ns);
    }
  }

  private void reconcileControlPlaneNamespace(String ns) {
    platform.reconcile(ns);
    String hcKey = hostedClusterByControlPlaneNamespace.get(ns);
    if (hcKey != null) {
      int slash = hcKey.indexOf('/');
      String namespace = hcKey.substring(0, slash);
      String name = hcKey.substring(slash + 1);
      enqueueHostedCluster(namespace, name);
      nodePoolsOf(namespace, name).forEach(np -> enqueueNodePool(namespace, np.getMetadata().getName()));
    }
  }

  private void resync() {
    for (HostedCluster hc : client.resources(HostedCluster.class).inAnyNamespace().list().getItems()) {
      enqueueHostedCluster(hc.getMetadata().getNamespace(), hc.getMetadata().getName());
    }
    hostedClusterByControlPlaneNamespace.keySet().forEach(this::enqueueControlPlaneNamespace);
    for (NodePool np : client.resources(NodePool.class).inAnyNamespace().list().getItems()) {
      enqueueNodePool(np.getMetadata().getNamespace(), np.getMetadata().getName());
    }
  }

  private static void stopEtcd(ControlPlane cp) {
    EtcdProcess etcd = cp.etcd;
    if (etcd != null) {
      etcd.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    informers.forEach(SharedIndexInformer::close);
    worker.shutdownNow();
    provisioner.shutdownNow();
    try {
      provisioner.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    controlPlanes.values().forEach(HyperShiftSimulator::stopEtcd);
  }

  // ---------------------------------------------------------------- helpers

  private List<NodePool> nodePoolsOf(String namespace, String hostedCluster) {
    return client.resources(NodePool.class).inNamespace(namespace).list().getItems().stream()
        .filter(np -> np.getSpec() != null && hostedCluster.equals(np.getSpec().clusterName)).toList();
  }

  private static List<String> restoreUrls(HostedCluster hc) {
    return hc.getSpec() == null ? List.of() : restoreUrls(hc.getSpec().etcd);
  }

  private static List<String> restoreUrls(HostedCluster.Etcd etcd) {
    if (etcd == null || etcd.managed == null || etcd.managed.storage == null
        || etcd.managed.storage.restoreSnapshotURL == null) {
      return List.of();
    }
    return List.copyOf(etcd.managed.storage.restoreSnapshotURL.stream().map(u -> u == null ? "" : u).toList());
  }

  /** The InfraEnv namespace of the hosted cluster whose control-plane namespace this is, if it is known here. */
  private Optional<String> agentNamespaceOf(String controlPlaneNamespace) {
    String hcKey = hostedClusterByControlPlaneNamespace.get(controlPlaneNamespace);
    if (hcKey == null) {
      return Optional.empty();
    }
    int slash = hcKey.indexOf('/');
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(hcKey.substring(0, slash))
        .withName(hcKey.substring(slash + 1)).get();
    return hc == null ? Optional.empty() : Optional.of(agentNamespace(hc));
  }

  private static String agentNamespace(HostedCluster hc) {
    HostedCluster.Platform p = hc.getSpec() == null ? null : hc.getSpec().platform;
    String ns = p == null || p.agent == null ? null : p.agent.agentNamespace;
    return ns == null || ns.isBlank() ? DEFAULT_AGENT_NAMESPACE : ns;
  }

  private void enqueueHostedCluster(String namespace, String name) {
    enqueue("hc:" + key(namespace, name), () -> reconcileHostedCluster(namespace, name));
  }

  private void enqueueNodePool(String namespace, String name) {
    enqueue("np:" + key(namespace, name), () -> reconcileNodePool(namespace, name));
  }

  private void enqueueControlPlaneNamespace(String ns) {
    enqueue("ns:" + ns, () -> reconcileControlPlaneNamespace(ns));
  }

  /** Runs the task on the worker thread; a task already waiting under the same key is not queued twice. */
  private void enqueue(String dedupKey, Runnable task) {
    if (closed || !queued.add(dedupKey)) {
      return;
    }
    try {
      worker.execute(() -> {
        queued.remove(dedupKey);
        safely(task);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.remove(dedupKey);
    }
  }

  private void schedule(Runnable task, Instant at) {
    if (closed) {
      return;
    }
    long delay = Math.max(0, Duration.between(Instant.now(), at).plus(DEADLINE_SLACK).toMillis());
    worker.schedule(() -> safely(task), delay, TimeUnit.MILLISECONDS);
  }

  private void safely(Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("HyperShift simulator on {}: {}", managementClusterName, e.toString());
    }
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

  private static String infraId(HostedCluster hc) {
    String infraId = hc.getSpec() == null ? null : hc.getSpec().infraID;
    return infraId == null || infraId.isBlank() ? hc.getMetadata().getName() : infraId;
  }

  private static String key(String namespace, String name) { return namespace + "/" + name; }

  private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
