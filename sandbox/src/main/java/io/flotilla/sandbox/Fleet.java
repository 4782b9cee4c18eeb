package io.flotilla.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.agent.SpokeAgent;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.BuildInfo;
import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.hub.HubManager;
import io.flotilla.hub.HubManagerConfig;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.hypershift.HyperShiftSimulator;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.sandbox.ocm.OcmSimulator;
import io.flotilla.sandbox.storage.ObjectStore;
import io.flotilla.sandbox.workload.WorkloadSimulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The local fleet: a hub and N management clusters (CRUD-mode mock API servers over TLS), S3Proxy, a real etcd per
 * hosted cluster (HyperShift simulator), the hub-manager and one spoke-agent per cluster, all in this JVM (the agents,
 * with {@link Options#withAgentProcesses}, each in a process of its own: {@link AgentProcesses}) and all talking over
 * real HTTP. Clusters join exactly as `flotilla cluster add` does it.
 */
public final class Fleet implements AutoCloseable {
  public static final String BUCKET = "flotilla-backups";
  public static final String HOSTED_CLUSTER_NAMESPACE = "clusters";
  public static final String SANDBOX_LABEL = "flotilla.io/sandbox";
  /** The BackupStore the sandbox installs on the hub, and the Secrets an installation puts on every spoke. */
  public static final String BACKUP_STORE = "default";
  public static final String AGENT_NAMESPACE = io.flotilla.agent.backup.BackupConfig.DEFAULT_NAMESPACE;
  public static final String STORE_CREDENTIALS_SECRET = "backup-store-credentials";
  /** hub-manager's namespace on the hub (leader election, webhook certificate, the store credentials the CLI reads). */
  public static final String HUB_NAMESPACE = "flotilla-system";
  public static final String ENCRYPTION_KEY_SECRET = "backup-encryption-key";

  /** What to bring up. Heartbeats are short so the sandbox notices an outage in seconds, not minutes. */
  /**
   * @param hostedNamesPerCluster every cluster names its hosted clusters hc-1, hc-2, … (as real fleets do: names are
   *                              unique per management cluster only); otherwise names are unique across the fleet
   * @param ocm                   also simulate Open Cluster Management on the hub and the clusters
   *                              ({@link OcmSimulator}): every management cluster and hosted cluster a ManagedCluster
   */
  public record Options(int clusters, int hostedPerCluster, Path dir, long etcdSeedBytes, Duration heartbeat,
                        int graceHeartbeats, Duration readyTimeout, boolean agentProcesses, boolean hostedNamesPerCluster,
                        boolean ocm) {
    public Options {
      if (clusters < 1) {
        throw new IllegalArgumentException("--clusters must be at least 1");
      }
      if (hostedPerCluster < 0) {
        throw new IllegalArgumentException("--hosted-per-cluster must not be negative");
      }
    }

    public static Options defaults(Path dir) {
      return new Options(2, 2, dir, 4L << 20, Duration.ofSeconds(2), 5, Duration.ofSeconds(120), false, false, false);
    }

    public Options withClusters(int n) { return new Options(n, hostedPerCluster, dir, etcdSeedBytes, heartbeat, graceHeartbeats, readyTimeout, agentProcesses, hostedNamesPerCluster, ocm); }
    public Options withHostedPerCluster(int m) { return new Options(clusters, m, dir, etcdSeedBytes, heartbeat, graceHeartbeats, readyTimeout, agentProcesses, hostedNamesPerCluster, ocm); }
    public Options withEtcdSeedBytes(long b) { return new Options(clusters, hostedPerCluster, dir, b, heartbeat, graceHeartbeats, readyTimeout, agentProcesses, hostedNamesPerCluster, ocm); }
    public Options withHeartbeat(Duration h, int grace) { return new Options(clusters, hostedPerCluster, dir, etcdSeedBytes, h, grace, readyTimeout, agentProcesses, hostedNamesPerCluster, ocm); }
    /** Each agent as its own OS process, as deployed, instead of in this JVM (where tests can reconfigure it). */
    public Options withAgentProcesses(boolean on) { return new Options(clusters, hostedPerCluster, dir, etcdSeedBytes, heartbeat, graceHeartbeats, readyTimeout, on, hostedNamesPerCluster, ocm); }
    public Options withHostedNamesPerCluster(boolean on) { return new Options(clusters, hostedPerCluster, dir, etcdSeedBytes, heartbeat, graceHeartbeats, readyTimeout, agentProcesses, on, ocm); }
    public Options withOcm(boolean on) { return new Options(clusters, hostedPerCluster, dir, etcdSeedBytes, heartbeat, graceHeartbeats, readyTimeout, agentProcesses, hostedNamesPerCluster, on); }
  }

  /** One management cluster of the sandbox. */
  private static final class Spoke {
    final String name;
    final MockApiServer server;
    final Path agentHubKubeconfig;
    HyperShiftSimulator simulator;
    WorkloadSimulator workloads;
    SpokeAgent agent;
    KubernetesClient agentHubClient;
    /** With OCM: the cluster's work agent and add-on registration, and the runner of the agent Deployment. */
    io.flotilla.sandbox.ocm.addon.SpokeAddOnAgents addOnAgents;
    io.flotilla.sandbox.ocm.addon.AgentDeploymentRunner agentDeployment;
    final List<String> hostedClusters = new ArrayList<>();

    Spoke(String name, MockApiServer server, Path agentHubKubeconfig) {
      this.name = name;
      this.server = server;
      this.agentHubKubeconfig = agentHubKubeconfig;
    }
  }

  private final Options options;
  private final Consumer<String> progress;
  private final Map<String, Spoke> spokes = new LinkedHashMap<>();
  private ObjectStore store;
  /** One key-encryption key for the fleet: a backup taken on one cluster must restore on another. */
  private final byte[] encryptionKey = randomBytes(32);
  /**
   * The CA of the agents' snapshot relays: an installation gives the relay a certificate etcd-init trusts; here the
   * simulators trust this CA.
   */
  private final io.flotilla.sandbox.tls.Pki.Issued relayCa = io.flotilla.sandbox.tls.Pki.newCa("flotilla-sandbox-relay-ca");
  /** The fleet's physical hosts: they outlive management clusters, so every simulator shares this one registry. */
  private final io.flotilla.sandbox.workers.HostRegistry hosts = new io.flotilla.sandbox.workers.HostRegistry();
  private final String encryptionKeyId = "sandbox-kek-" + Long.toHexString(new java.security.SecureRandom().nextLong() >>> 16);
  private MockApiServer hub;
  private HubManager hubManager;
  /** With {@link Options#ocm()}: Open Cluster Management, simulated on the hub and every cluster. */
  private OcmSimulator ocm;
  /** With {@link Options#ocm()}: the hub's addon-manager, which deploys the agents from the flotilla AddOnTemplate. */
  private io.flotilla.sandbox.ocm.addon.AddOnManager addOnManager;
  /** With {@link Options#agentProcesses()}: the agents' processes, found through their files in D/agents/. */
  private AgentProcesses agentProcesses;
  private boolean closed;

  private Fleet(Options options, Consumer<String> progress) {
    this.options = options;
    this.progress = progress;
  }

  /** Brings the whole fleet up and waits until every cluster is Available; on failure stops what it started. */
  public static Fleet up(Options options, Consumer<String> progress) {
    Fleet fleet = new Fleet(options, progress);
    try {
      fleet.start();
      return fleet;
    } catch (RuntimeException | Error e) {
      fleet.close();
      throw e;
    }
  }

  private void start() {
    EtcdLauncher.findEtcd(); // fail first, with the install hint, before anything is started
    Path dir = options.dir().toAbsolutePath();
    createDirectories(dir);
    deleteIfExists(dir.resolve("ready"));
    AgentProcesses agents = new AgentProcesses(dir);
    agents.reset();
    agentProcesses = options.agentProcesses() ? agents : null;

    store = ObjectStore.start(dir.resolve("s3"), BUCKET);
    writeFile(dir.resolve("s3.env"), s3Env(store), true);
    progress.accept("object store (S3Proxy) at " + store.endpoint() + ", bucket " + store.bucket());

    hub = MockApiServer.start("hub");
    writeFile(dir.resolve("hub.kubeconfig"), hub.kubeconfig("admin", randomToken(), null), true);
    progress.accept("hub API server at " + hub.url());

    HubManagerConfig hubConfig = new HubManagerConfig(options.graceHeartbeats(), options.heartbeat(),
        "flotilla-system", "sandbox-hub-manager", true, false);
    if (options.ocm()) {
      // OCM mode (docs/architecture.md, OCM mode): ManagementClusters come from OCM's hosting clusters, no `cluster add`
      hubConfig = hubConfig.withClusterSource(io.flotilla.hub.cluster.ocm.ClusterSource.OCM);
    }
    hubManager = new HubManager(hub.adminClient(), hubConfig, io.flotilla.hub.webhook.AdmissionWebhookConfig.sandbox());
    hubManager.start();
    installBackupStore();
    progress.accept("hub-manager started (leader election in flotilla-system, grace "
        + options.graceHeartbeats() + " heartbeats of " + options.heartbeat().toSeconds() + "s)");
    if (options.ocm()) {
      // OCM's 60 s lease scaled to the sandbox's heartbeat, as Flotilla's own lease is
      ocm = new OcmSimulator(hub.adminClient(), OcmSimulator.Options.defaults()
          .withLeaseDurationSeconds((int) Math.max(1, options.heartbeat().toSeconds())).withImportRetry(options.heartbeat()));
      ocm.start();
      progress.accept("OCM simulated on the hub: registration, cluster sets, placement (docs/architecture.md, The sandbox)");
      installOcmAddOn();
      progress.accept("flotilla add-on installed (manifests/ocm/), enabled by Placement flotilla-system/hosting-clusters");
    }

    int hostedIndex = 0;
    for (int i = 1; i <= options.clusters(); i++) {
      String name = "mc-" + i;
      Spoke spoke = join(name, i, dir);
      for (int k = 0; k < options.hostedPerCluster(); k++) {
        // unique across the fleet (a migration never collides), or per cluster as in real fleets
        String hc = "hc-" + (options.hostedNamesPerCluster() ? k + 1 : ++hostedIndex);
        createHostedCluster(spoke, hc);
        spoke.hostedClusters.add(hc);
      }
      if (ocm != null) {
        // the agent runs from the add-on's Deployment once the addon-manager deploys it: see join
        progress.accept(name + ": API server at " + spoke.server.url() + ", a ManagedCluster, hosted clusters "
            + (spoke.hostedClusters.isEmpty() ? "none" : String.join(", ", spoke.hostedClusters)));
        continue;
      }
      startAgent(name);
      String agent = agentProcess(name).map(p -> "agent started (pid " + p.pid() + ", log "
          + agentProcesses.log(name) + ")").orElse("agent started");
      progress.accept(name + ": API server at " + spoke.server.url() + ", joined, " + agent + ", hosted clusters "
          + (spoke.hostedClusters.isEmpty() ? "none" : String.join(", ", spoke.hostedClusters)));
    }

    awaitReady();
    writeEtcdClientFiles(dir.resolve("etcd-client"));
    writeFile(dir.resolve("ready"), Instant.now() + "\n", false);
  }

  private Spoke join(String name, int index, Path dir) {
    MockApiServer server = MockApiServer.start(name);
    writeFile(dir.resolve(name + ".kubeconfig"), server.kubeconfig("admin", randomToken(), null), true);

    Path agentKubeconfig = dir.resolve("agents").resolve(name + "-hub.kubeconfig");
    if (ocm == null) {
      // Exactly what `flotilla cluster add` does: ManagementCluster, namespace, ServiceAccount, RBAC, token.
      ClusterRegistration registrar = new ClusterRegistration(hub.adminClient());
      ClusterRegistration.Registration registration = registrar
          .join(name, Map.of(SANDBOX_LABEL, "true", "flotilla.io/cluster-index", Integer.toString(index)),
              Duration.ofDays(1));
      registrar.setLeaseDuration(name, options.heartbeat());
      writeFile(agentKubeconfig, ClusterRegistration.agentKubeconfig(hub.url(), hub.caCertificatePem(),
          registration.token(), name), true);
    }
    // with OCM the file is the add-on registration's Secret flotilla-hub-kubeconfig, written by AgentDeploymentRunner
    if (agentProcesses != null) {
      var relay = relayCertificate(name);
      agentProcesses.prepare(name, agentKubeconfig, dir.resolve(name + ".kubeconfig"), options.heartbeat(),
          AGENT_NAMESPACE, relay.certificatePem() + relayCa.certificatePem(), relay.privateKeyPem());
    }

    Spoke spoke = new Spoke(name, server, agentKubeconfig);
    spokes.put(name, spoke);
    installBackupSecrets(server.adminClient());
    spoke.simulator = new HyperShiftSimulator(name, server.adminClient(), dir.resolve("etcd").resolve(name),
        options.etcdSeedBytes(), hosts, relayCa.certificatePem());
    spoke.simulator.start();
    spoke.workloads = new WorkloadSimulator(name, server.adminClient());
    spoke.workloads.start();
    if (ocm != null) {
      ocm.join(name, server.adminClient(), Map.of(SANDBOX_LABEL, "true"));
      spoke.addOnAgents = new io.flotilla.sandbox.ocm.addon.SpokeAddOnAgents(name, hub.adminClient(), server.adminClient());
      spoke.addOnAgents.start();
      spoke.agentDeployment = new io.flotilla.sandbox.ocm.addon.AgentDeploymentRunner(name, server.adminClient(),
          agentKubeconfig, this::startAgent, this::stopAgent, Duration.ofMillis(300));
      spoke.agentDeployment.start();
    }
    return spoke;
  }

  /**
   * What an installation puts on an OCM hub for Flotilla (manifests/ocm/README.md), from the copies in this module's
   * jar: the ClusterManagementAddOn, AddOnTemplate, AddOnDeploymentConfig and hub RBAC; the add-on installed by
   * Placement (flotilla-placement.yaml: the hosting clusters, unreachable ones tolerated) instead of the shipped Manual,
   * so every hosting cluster gets the agent; and the hub's addon-manager that deploys it.
   */
  private void installOcmAddOn() {
    KubernetesClient client = hub.adminClient();
    for (String file : List.of("hub-rbac.yaml", "addondeploymentconfig.yaml",
        "addontemplate-flotilla-" + BuildInfo.version().replace("-SNAPSHOT", "") + ".yaml")) {
      for (var object : yamlObjects("ocm/manifests/" + file)) {
        client.resource(object).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      }
    }
    var cma = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
        yamlDocuments("ocm/manifests/clustermanagementaddon.yaml").get(0),
        io.flotilla.api.foreign.ocm.ClusterManagementAddOn.class);
    cma.setStatus(null);
    cma.getSpec().installStrategy = new io.flotilla.api.foreign.ocm.ClusterManagementAddOn.InstallStrategy();
    cma.getSpec().installStrategy.type = "Placements";
    var placement = new io.flotilla.api.foreign.ocm.ClusterManagementAddOn.PlacementStrategy();
    placement.namespace = HUB_NAMESPACE;
    placement.name = "hosting-clusters";
    cma.getSpec().installStrategy.placements = List.of(placement);
    client.resource(cma).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    for (var object : yamlObjects("ocm/flotilla-placement.yaml")) {
      client.resource(object).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }
    addOnManager = new io.flotilla.sandbox.ocm.addon.AddOnManager(client);
    addOnManager.start();
  }

  /** The objects of a multi-document YAML resource next to this class. */
  private static List<io.fabric8.kubernetes.api.model.HasMetadata> yamlObjects(String resource) {
    return yamlDocuments(resource).stream()
        .map(doc -> io.fabric8.kubernetes.client.utils.Serialization.<io.fabric8.kubernetes.api.model.HasMetadata>unmarshal(doc))
        .toList();
  }

  /** The documents holding an object of a multi-document YAML resource next to this class. */
  private static List<String> yamlDocuments(String resource) {
    try (var in = Fleet.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource + " (copied from manifests/ocm by sandbox/pom.xml)");
      }
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return java.util.Arrays.stream(text.split("(?m)^---\\s*$"))
          .filter(doc -> doc.lines().anyMatch(l -> l.startsWith("kind:"))).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates a HostedCluster and its NodePool as `hcp create cluster agent` would, with HyperShift's secret names. */
  private void createHostedCluster(Spoke spoke, String name) {
    KubernetesClient client = spoke.server.adminClient();
    String ns = HOSTED_CLUSTER_NAMESPACE;
    if (client.namespaces().withName(ns).get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    secret(client, ns, name + "-pull-secret", ".dockerconfigjson",
        "{\"auths\":{\"quay.io\":{\"auth\":\"" + randomToken() + "\"}}}");
    secret(client, ns, name + "-ssh-key", "id_rsa.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA" + randomToken());
    secret(client, ns, name + "-etcd-encryption-key", "key", randomToken());

    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setName(name);
    hc.getMetadata().setNamespace(ns);
    hc.getMetadata().setLabels(Map.of(SANDBOX_LABEL, "true"));
    HostedCluster.Spec spec = hc.getSpec();
    spec.infraID = name + "-" + randomSuffix();
    spec.platform = new HostedCluster.Platform();
    spec.platform.type = "Agent";
    // The InfraEnv namespace whose Agents (hosts) the NodePool binds.
    spec.platform.agent = new HostedCluster.AgentPlatformSpec();
    spec.platform.agent.agentNamespace = HyperShiftSimulator.DEFAULT_AGENT_NAMESPACE;
    spec.etcd = new HostedCluster.Etcd();
    spec.etcd.managementType = "Managed";
    spec.etcd.managed = new HostedCluster.ManagedEtcd();
    spec.etcd.managed.storage = new HostedCluster.EtcdStorage();
    spec.etcd.managed.storage.type = "PersistentVolume";
    spec.pullSecret = ref(name + "-pull-secret");
    spec.sshKey = ref(name + "-ssh-key");
    spec.secretEncryption = new HostedCluster.SecretEncryption();
    spec.secretEncryption.type = "aescbc";
    spec.secretEncryption.aescbc = new HostedCluster.AESCBC();
    spec.secretEncryption.aescbc.activeKey = ref(name + "-etcd-encryption-key");
    client.resource(hc).create();

    // The NodePool's workers: hosts booted into discovery in the InfraEnv namespace, which its AgentMachines bind.
    int workers = 2;
    // hosts are machines: their names are unique in the fleet even when hosted-cluster names repeat
    spoke.simulator.addHosts(HyperShiftSimulator.DEFAULT_AGENT_NAMESPACE, workers,
        (options.hostedNamesPerCluster() ? spoke.name + "-" : "") + name + "-worker");
    NodePool np = new NodePool();
    np.getMetadata().setName(name + "-workers");
    np.getMetadata().setNamespace(ns);
    np.getSpec().clusterName = name;
    np.getSpec().replicas = workers;
    client.resource(np).create();
  }

  private void awaitReady() {
    progress.accept("waiting for every management cluster to be Available and every hosted cluster to be up");
    await(options.readyTimeout(), "management clusters Available", () -> spokes.keySet().stream().allMatch(this::isAvailable));
    await(options.readyTimeout(), "hosted clusters Available", () -> spokes.values().stream().allMatch(s ->
        s.hostedClusters.stream().allMatch(hc -> {
          HostedCluster h = s.server.adminClient().resources(HostedCluster.class).inNamespace(HOSTED_CLUSTER_NAMESPACE)
              .withName(hc).get();
          return h != null && h.getStatus() != null && Conditions.isTrue(h.getStatus().conditions, HostedCluster.AVAILABLE);
        })));
    if (ocm != null) {
      await(options.readyTimeout(), "ManagedClusters Available, hosted clusters imported", () -> spokes.values().stream()
          .allMatch(s -> ocmAvailable(s.name) && s.hostedClusters.stream().allMatch(this::ocmAvailable)));
    }
    await(options.readyTimeout(), "NodePool workers bound", () -> spokes.values().stream().allMatch(s ->
        s.server.adminClient().resources(NodePool.class).inNamespace(HOSTED_CLUSTER_NAMESPACE).list().getItems().stream()
            .allMatch(np -> np.getStatus() != null && java.util.Objects.equals(np.getStatus().replicas, np.getSpec().replicas))));
  }

  /**
   * The etcd-client-tls Secret holds each hosted cluster's client certificate; the sandbox also writes them to
   * D/etcd-client/<hosted-cluster>/ (D/etcd-client/<cluster>/<hosted-cluster>/ when names repeat across clusters) so
   * etcdctl can be pointed at the etcd-client Service's endpoint directly.
   */
  private void writeEtcdClientFiles(Path root) {
    for (Spoke spoke : spokes.values()) {
      for (String hc : spoke.hostedClusters) {
        Path to = options.hostedNamesPerCluster() ? root.resolve(spoke.name).resolve(hc) : root.resolve(hc);
        spoke.simulator.tlsFor(HOSTED_CLUSTER_NAMESPACE, hc).ifPresent(tls -> tls.writeClientFiles(to));
      }
    }
  }

  // ---- operations used by the CLI demo and the tests

  /** The hub's default BackupStore: the sandbox bucket, client-side AES-256-GCM with the fleet key. */
  private void installBackupStore() {
    io.flotilla.api.dr.v1alpha1.BackupStore bs = new io.flotilla.api.dr.v1alpha1.BackupStore();
    bs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(BACKUP_STORE).build());
    var spec = bs.getSpec();
    spec.bucket = store.bucket();
    spec.prefix = "flotilla";
    spec.region = store.region();
    spec.endpoint = store.endpoint().toString();
    spec.forcePathStyle = true;
    spec.insecureEndpoint = true; // S3Proxy serves plain http on loopback in the sandbox
    spec.credentialsSecret = new io.flotilla.api.common.NamespacedName(AGENT_NAMESPACE, STORE_CREDENTIALS_SECRET);
    spec.encryption = new io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption();
    spec.encryption.type = io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.Type.AES256GCM;
    spec.encryption.keySecret = new io.flotilla.api.common.NamespacedName(AGENT_NAMESPACE, ENCRYPTION_KEY_SECRET);
    hub.adminClient().resource(io.flotilla.hub.acm.HubBackupLabel.stamp(bs))
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    // `flotilla backup sync` reads the bucket from wherever the CLI runs: the store's credentials, kept on the hub
    hub.adminClient().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName(HUB_NAMESPACE).endMetadata().build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    hub.adminClient().secrets().inNamespace(HUB_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
        .withName(STORE_CREDENTIALS_SECRET).withNamespace(HUB_NAMESPACE).endMetadata()
        .addToData(io.flotilla.agent.backup.StoreConnector.ACCESS_KEY_ID, b64(store.accessKey()))
        .addToData(io.flotilla.agent.backup.StoreConnector.SECRET_ACCESS_KEY, b64(store.secretKey()))
        .build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  /** What an installation puts on each spoke: the agent namespace, object-store credentials, the encryption key. */
  private void installBackupSecrets(KubernetesClient spoke) {
    spoke.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName(AGENT_NAMESPACE).endMetadata().build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    spoke.secrets().inNamespace(AGENT_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
        .withName(STORE_CREDENTIALS_SECRET).withNamespace(AGENT_NAMESPACE).endMetadata()
        // data, not stringData: the mock API server does not fold stringData into data as a real one does
        .addToData(io.flotilla.agent.backup.StoreConnector.ACCESS_KEY_ID, b64(store.accessKey()))
        .addToData(io.flotilla.agent.backup.StoreConnector.SECRET_ACCESS_KEY, b64(store.secretKey()))
        .build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    spoke.secrets().inNamespace(AGENT_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
        .withName(ENCRYPTION_KEY_SECRET).withNamespace(AGENT_NAMESPACE).endMetadata()
        .addToData(io.flotilla.agent.storage.KeyEncryptionKey.SECRET_KEY, java.util.Base64.getEncoder().encodeToString(encryptionKey))
        .addToData(io.flotilla.agent.storage.KeyEncryptionKey.SECRET_KEY_ID, b64(encryptionKeyId))
        .build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
  }

  private static String b64(String s) {
    return java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The relay of one agent: loopback, a free port, a certificate from the sandbox's relay CA. */
  private io.flotilla.agent.restore.RelayConfig relayConfig(String cluster) {
    var cert = relayCertificate(cluster);
    return new io.flotilla.agent.restore.RelayConfig("127.0.0.1", 0, null,
        io.flotilla.agent.restore.RelayConfig.serverContext(cert.certificatePem() + relayCa.certificatePem(),
            cert.privateKeyPem()));
  }

  /** The serving certificate of one agent's relay (SANs 127.0.0.1 and localhost), issued by the sandbox's relay CA. */
  private io.flotilla.sandbox.tls.Pki.Issued relayCertificate(String cluster) {
    return io.flotilla.sandbox.tls.Pki.newServer(relayCa, "flotilla-relay-" + cluster, List.of());
  }

  /** PEM of the CA that issues the agents' relay certificates (what etcd-init must trust). */
  public String relayCaPem() {
    return relayCa.certificatePem();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  /** Starts a cluster's agent unless it runs; with agent processes, as a process of its own (see {@link #agentProcess}). */
  public void startAgent(String cluster) {
    if (agentProcesses != null) {
      spoke(cluster);
      try {
        agentProcesses.start(cluster);
      } catch (AgentProcesses.AlreadyRunningException e) {
        // as in-process: starting a running agent changes nothing
      }
      return;
    }
    startAgent(cluster, a -> a, io.flotilla.agent.backup.StoreConnector.AWS_SDK);
  }

  /**
   * Starts a cluster's agent with a changed configuration or object-store client factory (tests use this to limit
   * bandwidth or to inject object-store faults).
   */
  public void startAgent(String cluster, java.util.function.UnaryOperator<io.flotilla.agent.AgentConfig> configure,
      io.flotilla.agent.backup.StoreConnector.S3Factory s3Factory) {
    Spoke spoke = spoke(cluster);
    if (agentProcesses != null) {
      throw new IllegalStateException("a changed agent configuration or object-store client needs the in-process agent;"
          + " this fleet runs its agents as processes");
    }
    if (spoke.agent != null) {
      return;
    }
    try {
      // with OCM, backed by the file (as SpokeAgentMain's): a rotated token in the add-on's Secret reaches the agent
      Config config = ocm != null ? io.flotilla.common.Kubeconfigs.load(spoke.agentHubKubeconfig, "hub kubeconfig")
          : Config.fromKubeconfig(Files.readString(spoke.agentHubKubeconfig));
      // as SpokeAgentMain: fail fast against a hub that does not answer (scheduled backups queue their records)
      config.setRequestRetryBackoffLimit(2);
      config.setRequestRetryBackoffInterval(200);
      config.setConnectionTimeout(5_000);
      spoke.agentHubClient = new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    spoke.agent = new SpokeAgent(spoke.agentHubClient, spoke.server.adminClient(),
        configure.apply(new io.flotilla.agent.AgentConfig(cluster, options.heartbeat(), BuildInfo.version())
            .withBackup(io.flotilla.agent.backup.BackupConfig.defaults().withRelay(relayConfig(cluster)))), s3Factory);
    spoke.agent.start();
  }

  /**
   * Stops a cluster's agent as an outage would: it simply stops renewing its lease. With agent processes, SIGTERM
   * (then SIGKILL after {@link AgentProcesses#STOP_TIMEOUT}), also of an agent `sandbox agent start` started; it stays
   * stopped.
   */
  public void stopAgent(String cluster) {
    Spoke spoke = spoke(cluster);
    if (agentProcesses != null) {
      agentProcesses.stop(cluster);
      return;
    }
    if (spoke.agent != null) {
      spoke.agent.close();
      spoke.agent = null;
    }
    if (spoke.agentHubClient != null) {
      spoke.agentHubClient.close();
      spoke.agentHubClient = null;
    }
  }

  /** The running agent process of a cluster (whoever started it), with agent processes; empty when it is stopped. */
  public Optional<ProcessHandle> agentProcess(String cluster) {
    spoke(cluster);
    return agentProcesses().flatMap(a -> a.running(cluster));
  }

  /** The agents' processes, pid files, logs and exit codes; empty when the agents run in this JVM. */
  public Optional<AgentProcesses> agentProcesses() { return Optional.ofNullable(agentProcesses); }

  public boolean isAvailable(String cluster) { return Conditions.TRUE.equals(availability(cluster)); }

  /** The OCM simulator, with {@link Options#withOcm}: its klusterlets ({@code ocm().klusterlet("mc-1").stop()}), … */
  public OcmSimulator ocm() {
    if (ocm == null) {
      throw new IllegalStateException("this sandbox runs without OCM; bring it up with Options.withOcm(true) (--ocm)");
    }
    return ocm;
  }

  /** Whether OCM's ManagedCluster of that name says Available=True. */
  private boolean ocmAvailable(String managedCluster) {
    var mc = hub.adminClient().resources(io.flotilla.api.foreign.ocm.ManagedCluster.class).withName(managedCluster).get();
    return mc != null && mc.getStatus() != null
        && Conditions.isTrue(mc.getStatus().conditions, io.flotilla.api.foreign.ocm.ManagedCluster.AVAILABLE);
  }

  public String availability(String cluster) {
    ManagementCluster mc = hub.adminClient().resources(ManagementCluster.class).withName(cluster).get();
    return mc == null || mc.getStatus() == null ? Conditions.UNKNOWN
        : Conditions.statusOf(mc.getStatus().conditions, ManagementCluster.AVAILABLE);
  }

  public KubernetesClient hub() { return hub.adminClient(); }

  public MockApiServer hubServer() { return hub; }

  public KubernetesClient spokeClient(String cluster) { return spoke(cluster).server.adminClient(); }

  public MockApiServer spokeServer(String cluster) { return spoke(cluster).server; }

  public HyperShiftSimulator simulator(String cluster) { return spoke(cluster).simulator; }

  /** The fleet's physical hosts (the NodePools' workers), shared by every management cluster. */
  public io.flotilla.sandbox.workers.HostRegistry hosts() { return hosts; }

  public WorkloadSimulator workloads(String cluster) { return spoke(cluster).workloads; }

  public List<String> clusterNames() { return List.copyOf(spokes.keySet()); }

  public List<String> hostedClusters(String cluster) { return Collections.unmodifiableList(spoke(cluster).hostedClusters); }

  public ObjectStore objectStore() { return store; }

  public Options options() { return options; }

  public Duration gracePeriod() { return options.heartbeat().multipliedBy(options.graceHeartbeats()); }

  private Spoke spoke(String cluster) {
    Spoke spoke = spokes.get(cluster);
    if (spoke == null) {
      throw new IllegalArgumentException("no management cluster " + cluster + " in this sandbox; have " + spokes.keySet());
    }
    return spoke;
  }

  /** Stops everything this fleet started, in reverse order; safe to call twice and after a failed start. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    deleteIfExists(options.dir().toAbsolutePath().resolve("ready"));
    List<Runnable> steps = new ArrayList<>();
    // the agent Deployments' runners first: they would otherwise restart agents being stopped
    spokes.values().forEach(s -> steps.add(() -> { if (s.agentDeployment != null) s.agentDeployment.close(); }));
    if (agentProcesses != null) {
      // all at once, while the API servers they talk to still answer; including agents `sandbox agent start` started
      steps.add(() -> agentProcesses.stop(spokes.keySet(), AgentProcesses.STOP_TIMEOUT));
    } else {
      spokes.keySet().forEach(name -> steps.add(() -> stopAgent(name)));
    }
    steps.add(() -> { if (hubManager != null) hubManager.close(); });
    steps.add(() -> { if (addOnManager != null) addOnManager.close(); });
    spokes.values().forEach(s -> steps.add(() -> { if (s.addOnAgents != null) s.addOnAgents.close(); }));
    steps.add(() -> { if (ocm != null) ocm.close(); });
    spokes.values().forEach(s -> steps.add(() -> { if (s.simulator != null) s.simulator.close(); }));
    spokes.values().forEach(s -> steps.add(() -> { if (s.workloads != null) s.workloads.close(); }));
    spokes.values().forEach(s -> steps.add(s.server::close));
    steps.add(() -> { if (hub != null) hub.close(); });
    steps.add(() -> { if (store != null) store.close(); });
    RuntimeException failure = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ---- helpers

  public static void await(Duration timeout, String what, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + "s waiting for " + what);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  private static String s3Env(ObjectStore store) {
    return "S3_ENDPOINT=" + store.endpoint() + "\n"
        + "AWS_REGION=" + store.region() + "\n"
        + "S3_BUCKET=" + store.bucket() + "\n"
        + "AWS_ACCESS_KEY_ID=" + store.accessKey() + "\n"
        + "AWS_SECRET_ACCESS_KEY=" + store.secretKey() + "\n";
  }

  private static HostedCluster.LocalObjectReference ref(String name) {
    HostedCluster.LocalObjectReference ref = new HostedCluster.LocalObjectReference();
    ref.name = name;
    return ref;
  }

  private static void secret(KubernetesClient client, String ns, String name, String key, String value) {
    client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
        .endMetadata().addToStringData(key, value).build()).create();
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private static String randomToken() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String randomSuffix() {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  static void deleteIfExists(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files holding credentials are owner-only, as kubectl and the AWS CLI expect. */
  static void writeFile(Path file, String content, boolean secret) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, content);
      if (secret) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
