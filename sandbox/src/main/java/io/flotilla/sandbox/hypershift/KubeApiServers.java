package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.sandbox.workers.Host;
import io.flotilla.sandbox.workers.HostRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated kube-apiservers of one management cluster (docs/hypershift-facts.md §8.7): a
 * {@link KubeApiServerWriter} for each control plane whose etcd etcd-init restored from a snapshot, while that etcd
 * runs and the control plane's {@code kube-apiserver} Deployment has replicas. {@code pausedUntil} does not stop a
 * kube-apiserver (§8.6), so a paused hosted cluster's etcd keeps changing; a scale to 0 stops it at once (a real one
 * serves for up to its 70 s shutdown delay). Seeded control planes get no writer, so the backups of a test hold exactly
 * what the test wrote.
 *
 * <p>Threading: {@link #reconcile} runs on the work queue; {@link #stop} before the control plane's etcd stops;
 * {@link #close} from whoever closes the simulator. One lock covers the writers, and none starts once closed.
 */
final class KubeApiServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeApiServers.class);
  static final String DEPLOYMENT = "kube-apiserver";

  private final String managementClusterName;
  private final KubernetesClient client;
  private final HostRegistry hosts;
  private final Map<ControlPlane, KubeApiServerWriter> writers = new IdentityHashMap<>();
  private KubeApiServerCadence cadence = KubeApiServerCadence.DEFAULTS;
  private boolean closed;

  KubeApiServers(String managementClusterName, KubernetesClient client, HostRegistry hosts) {
    this.managementClusterName = managementClusterName;
    this.client = client;
    this.hosts = hosts;
  }

  /** The cadence of kube-apiservers started from now on. */
  synchronized void cadence(KubeApiServerCadence cadence) {
    this.cadence = cadence;
  }

  /** Starts or stops the control plane's kube-apiserver writes as its state says. */
  void reconcile(ControlPlane cp) {
    int replicas = replicas(cp.controlPlaneNamespace);
    synchronized (this) {
      KubeApiServerWriter running = writers.get(cp);
      boolean writes = !closed && writes(cp, replicas);
      if (writes && running == null) {
        KubeApiServerWriter writer = new KubeApiServerWriter(cp.controlPlaneNamespace, cp.etcd.newClient(), replicas,
            () -> nodesOf(cp.controlPlaneNamespace), cadence, Clock.systemUTC());
        writers.put(cp, writer);
        writer.start();
        LOG.info("{}: kube-apiserver of {}/{} writes to its restored etcd ({} replicas; compaction every {})",
            managementClusterName, cp.namespace, cp.name, replicas, cadence.compaction());
      } else if (!writes && running != null) {
        stop(cp);
      }
    }
  }

  /** Whether the control plane has a kube-apiserver writing to etcd: restored, etcd up, not scaled to 0, not deleted. */
  static boolean writes(ControlPlane cp, int kubeApiServerReplicas) {
    RestoreOutcome restore = cp.restore;
    return cp.ready && !cp.deleted.get() && restore != null && restore.restored() && cp.etcd != null
        && cp.etcd.isAlive() && kubeApiServerReplicas > 0;
  }

  /** Stops the control plane's writes, if any; before its etcd stops. */
  synchronized void stop(ControlPlane cp) {
    KubeApiServerWriter writer = writers.remove(cp);
    if (writer != null) {
      writer.close();
      LOG.info("{}: kube-apiserver of {}/{} stopped writing", managementClusterName, cp.namespace, cp.name);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    writers.values().forEach(KubeApiServerWriter::close);
    writers.clear();
  }

  /** spec.replicas of the control plane's kube-apiserver Deployment; 0 when there is none (nothing serves). */
  private int replicas(String controlPlaneNamespace) {
    Deployment d = client.apps().deployments().inNamespace(controlPlaneNamespace).withName(DEPLOYMENT).get();
    if (d == null || Kube.isDeleting(d)) {
      return 0;
    }
    Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
    return replicas == null ? 1 : replicas; // Kubernetes defaults spec.replicas to 1
  }

  /** The hosts installed into a ClusterDeployment of this control plane: the hosted cluster's nodes. */
  private List<String> nodesOf(String controlPlaneNamespace) {
    String prefix = controlPlaneNamespace + "/";
    return hosts.hosts().stream().filter(h -> h.boundTo().filter(cd -> cd.startsWith(prefix)).isPresent())
        .map(Host::hostname).sorted().toList();
  }
}
