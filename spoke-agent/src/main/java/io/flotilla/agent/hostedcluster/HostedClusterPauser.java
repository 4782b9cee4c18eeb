package io.flotilla.agent.hostedcluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Carries out a {@link PausePlan} and the optional API-server quiesce on the management cluster, and undoes both.
 * Every write is a JSON merge patch of one scalar field, so it never races with HyperShift's status writes.
 */
public final class HostedClusterPauser {
  private static final Logger log = LoggerFactory.getLogger(HostedClusterPauser.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The etcd writers the etcd-backup procedure scales down (hypershift.md §1.2 step 2), in that order. */
  public static final List<String> API_SERVERS = List.of("kube-apiserver", "openshift-apiserver",
      "openshift-oauth-apiserver");

  private final KubernetesClient local;

  public HostedClusterPauser(KubernetesClient local) {
    this.local = Objects.requireNonNull(local);
  }

  public static String key(HasMetadata object) {
    return object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }

  /** The NodePools of a HostedCluster: same namespace, {@code spec.clusterName} naming it. */
  public List<NodePool> nodePoolsOf(HostedCluster hc) {
    return local.resources(NodePool.class).inNamespace(hc.getMetadata().getNamespace()).list().getItems().stream()
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

  /** Writes the plan's deadline on every object it pauses. */
  public void pause(PausePlan plan) {
    for (String key : plan.objectsToPause()) {
      setPausedUntil(key, plan.deadline());
    }
  }

  /**
   * Undoes {@link #pause}: each object gets its previous value back, unless someone changed {@code pausedUntil}
   * after we set it (then theirs wins) or the object is gone.
   */
  public void resume(PausePlan plan) {
    for (String key : plan.objectsToPause()) {
      HasMetadata current = get(key);
      if (current == null) {
        continue;
      }
      String now = pausedUntilOf(current);
      if (!plan.deadline().equals(now)) {
        log.info("{}: pausedUntil changed to '{}' since the backup paused it; leaving it", key, now);
        continue;
      }
      setPausedUntil(key, plan.restoreFor(key).orElseThrow().value());
    }
  }

  /**
   * The API servers that exist and run, with their replicas: what a quiesce scales to zero and later puts back.
   * Read before scaling, so the journal holds the counts before anything changes.
   */
  public Map<String, Integer> apiServerReplicas(String controlPlaneNamespace) {
    Map<String, Integer> replicas = new LinkedHashMap<>();
    for (String name : API_SERVERS) {
      Deployment d = local.apps().deployments().inNamespace(controlPlaneNamespace).withName(name).get();
      Integer r = d == null || d.getSpec() == null ? null : d.getSpec().getReplicas();
      if (r != null && r > 0) {
        replicas.put(name, r);
      }
    }
    return replicas;
  }

  /** Scales the named deployments to zero (the quiesce). */
  public void scaleToZero(String controlPlaneNamespace, java.util.Collection<String> deployments) {
    for (String name : deployments) {
      scale(controlPlaneNamespace, name, 0);
    }
  }

  /** Puts back the replica counts {@link #quiesce} recorded, for deployments still at zero. */
  public void unquiesce(String controlPlaneNamespace, Map<String, Integer> previous) {
    previous.forEach((name, replicas) -> {
      Deployment d = local.apps().deployments().inNamespace(controlPlaneNamespace).withName(name).get();
      if (d != null && d.getSpec() != null && Objects.equals(d.getSpec().getReplicas(), 0)) {
        scale(controlPlaneNamespace, name, replicas);
      }
    });
  }

  private void scale(String namespace, String name, int replicas) {
    local.apps().deployments().inNamespace(namespace).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  private void setPausedUntil(String key, String value) {
    String[] parts = key.split("/", 3);
    String patch;
    try {
      patch = "{\"spec\":{\"pausedUntil\":" + (value == null ? "null" : JSON.writeValueAsString(value)) + "}}";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    resourceFor(parts[0]).inNamespace(parts[1]).withName(parts[2]).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  private HasMetadata get(String key) {
    String[] parts = key.split("/", 3);
    return resourceFor(parts[0]).inNamespace(parts[1]).withName(parts[2]).get();
  }

  private static String pausedUntilOf(HasMetadata object) {
    if (object instanceof HostedCluster hc) {
      return hc.getSpec() == null ? null : hc.getSpec().pausedUntil;
    }
    NodePool np = (NodePool) object;
    return np.getSpec() == null ? null : np.getSpec().pausedUntil;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private io.fabric8.kubernetes.client.dsl.MixedOperation<HasMetadata, ?, io.fabric8.kubernetes.client.dsl.Resource<HasMetadata>> resourceFor(String kind) {
    return switch (kind) {
      case "HostedCluster" -> (io.fabric8.kubernetes.client.dsl.MixedOperation) local.resources(HostedCluster.class);
      case "NodePool" -> (io.fabric8.kubernetes.client.dsl.MixedOperation) local.resources(NodePool.class);
      default -> throw new IllegalArgumentException("not a pausable kind: " + kind);
    };
  }
}
