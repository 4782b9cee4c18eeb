package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Carries out a {@link PausePlan} and the optional API-server quiesce on the management cluster, and undoes both.
 * Every write is a compare-and-set of one field ({@link ManagementObjects#compareAndSet}): it happens only while the
 * field still has the value the plan read, so a change a person or HyperShift makes in between wins. Pausing and
 * quiescing report such a change as a {@link Conflict} (the backup stops and undoes what it did); resuming leaves the
 * changed field as it is and returns it, so the backup can say so.
 */
public final class HostedClusterPauser {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterPauser.class);

  /** The etcd writers the etcd-backup procedure scales down (docs/hypershift-facts.md §1.2 step 2), in that order. */
  public static final List<String> API_SERVERS = List.of("kube-apiserver", "openshift-apiserver",
      "openshift-oauth-apiserver");

  /** A field changed between the plan's read and our write; theirs is kept. */
  public static final class Conflict extends RuntimeException {
    public Conflict(String message) {
      super(message);
    }
  }

  private final ManagementObjects objects;

  public HostedClusterPauser(ManagementObjects objects) {
    this.objects = Objects.requireNonNull(objects);
  }

  public HostedClusterPauser(KubernetesClient local) {
    this(new ManagementObjects(local));
  }

  public static String key(HasMetadata object) {
    return object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  /** The NodePools of a HostedCluster: same namespace, {@code spec.clusterName} naming it. */
  public List<NodePool> nodePoolsOf(HostedCluster hc) {
    return objects.list(NodePool.class, hc.getMetadata().getNamespace()).stream()
        .filter(np -> np.getSpec() != null && hc.getMetadata().getName().equals(np.getSpec().clusterName))
        .sorted(java.util.Comparator.comparing(np -> np.getMetadata().getName()))
        .toList();
  }

  /** Object key → current {@code spec.pausedUntil}, HostedCluster first: the input of {@link PausePlan#plan}. */
  public static Map<String, String> currentPause(HostedCluster hc, List<NodePool> nodePools) {
    Map<String, String> current = new LinkedHashMap<>();
    current.put(key(hc), hc.getSpec() == null ? null : hc.getSpec().pausedUntil);
    for (NodePool np : nodePools) {
      current.put(key(np), np.getSpec() == null ? null : np.getSpec().pausedUntil);
    }
    return current;
  }

  /**
   * Writes the plan's deadline on every object it pauses, each only while it still has the value the plan recorded.
   *
   * @throws Conflict a {@code pausedUntil} changed since the plan read it (objects paused before it stay paused for
   *                  the caller's resume to undo)
   */
  public void pause(PausePlan plan) {
    for (String key : plan.objectsToPause()) {
      String[] k = key.split("/", 3);
      String expected = plan.restoreFor(key).orElseThrow().value();
      ManagementObjects.SwapResult r = objects.compareAndSet(k[0], k[1], k[2], HostedClusterPausePlan.Field.PAUSED_UNTIL,
          expected, plan.deadline());
      if (r.swap() == ManagementObjects.Swap.CHANGED) {
        throw new Conflict(describe(key) + " spec.pausedUntil changed from '" + expected + "' to '" + r.found()
            + "' while the backup was pausing it");
      }
    }
  }

  /**
   * Undoes {@link #pause}: each object gets its previous value back while it still has our deadline; one someone changed
   * since keeps theirs, one that is gone is skipped.
   *
   * @return the objects left as someone else changed them ("HostedCluster clusters/hc-1 = true")
   */
  public List<String> resume(PausePlan plan) {
    List<String> keptTheirs = new ArrayList<>();
    for (String key : plan.objectsToPause()) {
      String[] k = key.split("/", 3);
      ManagementObjects.SwapResult r = objects.compareAndSet(k[0], k[1], k[2], HostedClusterPausePlan.Field.PAUSED_UNTIL,
          plan.deadline(), plan.restoreFor(key).orElseThrow().value());
      if (r.swap() == ManagementObjects.Swap.CHANGED) {
        log.info("{}: pausedUntil changed to '{}' since the backup paused it; leaving it", key, r.found());
        keptTheirs.add(describe(key) + " spec.pausedUntil = " + r.found());
      }
    }
    return keptTheirs;
  }

  /**
   * The API servers that exist and run, with their replicas: what a quiesce scales to zero and later puts back.
   * Read before scaling, so the journal holds the counts before anything changes.
   */
  public Map<String, Integer> apiServerReplicas(String controlPlaneNamespace) {
    Map<String, Integer> replicas = new LinkedHashMap<>();
    for (String name : API_SERVERS) {
      Deployment d = objects.get(Deployment.class, controlPlaneNamespace, name);
      Integer r = d == null || d.getSpec() == null ? null : d.getSpec().getReplicas();
      if (r != null && r > 0) {
        replicas.put(name, r);
      }
    }
    return replicas;
  }

  /**
   * Scales the recorded deployments to zero (the quiesce), each only while it has the replicas recorded.
   *
   * @throws Conflict a deployment was scaled by someone else since it was read
   */
  public void scaleToZero(String controlPlaneNamespace, Map<String, Integer> recorded) {
    recorded.forEach((name, replicas) -> {
      ManagementObjects.SwapResult r = objects.compareAndSet("Deployment", controlPlaneNamespace, name,
          HostedClusterPausePlan.Field.REPLICAS, String.valueOf(replicas), "0");
      if (r.swap() == ManagementObjects.Swap.CHANGED) {
        throw new Conflict("Deployment " + controlPlaneNamespace + "/" + name + " was scaled from " + replicas + " to "
            + r.found() + " while the backup was quiescing it");
      }
    });
  }

  /**
   * Puts back the replica counts {@link #scaleToZero} recorded, for deployments still at zero.
   *
   * @return the deployments left as someone else scaled them
   */
  public List<String> unquiesce(String controlPlaneNamespace, Map<String, Integer> previous) {
    List<String> keptTheirs = new ArrayList<>();
    previous.forEach((name, replicas) -> {
      ManagementObjects.SwapResult r = objects.compareAndSet("Deployment", controlPlaneNamespace, name,
          HostedClusterPausePlan.Field.REPLICAS, "0", String.valueOf(replicas));
      if (r.swap() == ManagementObjects.Swap.CHANGED) {
        log.info("Deployment {}/{}: replicas changed to {} since the quiesce; leaving it", controlPlaneNamespace, name,
            r.found());
        keptTheirs.add("Deployment " + controlPlaneNamespace + "/" + name + " spec.replicas = " + r.found());
      }
    });
    return keptTheirs;
  }

  /** "HostedCluster clusters/hc-1" for the key "HostedCluster/clusters/hc-1". */
  private static String describe(String key) {
    String[] k = key.split("/", 3);
    return ManagementObjects.describe(k[0], k[1], k[2]);
  }
}
