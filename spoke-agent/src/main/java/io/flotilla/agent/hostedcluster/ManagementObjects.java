package io.flotilla.agent.hostedcluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.JsonPatches;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the HyperShift, Cluster API, Agent and Hive objects of a hosted cluster on the management cluster,
 * by kind name (the names {@code HostedClusterPause} records in {@code status.saved}). Kinds that are not installed read
 * as "no objects", so a cluster without, say, the Agent platform still pauses and tears down.
 */
public final class ManagementObjects {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ATTEMPTS = 5;

  /** Kind name → class, for every kind a HostedClusterPause or a teardown touches. */
  private static final Map<String, Class<? extends HasMetadata>> KINDS = kinds();

  private final KubernetesClient local;

  public ManagementObjects(KubernetesClient local) {
    this.local = Objects.requireNonNull(local);
  }

  private static Map<String, Class<? extends HasMetadata>> kinds() {
    Map<String, Class<? extends HasMetadata>> k = new LinkedHashMap<>();
    k.put("HostedCluster", HostedCluster.class);
    k.put("NodePool", NodePool.class);
    k.put("HostedControlPlane", HostedControlPlane.class);
    k.put("Deployment", Deployment.class);
    k.put("Cluster", Cluster.class);
    k.put("Machine", Machine.class);
    k.put("AgentMachine", AgentMachine.class);
    k.put("AgentCluster", AgentCluster.class);
    k.put("ClusterDeployment", ClusterDeployment.class);
    k.put("Agent", Agent.class);
    return Map.copyOf(k);
  }

  public static Class<? extends HasMetadata> kind(String name) {
    Class<? extends HasMetadata> type = KINDS.get(name);
    if (type == null) {
      throw new IllegalArgumentException("not a kind Flotilla holds or tears down: " + name);
    }
    return type;
  }

  /** The object, or null when it (or its kind) does not exist. */
  public <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
    try {
      return local.resources(type).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  public HasMetadata get(String kind, String namespace, String name) {
    return get(kind(kind), namespace, name);
  }

  /** The objects of a kind in a namespace (every namespace when null), by name; none when the kind is not installed. */
  public <T extends HasMetadata> List<T> list(Class<T> type, String namespace) {
    try {
      List<T> items = namespace == null ? local.resources(type).inAnyNamespace().list().getItems()
          : local.resources(type).inNamespace(namespace).list().getItems();
      return items.stream().sorted(java.util.Comparator.comparing((T o) -> Objects.toString(o.getMetadata().getNamespace(), ""))
          .thenComparing(o -> o.getMetadata().getName())).toList();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of();
      }
      throw e;
    }
  }

