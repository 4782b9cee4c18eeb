package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.common.Conditions;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.etcd.SeedResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The control-plane operator's side of a hosted control plane: a real etcd per control plane, restored at creation
 * from {@code restoreSnapshotURL} by etcd-init (docs/hypershift-facts.md §1.4), and published to clients as the Secret, ConfigMap
 * and Service the real one creates; {@code EtcdSnapshotRestored} on the HostedControlPlane; the HostedControlPlane's
 * finalizer. etcd stops with its HostedCluster; its data directory is the PVC and goes with the control-plane
 * namespace.
 *
 * <p>Threading: restore, start and seed can take many seconds, so they run on a provisioner thread of their own, which
 * tells the HostedCluster controller when etcd is up or has failed.
 */
final class HostedControlPlaneController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostedControlPlaneController.class);
  static final String ETCD_CLIENT_SECRET = "etcd-client-tls";
  static final String ETCD_CA_CONFIGMAP = "etcd-ca";
  static final String ETCD_CLIENT_SERVICE = "etcd-client";
  static final String ETCD_MEMBER = "etcd-0";

  private final String managementClusterName;
  private final KubernetesClient client;
  private final Path workDir;
  private final long seedBytesPerHostedCluster;
  private final HttpClient http;
  private final ControlPlanes controlPlanes;
  private final WorkQueue queue;
  private final KubeApiServers kubeApiServers;
  /** Wakes the HostedCluster {@code namespace, name} once its etcd is up or has failed. */
  private final BiConsumer<String, String> etcdChanged;
  private final ExecutorService provisioner;
  private EtcdLauncher launcher;
  private EtcdInit etcdInit;

  HostedControlPlaneController(String managementClusterName, KubernetesClient client, Path workDir,
                               long seedBytesPerHostedCluster, HttpClient http, ControlPlanes controlPlanes,
                               WorkQueue queue, KubeApiServers kubeApiServers, BiConsumer<String, String> etcdChanged) {
    this.managementClusterName = managementClusterName;
    this.client = client;
    this.workDir = workDir;
    this.seedBytesPerHostedCluster = seedBytesPerHostedCluster;
    this.http = http;
    this.controlPlanes = controlPlanes;
    this.queue = queue;
    this.kubeApiServers = kubeApiServers;
    this.etcdChanged = etcdChanged;
    this.provisioner = Executors.newSingleThreadExecutor(WorkQueue.daemon("hypershift-etcd-" + managementClusterName));
  }

  /** Finds the etcd binary; fails fast, with the install hint, when etcd is missing. */
  void start() {
    launcher = new EtcdLauncher();
    etcdInit = new EtcdInit(http, launcher.binary());
  }

  /** See {@link HyperShiftSimulator#blockRestoreDownloads}. */
  void blockRestoreDownloads(boolean blocked) {
    etcdInit.blockDownloads(blocked);
  }

  /**
   * What etcd-init of a new control plane restores: the URL set at creation, unless the HostedControlPlane (applied
   * from a backup) says its snapshot is restored already; a URL the real API server would reject fails the restore.
   */
  void prepareRestore(ControlPlane cp) {
    if (cp.restoreUrlsAtCreation.isEmpty()) {
      return;
    }
    HostedControlPlane existing = client.resources(HostedControlPlane.class).inNamespace(cp.controlPlaneNamespace)
        .withName(cp.name).get();
    boolean alreadyRestored = existing != null && existing.getStatus() != null
        && Conditions.isTrue(existing.getStatus().conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED);
    if (!alreadyRestored) {
      RestoreSnapshotUrl.Result parsed = RestoreSnapshotUrl.parse(cp.restoreUrlsAtCreation);
      parsed.url().ifPresent(u -> cp.restoreUrl = u);
      parsed.rejection().ifPresent(r -> {
        cp.restore = RestoreOutcome.failed(r.reason(), r.message());
        cp.failure = r.message();
      });
    }
  }

  /** Starts etcd of a new control plane on the provisioner thread, unless its restore failed already. */
  void provision(ControlPlane cp) {
    if (cp.restore == null || !cp.restore.failed()) {
      long seed = Objects.hash(managementClusterName, cp.namespace, cp.name);
      provisioner.execute(() -> startEtcd(cp, seed));
    }
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
          // etcd never starts; the condition is final (the CPO sets it once), see HyperShiftSimulator.REASON_ETCD_RESTORE_FAILED
          cp.failure = "etcd-init failed: " + outcome.message();
          etcdChanged.accept(cp.namespace, cp.name);
          return;
        }
        restored = outcome.restored();
      }
      if (cp.deleted.get() || queue.closed()) {
        return;
      }
      EtcdProcess etcd = launcher.start(ETCD_MEMBER, member, cp.tls);
      cp.etcd = etcd;
      if (cp.deleted.get() || queue.closed()) {
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
    etcdChanged.accept(cp.namespace, cp.name);
  }

  private void publishEtcd(ControlPlane cp, EtcdProcess etcd) {
    String ns = cp.controlPlaneNamespace;
    client.resource(new SecretBuilder().withNewMetadata().withName(ETCD_CLIENT_SECRET).withNamespace(ns).endMetadata()
        .withType("Opaque")
        .addToData("etcd-client.crt", Kube.base64(cp.tls.clientCertPem()))
        .addToData("etcd-client.key", Kube.base64(cp.tls.clientKeyPem()))
        .addToData("etcd-client-ca.crt", Kube.base64(cp.tls.caPem()))
        .build()).createOr(NonDeletingOperation::update);
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(ETCD_CA_CONFIGMAP).withNamespace(ns).endMetadata()
        .addToData("ca.crt", cp.tls.caPem()).build()).createOr(NonDeletingOperation::update);
    // ExternalName localhost: from the sandbox's point of view etcd is on this machine, at this port.
    client.resource(new ServiceBuilder().withNewMetadata().withName(ETCD_CLIENT_SERVICE).withNamespace(ns).endMetadata()
        .withNewSpec().withType("ExternalName").withExternalName("localhost")
        .addNewPort().withName("etcd-client").withProtocol("TCP").withPort(etcd.port()).endPort()
        .endSpec().build()).createOr(NonDeletingOperation::update);
  }

  /** The control-plane operator's EtcdSnapshotRestored, once etcd-init has run (only when a restore URL is set). */
  void updateStatus(ControlPlane cp) {
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

  /** The control-plane operator lets a deleted HostedControlPlane go (nothing to clean up in the sandbox). */
  boolean releaseDeleted(String ns) {
    boolean progressed = false;
    for (var hcp : Kube.list(client, HostedControlPlane.class, ns)) {
      if (Kube.isDeleting(hcp) && Kube.hasFinalizer(hcp, HostedCluster.FINALIZER)) {
        Kube.removeFinalizer(client, hcp, HostedCluster.FINALIZER);
        progressed = true;
      }
    }
    return progressed;
  }

  /** Stops etcd. The data directory is the PVC: it goes with the control-plane namespace (see namespaceDeleted). */
  void stop(String namespace, String name) {
    ControlPlane cp = controlPlanes.remove(namespace, name);
    if (cp == null) {
      return;
    }
    cp.deleted.set(true);
    kubeApiServers.stop(cp); // its kube-apiserver goes first: it writes to this etcd
    // Stop etcd on the provisioner thread, after any provisioning still running for this cluster.
    provisioner.execute(() -> stopEtcd(cp));
    LOG.info("{}: stopped the control plane of {}/{}", managementClusterName, namespace, name);
  }

  /** A deleted namespace takes its etcd data (the PVC) with it, unless a control plane still runs there. */
  void namespaceDeleted(String ns) {
    if (controlPlanes.inUse(ns)) {
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
    controlPlanes.forget(ns);
  }

  private static void stopEtcd(ControlPlane cp) {
    EtcdProcess etcd = cp.etcd;
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Stops the kube-apiservers, stops provisioning and waits for it, and stops every etcd. */
  @Override
  public void close() {
    kubeApiServers.close();
    provisioner.shutdownNow();
    try {
      provisioner.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    controlPlanes.all().forEach(HostedControlPlaneController::stopEtcd);
  }
}
