package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.common.Conditions;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.etcd.SeedResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Simulates the HyperShift operator on one management cluster (first part: HostedCluster control planes with real
 * etcd, and pausedUntil handling on HostedClusters and NodePools), as reference/hypershift.md describes it.
 *
 * <p>Threading: informer callbacks only enqueue. One worker thread runs every reconcile, so the logic needs no locks;
 * a second thread provisions etcd (start + seed can take many seconds) and re-enqueues the HostedCluster when done.
 */
public final class HyperShiftSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HyperShiftSimulator.class);
  static final String ETCD_CLIENT_SECRET = "etcd-client-tls";
  static final String ETCD_CA_CONFIGMAP = "etcd-ca";
  static final String ETCD_CLIENT_SERVICE = "etcd-client";
  static final String HCP_NAMESPACE_LABEL = "hypershift.openshift.io/hosted-control-plane";
  private static final String REASON_WAITING_FOR_ETCD = "WaitingForEtcd";
  private static final String REASON_ETCD_FAILED = "EtcdFailed";
  /** Re-evaluate a pause deadline a little after it passes, so "now" is safely past it. */
  private static final Duration DEADLINE_SLACK = Duration.ofMillis(100);

  private final String managementClusterName;
  private final KubernetesClient client;
  private final Path workDir;
  private final long seedBytesPerHostedCluster;
  private final Map<String, ControlPlane> controlPlanes = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final ScheduledExecutorService worker;
  private final ExecutorService provisioner;
  private EtcdLauncher launcher;
  private volatile boolean closed;

  public HyperShiftSimulator(String managementClusterName, KubernetesClient client, Path workDir,
                             long seedBytesPerHostedCluster) {
    this.managementClusterName = managementClusterName;
    this.client = client;
    this.workDir = workDir;
    this.seedBytesPerHostedCluster = seedBytesPerHostedCluster;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hypershift-sim-" + managementClusterName));
    this.provisioner = Executors.newSingleThreadExecutor(r -> daemon(r, "hypershift-etcd-" + managementClusterName));
  }

  public synchronized void start() {
    if (launcher != null) {
      return;
    }
    launcher = new EtcdLauncher(); // fails fast, with the install hint, when etcd is missing
    informers.add(client.resources(HostedCluster.class).inAnyNamespace().inform(handler(
        hc -> enqueue(() -> reconcileHostedCluster(hc.getMetadata().getNamespace(), hc.getMetadata().getName())),
        hc -> enqueue(() -> teardown(hc.getMetadata().getNamespace(), hc.getMetadata().getName()))), 0));
    informers.add(client.resources(NodePool.class).inAnyNamespace().inform(handler(
        np -> enqueue(() -> reconcileNodePool(np.getMetadata().getNamespace(), np.getMetadata().getName())),
        np -> { }), 0));
    LOG.info("HyperShift simulator started on {}", managementClusterName);
  }

  public Optional<EtcdProcess> etcdFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(key(namespace, name))).filter(c -> c.ready).map(c -> c.etcd);
  }

  public Optional<EtcdTls> tlsFor(String namespace, String name) {
    return Optional.ofNullable(controlPlanes.get(key(namespace, name))).map(c -> c.tls);
  }

  // ---------------------------------------------------------------- HostedCluster

  private void reconcileHostedCluster(String namespace, String name) {
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    if (hc == null) {
      teardown(namespace, name);
      return;
    }
    if (hc.getMetadata().getDeletionTimestamp() != null) {
      teardown(namespace, name);
      return;
    }
    Instant now = Instant.now();
    HostedCluster.Spec spec = hc.getSpec() == null ? new HostedCluster.Spec() : hc.getSpec();
    PausedUntil pause = PausedUntil.evaluate(spec.pausedUntil, now);
    pause.until().ifPresent(deadline -> schedule(() -> reconcileHostedCluster(namespace, name), deadline));
    ControlPlane cp = controlPlanes.get(key(namespace, name));
    if (pause.paused()) {
      // HyperShift returns early when paused: it only propagates the pause to the HCP and the CAPI Cluster.
      if (cp != null) {
        applyPause(cp, hc, spec.pausedUntil, true);
      }
    } else {
      if (cp == null) {
        cp = provision(hc);
      }
      ensureHostedControlPlane(cp, hc);
      ensureControlPlaneWorkloads(cp);
      applyPause(cp, hc, null, false);
    }
    updateHostedClusterStatus(namespace, name, cp, pause, now);
  }

  private ControlPlane provision(HostedCluster hc) {
    String namespace = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    ControlPlane cp = new ControlPlane(namespace, name, hc.controlPlaneNamespace(), workDir.resolve(hc.controlPlaneNamespace()));
    controlPlanes.put(key(namespace, name), cp);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(cp.controlPlaneNamespace)
        .addToLabels(HCP_NAMESPACE_LABEL, "true").endMetadata().build()).createOr(NonDeletingOperation::update);
    long seed = Objects.hash(managementClusterName, namespace, name);
    provisioner.execute(() -> startEtcd(cp, seed));
    return cp;
  }

  /** On the provisioner thread: TLS, etcd, seed, then the objects that let clients reach it. */
  private void startEtcd(ControlPlane cp, long seed) {
    try {
      cp.tls = EtcdTls.generate(cp.controlPlaneNamespace);
      EtcdProcess etcd = launcher.start("etcd-0", cp.dir.resolve("etcd-0"), cp.tls);
      cp.etcd = etcd;
      if (cp.deleted.get() || closed) {
        etcd.close();
        return;
      }
      if (seedBytesPerHostedCluster > 0) {
        try (Client etcdClient = etcd.newClient()) {
          SeedResult result = EtcdSeeder.seed(etcdClient, seedBytesPerHostedCluster, seed);
          LOG.info("seeded etcd of {}/{}: {} keys, {} bytes", cp.namespace, cp.name, result.keys(), result.bytes());
        }
      }
      publishEtcd(cp, etcd);
      cp.ready = true;
    } catch (RuntimeException e) {
      cp.failure = e.getMessage();
      LOG.warn("etcd for {}/{} failed: {}", cp.namespace, cp.name, e.getMessage());
    }
    enqueue(() -> reconcileHostedCluster(cp.namespace, cp.name));
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

  private void ensureHostedControlPlane(ControlPlane cp, HostedCluster hc) {
    String ns = cp.controlPlaneNamespace;
    if (client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get() == null) {
      HostedControlPlane hcp = new HostedControlPlane();
      hcp.setMetadata(new ObjectMetaBuilder().withName(cp.name).withNamespace(ns)
          .addToAnnotations("hypershift.openshift.io/cluster", cp.namespace + "/" + cp.name).build());
      hcp.getSpec().pausedUntil = hc.getSpec().pausedUntil;
      hcp.getSpec().etcd = hc.getSpec().etcd;
      client.resource(hcp).create();
    }
    String clusterName = infraId(hc);
    if (client.resources(Cluster.class).inNamespace(ns).withName(clusterName).get() == null) {
      Cluster cluster = new Cluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(clusterName).withNamespace(ns).build());
      client.resource(cluster).create();
    }
  }

  /**
   * The control plane's API servers and PKI Secrets, as the control-plane operator creates them. While the hosted
   * cluster is not paused the operator owns the replica counts: anything scaled away is scaled back, which is why a
   * quiesce must happen under a pause (hypershift.md §1.2 step 2).
   */
  private void ensureControlPlaneWorkloads(ControlPlane cp) {
    String ns = cp.controlPlaneNamespace;
    API_SERVER_REPLICAS.forEach((name, replicas) -> {
      var existing = client.apps().deployments().inNamespace(ns).withName(name).get();
      if (existing == null) {
        client.apps().deployments().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
            .withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", name).endMetadata()
            .withNewSpec().withReplicas(replicas)
            .withNewSelector().addToMatchLabels("app", name).endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName(name).withImage("quay.io/openshift/" + name + ":sandbox")
            .endContainer().endSpec().endTemplate()
            .endSpec().build()).create();
      } else if (!Objects.equals(existing.getSpec().getReplicas(), replicas)) {
        client.apps().deployments().inNamespace(ns).withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
      }
    });
    if (client.secrets().inNamespace(ns).withName("root-ca").get() == null) {
      var ca = io.flotilla.sandbox.tls.Pki.newCa("root-ca." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("root-ca")
          .withNamespace(ns).endMetadata().withType("kubernetes.io/tls")
          .addToData("tls.crt", b64(ca.certificatePem())).addToData("tls.key", b64(ca.privateKeyPem())).build()).create();
    }
    if (client.secrets().inNamespace(ns).withName("sa-signing-key").get() == null) {
      var key = io.flotilla.sandbox.tls.Pki.newCa("sa-signing-key." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("sa-signing-key")
          .withNamespace(ns).endMetadata().addToData("service-account.key", b64(key.privateKeyPem())).build()).create();
    }
  }

  /** Replica counts of a highly-available control plane's API servers. */
  static final Map<String, Integer> API_SERVER_REPLICAS = new java.util.LinkedHashMap<>(Map.of(
      "kube-apiserver", 3, "openshift-apiserver", 2, "openshift-oauth-apiserver", 2));

  /** pausedUntil → HCP.spec.pausedUntil and CAPI Cluster.spec.paused (hypershift.md §1.3), or clears both. */
  private void applyPause(ControlPlane cp, HostedCluster hc, String pausedUntil, boolean paused) {
    String ns = cp.controlPlaneNamespace;
    mergePatch(client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get(),
        hcp -> !Objects.equals(hcp.getSpec().pausedUntil, pausedUntil),
        "{\"spec\":{\"pausedUntil\":" + (pausedUntil == null ? "null" : json(pausedUntil)) + "}}");
    mergePatch(client.resources(Cluster.class).inNamespace(ns).withName(infraId(hc)).get(),
        c -> !Objects.equals(c.getSpec() == null ? null : c.getSpec().paused, paused ? Boolean.TRUE : null),
        "{\"spec\":{\"paused\":" + (paused ? "true" : "null") + "}}");
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void mergePatch(
      T current, java.util.function.Predicate<T> needed, String patch) {
    if (current != null && needed.test(current)) {
      client.resource(current).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
  }

  private void updateHostedClusterStatus(String namespace, String name, ControlPlane cp, PausedUntil pause, Instant now) {
    editStatus(HostedCluster.class, namespace, name, hc -> {
      if (hc.getStatus() == null) {
        hc.setStatus(new HostedCluster.Status());
      }
      List<Condition> conditions = hc.getStatus().conditions;
      Long generation = hc.getMetadata().getGeneration();
      boolean changed = Conditions.set(conditions, HostedCluster.RECONCILIATION_ACTIVE, pause.conditionStatus(),
          pause.reason(), pause.message(), generation, now);
      if (cp != null && cp.ready) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.TRUE, HostedCluster.REASON_AS_EXPECTED,
            "The hosted control plane is available", generation, now);
      } else if (cp != null && cp.failure != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE, REASON_ETCD_FAILED,
            cp.failure, generation, now);
      } else if (cp != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE, REASON_WAITING_FOR_ETCD,
            "Waiting for etcd to become available", generation, now);
      }
      return changed;
    });
  }

  // ---------------------------------------------------------------- NodePool

  private void reconcileNodePool(String namespace, String name) {
    NodePool np = client.resources(NodePool.class).inNamespace(namespace).withName(name).get();
    if (np == null || np.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    Instant now = Instant.now();
    PausedUntil pause = PausedUntil.evaluate(np.getSpec() == null ? null : np.getSpec().pausedUntil, now);
    pause.until().ifPresent(deadline -> schedule(() -> reconcileNodePool(namespace, name), deadline));
    editStatus(NodePool.class, namespace, name, current -> {
      if (current.getStatus() == null) {
        current.setStatus(new NodePool.Status());
      }
      return Conditions.set(current.getStatus().conditions, HostedCluster.RECONCILIATION_ACTIVE, pause.conditionStatus(),
          pause.reason(), pause.message(), current.getMetadata().getGeneration(), now);
    });
  }

  // ---------------------------------------------------------------- deletion

  /** First part of deletion: stop etcd, delete its data and the control-plane objects. */
  private void teardown(String namespace, String name) {
    ControlPlane cp = controlPlanes.remove(key(namespace, name));
    if (cp == null) {
      return;
    }
    cp.deleted.set(true);
    // Stop etcd on the provisioner thread, after any provisioning still running for this cluster.
    provisioner.execute(() -> {
      stopEtcd(cp);
      deleteRecursively(cp.dir);
    });
    String ns = cp.controlPlaneNamespace;
    quietly(() -> client.resources(HostedControlPlane.class).inNamespace(ns).delete());
    quietly(() -> client.resources(Cluster.class).inNamespace(ns).delete());
    quietly(() -> client.secrets().inNamespace(ns).withName(ETCD_CLIENT_SECRET).delete());
    quietly(() -> client.configMaps().inNamespace(ns).withName(ETCD_CA_CONFIGMAP).delete());
    quietly(() -> client.services().inNamespace(ns).withName(ETCD_CLIENT_SERVICE).delete());
    quietly(() -> client.namespaces().withName(ns).delete());
    LOG.info("deleted control plane of {}/{}", namespace, name);
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

  private <T extends io.fabric8.kubernetes.client.CustomResource<?, ?>> void editStatus(
      Class<T> type, String namespace, String name, java.util.function.Predicate<T> mutate) {
    for (int attempt = 0; attempt < 3; attempt++) {
      T current = client.resources(type).inNamespace(namespace).withName(name).get();
      if (current == null || !mutate.test(current)) {
        return;
      }
      try {
        // PUT on /status with the resourceVersion we read (optimistic locking). Not patchStatus(): the 7.5.2 mock
        // applies JSON merge patches with Jackson's updating reader, which appends to arrays instead of replacing
        // them, so every status patch would duplicate the conditions.
        client.resource(current).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  private void enqueue(Runnable task) {
    if (closed) {
      return;
    }
    worker.execute(() -> safely(task));
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

  private static <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(T obj) { upsert.accept(obj); }

      @Override public void onUpdate(T oldObj, T newObj) { upsert.accept(newObj); }

      @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { delete.accept(obj); }
    };
  }

  private static String infraId(HostedCluster hc) {
    String infraId = hc.getSpec() == null ? null : hc.getSpec().infraID;
    return infraId == null || infraId.isBlank() ? hc.getMetadata().getName() : infraId;
  }

  private static String key(String namespace, String name) { return namespace + "/" + name; }

  private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

  private static String json(String s) { return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (KubernetesClientException e) {
      LOG.debug("cleanup: {}", e.getMessage());
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.debug("cannot delete {}: {}", p, e.getMessage());
        }
      });
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", dir, e.getMessage());
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
