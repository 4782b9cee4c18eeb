package io.flotilla.agent.addon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.agent.addon.AddOnLifecycle.ReleaseHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Applies rendered add-on manifests to the local (management) cluster and removes what an add-on no longer has.
 *
 * <p>Every applied object carries the label {@value #NAME_LABEL}=&lt;addOn&gt; (how prune and uninstall find it), the
 * annotation {@value #VERSION_ANNOTATION} and {@value #HASH_ANNOTATION}, the SHA-256 of the rendered object. An object
 * is written only when it is missing, its hash differs, or a field the release sets has drifted, so a steady
 * reconcile makes no writes and a Deployment's generation moves only when its release changed it. Writes are
 * create or replace (PUT with the live resourceVersion): the sandbox API server has no server-side apply, and a JSON
 * merge patch there appends to lists instead of replacing them. An object that exists but belongs to something else
 * (no label, or another add-on's) is never taken over.
 */
public final class ManifestApplier {
  public static final String NAME_LABEL = "addon.flotilla.io/name";
  public static final String VERSION_ANNOTATION = "addon.flotilla.io/version";
  public static final String HASH_ANNOTATION = "addon.flotilla.io/applied-hash";

  /** Kinds prune and uninstall always look at, besides the kinds of the releases involved. */
  public static final List<ObjectKind> COMMON_KINDS = List.of(
      new ObjectKind("v1", "Namespace"), new ObjectKind("v1", "ServiceAccount"), new ObjectKind("v1", "ConfigMap"),
      new ObjectKind("v1", "Secret"), new ObjectKind("v1", "Service"), new ObjectKind("apps/v1", "Deployment"),
      new ObjectKind("apps/v1", "StatefulSet"), new ObjectKind("apps/v1", "DaemonSet"));

  private static final Logger log = LoggerFactory.getLogger(ManifestApplier.class);
  private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public record ObjectKind(String apiVersion, String kind) {
    public static ObjectKind of(Map<String, Object> manifest) {
      return new ObjectKind(String.valueOf(manifest.get("apiVersion")), String.valueOf(manifest.get("kind")));
    }
  }

  public record ObjectKey(String apiVersion, String kind, String namespace, String name) {
    static ObjectKey of(HasMetadata o) {
      return new ObjectKey(o.getApiVersion(), o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    @Override
    public String toString() { return kind + " " + (namespace == null ? "" : namespace + "/") + name; }
  }

  /** An apply that failed; {@code permanent} when retrying the same manifests cannot succeed. */
  public static final class ApplyException extends RuntimeException {
    private final boolean permanent;

    ApplyException(String message, boolean permanent, Throwable cause) {
      super(message, cause);
      this.permanent = permanent;
    }

    public boolean permanent() { return permanent; }
  }

  private final KubernetesClient client;
  private final KubernetesSerialization serialization;

  public ManifestApplier(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
    this.serialization = client.getKubernetesSerialization();
  }

  /**
   * Creates or updates every rendered object, namespaces first and workloads last.
   *
   * @return the applied objects as written, in apply order
   * @throws ApplyException on the first object that cannot be applied
   */
  public List<HasMetadata> apply(String addOn, String version, List<Map<String, Object>> rendered) {
    List<HasMetadata> desired = new ArrayList<>();
    for (Map<String, Object> manifest : rendered) {
      desired.add(stamp(addOn, version, manifest));
    }
    desired.sort(Comparator.comparingInt(o -> applyOrder(o.getKind())));
    List<HasMetadata> applied = new ArrayList<>();
    for (HasMetadata object : desired) {
      applied.add(applyOne(addOn, object));
    }
    return applied;
  }

  /** The object to write: the rendered manifest with the add-on's label, version and hash. */
  HasMetadata stamp(String addOn, String version, Map<String, Object> manifest) {
    Map<String, Object> copy = deepCopy(manifest);
    Map<String, Object> metadata = child(copy, "metadata");
    child(metadata, "labels").put(NAME_LABEL, addOn);
    Map<String, Object> annotations = child(metadata, "annotations");
    annotations.put(VERSION_ANNOTATION, version);
    annotations.remove(HASH_ANNOTATION);
    annotations.put(HASH_ANNOTATION, hash(copy));
    KubernetesResource typed = serialization.convertValue(copy, KubernetesResource.class);
    if (!(typed instanceof HasMetadata object)) {
      throw new ApplyException(ReleaseRenderer.describe(manifest, 0) + " is not a Kubernetes object", true, null);
    }
    return object;
  }

  private HasMetadata applyOne(String addOn, HasMetadata desired) {
    ObjectKey key = ObjectKey.of(desired);
    try {
      HasMetadata live = client.resource(desired).get();
      if (live == null) {
        log.debug("creating {} for add-on {}", key, addOn);
        return client.resource(desired).create();
      }
      String owner = labels(live).get(NAME_LABEL);
      if (!addOn.equals(owner)) {
        throw new ApplyException(key + " already exists and is not managed by add-on " + addOn + " ("
            + NAME_LABEL + (owner == null ? " is not set" : "=" + owner) + "); refusing to take it over", true, null);
      }
      if (upToDate(desired, live)) {
        return live;
      }
      log.debug("replacing {} for add-on {}", key, addOn);
      return client.resource(replacement(desired, live)).update();
    } catch (KubernetesClientException e) {
      throw new ApplyException("cannot apply " + key + ": " + oneLine(e), isPermanent(e), e);
    }
  }

  /**
   * The live object matches when it was written from the same rendered object (same hash) and every field the
   * release sets still has the value the release gives it (nobody edited it since).
   */
  boolean upToDate(HasMetadata desired, HasMetadata live) {
    String want = annotations(desired).get(HASH_ANNOTATION);
    if (!Objects.equals(want, annotations(live).get(HASH_ANNOTATION))) {
      return false;
    }
    Map<String, Object> d = asMap(desired);
    Map<String, Object> l = asMap(live);
    for (Map.Entry<String, Object> e : d.entrySet()) {
      if (e.getKey().equals("metadata") || e.getKey().equals("status")) {
        continue;
      }
      if (!contains(l.get(e.getKey()), e.getValue())) {
        return false;
      }
    }
    return labels(live).entrySet().containsAll(labels(desired).entrySet());
  }

  /**
   * The desired object as a full replacement of the live one: the live resourceVersion (optimistic locking) and
   * finalizers, and the live status, which a real API server ignores on PUT but the sandbox's would otherwise drop.
   */
  private HasMetadata replacement(HasMetadata desired, HasMetadata live) {
    Map<String, Object> map = asMap(desired);
    Map<String, Object> liveMap = asMap(live);
    Map<String, Object> metadata = child(map, "metadata");
    metadata.put("resourceVersion", live.getMetadata().getResourceVersion());
    if (live.getMetadata().getFinalizers() != null && !live.getMetadata().getFinalizers().isEmpty()) {
      metadata.put("finalizers", live.getMetadata().getFinalizers());
    }
    if (liveMap.get("status") != null) {
      map.put("status", liveMap.get("status"));
    }
    return (HasMetadata) serialization.convertValue(map, KubernetesResource.class);
  }

  /**
   * Deletes every object labelled for the add-on, of the given kinds and the common ones, that is not in
   * {@code keep}; namespaced objects first, namespaces last.
   *
   * @return what was deleted
   */
  public List<ObjectKey> prune(String addOn, Set<ObjectKey> keep, Set<ObjectKind> kinds) {
    List<HasMetadata> found = labelled(addOn, kinds);
    List<ObjectKey> deleted = new ArrayList<>();
    for (HasMetadata o : found) {
      ObjectKey key = ObjectKey.of(o);
      if (!keep.contains(key)) {
        delete(o);
        deleted.add(key);
      }
    }
    return deleted;
  }

  /** Deletes everything labelled for the add-on (uninstall). */
  public List<ObjectKey> uninstall(String addOn, Set<ObjectKind> kinds) {
    return prune(addOn, Set.of(), kinds);
  }

  /** Every object of the kinds (plus the common ones) carrying the add-on's label, in delete order. */
  public List<HasMetadata> labelled(String addOn, Set<ObjectKind> kinds) {
    Set<ObjectKind> all = new LinkedHashSet<>(COMMON_KINDS);
    all.addAll(kinds);
    List<HasMetadata> found = new ArrayList<>();
    for (ObjectKind kind : all) {
      for (HasMetadata o : list(kind, addOn)) {
        // List items may come without apiVersion/kind; the keys prune compares need them.
        if (o.getApiVersion() == null) {
          o.setApiVersion(kind.apiVersion());
        }
        if (o.getKind() == null && o instanceof GenericKubernetesResource g) {
          g.setKind(kind.kind());
        }
        found.add(o);
      }
    }
    // The label selector is re-checked here: an API server that ignores it must not make us delete strangers.
    found.removeIf(o -> !addOn.equals(labels(o).get(NAME_LABEL)));
    found.sort(Comparator.comparingInt((HasMetadata o) -> applyOrder(o.getKind())).reversed());
    return found;
  }

  private List<? extends HasMetadata> list(ObjectKind kind, String addOn) {
    Class<? extends KubernetesResource> type = serialization.getRegisteredKubernetesResource(kind.apiVersion(), kind.kind());
    try {
      if (type != null && HasMetadata.class.isAssignableFrom(type) && !GenericKubernetesResource.class.equals(type)) {
        @SuppressWarnings("unchecked")
        Class<HasMetadata> t = (Class<HasMetadata>) type;
        var ops = client.resources(t);
        return Namespaced.class.isAssignableFrom(t)
            ? ops.inAnyNamespace().withLabel(NAME_LABEL, addOn).list().getItems()
            : ops.withLabel(NAME_LABEL, addOn).list().getItems();
      }
      return client.genericKubernetesResources(kind.apiVersion(), kind.kind()).inAnyNamespace()
          .withLabel(NAME_LABEL, addOn).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of(); // the kind is not served here (e.g. a CRD that was removed): nothing of it to delete
      }
      throw e;
    }
  }

  private void delete(HasMetadata o) {
    try {
      client.resource(o).delete();
      log.info("deleted {} (add-on {})", ObjectKey.of(o), labels(o).get(NAME_LABEL));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** The health of every workload among the applied objects, read from the cluster now. */
  public ReleaseHealth health(List<HasMetadata> applied) {
    List<WorkloadHealth> workloads = new ArrayList<>();
    for (HasMetadata o : applied) {
      if (!WorkloadHealth.isWorkload(o.getKind())) {
        continue;
      }
      HasMetadata live = client.resource(o).get();
      workloads.add(live == null ? WorkloadHealth.missing(o.getKind(), o.getMetadata().getNamespace(),
          o.getMetadata().getName()) : WorkloadHealth.of(live));
    }
    return new ReleaseHealth(workloads);
  }

  /** Namespaces, then identities and configuration, then services, then anything else, workloads last. */
  static int applyOrder(String kind) {
    return switch (kind) {
      case "Namespace" -> 0;
      case "CustomResourceDefinition" -> 1;
      case "ServiceAccount", "Secret", "ConfigMap" -> 2;
      case "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding" -> 3;
      case "Service" -> 4;
      case "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob" -> 6;
      default -> 5;
    };
  }

  static boolean isPermanent(KubernetesClientException e) {
    int code = e.getCode();
    return code >= 400 && code < 500 && code != 408 && code != 409 && code != 429;
  }

  /** SHA-256 of the object's canonical JSON (map keys sorted), as OCM hashes specs (docs/ocm-facts.md §6.5). */
  static String hash(Map<String, Object> object) {
    try {
      byte[] json = CANONICAL.writeValueAsString(object).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether every value in {@code want} is in {@code have}: maps by key, lists element by element, numbers by value. */
  static boolean contains(Object have, Object want) {
    if (want instanceof Map<?, ?> w) {
      if (!(have instanceof Map<?, ?> h)) {
        return w.isEmpty() && have == null;
      }
      return w.entrySet().stream().allMatch(e -> contains(h.get(e.getKey()), e.getValue()));
    }
    if (want instanceof List<?> w) {
      if (!(have instanceof List<?> h)) {
        return w.isEmpty() && have == null;
      }
      if (h.size() != w.size()) {
        return false;
      }
      for (int i = 0; i < w.size(); i++) {
        if (!contains(h.get(i), w.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (want instanceof Number w && have instanceof Number h) {
      return new BigDecimal(w.toString()).compareTo(new BigDecimal(h.toString())) == 0;
    }
    return Objects.equals(want, have);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> asMap(HasMetadata o) {
    return serialization.convertValue(o, Map.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m)
        : v instanceof List<?> l ? deepCopy(l) : v));
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> deepCopy(List<?> list) {
    List<Object> copy = new ArrayList<>();
    for (Object v : list) {
      copy.add(v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m) : v instanceof List<?> l ? deepCopy(l) : v);
    }
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> child(Map<String, Object> parent, String key) {
    Object v = parent.get(key);
    if (v instanceof Map<?, ?>) {
      return (Map<String, Object>) v;
    }
    Map<String, Object> created = new LinkedHashMap<>();
    parent.put(key, created);
    return created;
  }

  private static Map<String, String> labels(HasMetadata o) {
    return o.getMetadata() == null || o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  private static Map<String, String> annotations(HasMetadata o) {
    return o.getMetadata() == null || o.getMetadata().getAnnotations() == null ? Map.of()
        : o.getMetadata().getAnnotations();
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