  /**
   * A JSON merge patch (scalars and annotations only: the mock appends arrays). A null value in {@code patch} removes
   * the field.
   */
  public void mergePatch(String kind, String namespace, String name, Map<String, Object> patch) {
    String json;
    try {
      json = JSON.writeValueAsString(patch);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    local.resources(kind(kind)).inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  /**
   * Sets ({@code value} non-null, JSON merge patch) or removes (JSON Patch {@code remove}) an annotation. Not a merge
   * patch with null to remove: the mock API server stores the null instead of dropping the key, and Cluster API's own
   * controllers treat a present {@code cluster.x-k8s.io/paused} key as paused whatever its value (the Agent provider only
   * the value "true"; docs/hypershift-facts.md §3.1), so unpausing must remove the key.
   */
  public void setAnnotation(String kind, String namespace, String name, String key, String value) {
    if (value != null) {
      mergePatch(kind, namespace, name, Map.of("metadata", Map.of("annotations", Map.of(key, value))));
      return;
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      HasMetadata current = get(kind, namespace, name);
      if (current == null || current.getMetadata().getAnnotations() == null
          || !current.getMetadata().getAnnotations().containsKey(key)) {
        return;
      }
      String patch = local.getKubernetesSerialization().asJson(List.of(JsonPatches.unchangedSince(current),
          Map.of("op", "remove", "path", "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1"))));
      try {
        local.resources(kind(kind)).inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return;
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("could not remove annotation " + key + " from " + describe(kind, namespace, name)
        + ": it keeps changing");
  }

  /**
   * Removes every finalizer (docs/hypershift-facts.md §1.5: the controllers that own them are stopped or must not run). JSON Patch
   * with the resource-version precondition, re-read and retried on a conflict with the object's controllers.
   *
   * @return false when the object is gone
   */
  public boolean stripFinalizers(HasMetadata o) {
    HasMetadata current = o;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (current == null) {
        return false;
      }
      List<String> finalizers = current.getMetadata().getFinalizers();
      if (finalizers == null || finalizers.isEmpty()) {
        return true;
      }
      String patch = local.getKubernetesSerialization().asJson(List.of(JsonPatches.unchangedSince(current),
          Map.of("op", "replace", "path", "/metadata/finalizers", "value", List.of())));
      try {
        local.resources(kind(current.getKind())).inNamespace(current.getMetadata().getNamespace())
            .withName(current.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
      current = get(current.getKind(), current.getMetadata().getNamespace(), current.getMetadata().getName());
    }
    throw new IllegalStateException("could not remove the finalizers of " + describe(o) + ": it keeps changing");
  }

  /** What a {@link #compareAndSet} found and did. */
  public enum Swap {
    /** The field had the expected value and now has the new one. */
    WRITTEN,
    /** The field already had the new value: nothing to write. */
    ALREADY,
    /** The field had neither: someone else changed it between our read and our write, and theirs is kept. */
    CHANGED,
    /** The object does not exist. */
    GONE
  }

  /** The outcome of a {@link #compareAndSet}, with the value found when it was {@link Swap#CHANGED}. */
  public record SwapResult(Swap swap, String found) {}

  /**
   * Sets one field of one object from {@code expected} to {@code value} (null = absent), and only then: the read and the
   * write are tied by the resource-version precondition ({@link JsonPatches#unchangedSince}), so a change a person or
   * HyperShift makes in between is never overwritten. A conflict on another field (a status write) is re-read and
   * retried. This is the one way pause bookkeeping (a backup's pause and quiesce, a migration's HostedClusterPause)
   * writes.
   */
  public SwapResult compareAndSet(String kind, String namespace, String name, HostedClusterPausePlan.Field field,
      String expected, String value) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      HasMetadata current = get(kind, namespace, name);
      if (current == null) {
        return new SwapResult(Swap.GONE, null);
      }
      String found = value(current, field);
      if (Objects.equals(found, value)) {
        return new SwapResult(Swap.ALREADY, found);
      }
      if (!Objects.equals(found, expected)) {
        return new SwapResult(Swap.CHANGED, found);
      }
      List<Map<String, Object>> ops = new java.util.ArrayList<>();
      ops.add(JsonPatches.unchangedSince(current));
      if (value == null) {
        ops.add(Map.of("op", "remove", "path", field.jsonPointer()));
      } else if (field.annotation() != null && current.getMetadata().getAnnotations() == null) {
        ops.add(Map.of("op", "add", "path", "/metadata/annotations", "value", Map.of(field.annotation(), value)));
      } else {
        // "add" sets a member whether or not it exists (RFC 6902 §4.1)
        ops.add(Map.of("op", "add", "path", field.jsonPointer(), "value", field.jsonValue(value)));
      }
      try {
        local.resources(kind(kind)).inNamespace(namespace).withName(name)
            .patch(PatchContext.of(PatchType.JSON), local.getKubernetesSerialization().asJson(ops));
        return new SwapResult(Swap.WRITTEN, found);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return new SwapResult(Swap.GONE, null);
        }
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("could not set " + field.path() + " of " + describe(kind, namespace, name)
        + ": the object keeps changing");
  }

  /** A field's current value as {@code SavedValue} spells it; null when absent. */
  public static String value(HasMetadata o, HostedClusterPausePlan.Field field) {
    return switch (field) {
      case PAUSED_UNTIL -> o instanceof HostedCluster hc ? (hc.getSpec() == null ? null : hc.getSpec().pausedUntil)
          : o instanceof NodePool np ? (np.getSpec() == null ? null : np.getSpec().pausedUntil)
          : unsupported(o, field);
      case REPLICAS -> o instanceof Deployment d
          ? (d.getSpec() == null || d.getSpec().getReplicas() == null ? null : String.valueOf(d.getSpec().getReplicas()))
          : unsupported(o, field);
      case CAPI_PAUSED -> o instanceof Cluster c
          ? (c.getSpec() == null || c.getSpec().paused == null ? null : String.valueOf(c.getSpec().paused))
          : unsupported(o, field);
      case PAUSED_ANNOTATION -> annotation(o, Cluster.PAUSED_ANNOTATION);
    };
  }

  private static String unsupported(HasMetadata o, HostedClusterPausePlan.Field field) {
    throw new IllegalArgumentException(field.path() + " is not a field of " + o.getKind());
  }

  /** Deletes the object; one already gone is fine. */
  public void delete(HasMetadata o) {
    try {
      local.resources(kind(o.getKind())).inNamespace(o.getMetadata().getNamespace())
          .withName(o.getMetadata().getName()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  public static String annotation(HasMetadata o, String key) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  /** "AgentMachine clusters-hc-1/np-abc", as status messages name objects. */
  public static String describe(HasMetadata o) {
    return describe(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  public static String describe(String kind, String namespace, String name) {
    return kind + " " + (namespace == null ? "" : namespace + "/") + name;
  }

  /** The first line of a client error: enough for a status message, no request bodies. */
  public static String reason(RuntimeException e) {
    if (e instanceof KubernetesClientException k && k.getCode() > 0) {
      String status = k.getStatus() == null ? null : k.getStatus().getReason();
      return "HTTP " + k.getCode() + (status == null || status.isBlank() ? "" : " " + status);
    }
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
