package io.flotilla.sandbox.ocm.addon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.Pluralize;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.ocm.ManifestWork;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reading raw Kubernetes objects (maps, as a ManifestWork carries them) the way OCM's controllers read them. */
final class Manifests {
  private Manifests() {}

  static final ObjectMapper JSON = Serialization.jsonMapper();
  /** Map keys sorted, as Go's encoder writes a map: the JSON OCM hashes (docs/ocm-facts.md §1.6, §6.5). */
  private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  static Map<String, Object> toMap(Object value) { return JSON.convertValue(value, MAP); }

  static Map<String, Object> parse(String json) throws JsonProcessingException { return JSON.readValue(json, MAP); }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A deep copy through JSON. */
  static Map<String, Object> copy(Map<String, Object> object) { return toMap(object); }

  /**
   * OCM's spec hash of a config (addon-framework's GetSpecHash, docs/ocm-facts.md §1.6): SHA-256 of the JSON of every
   * top-level field but apiVersion, kind, metadata and status, map keys sorted.
   */
  static String specHash(Object config) {
    Map<String, Object> fields = new LinkedHashMap<>(toMap(config));
    fields.keySet().removeAll(Set.of("apiVersion", "kind", "metadata", "status"));
    try {
      byte[] bytes = CANONICAL.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String apiVersion(Map<String, Object> o) { return string(o.get("apiVersion")); }

  static String kind(Map<String, Object> o) { return string(o.get("kind")); }

  static String group(Map<String, Object> o) {
    String apiVersion = apiVersion(o);
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  static String version(Map<String, Object> o) {
    String apiVersion = apiVersion(o);
    return apiVersion.substring(apiVersion.indexOf('/') + 1);
  }

  static Map<String, Object> metadata(Map<String, Object> o) { return map(o, "metadata"); }

  static String name(Map<String, Object> o) { return string(metadata(o).get("name")); }

  /** "" for a cluster-scoped object: OCM takes an object without a namespace to be cluster-scoped (§I7.1). */
  static String namespace(Map<String, Object> o) { return string(metadata(o).get("namespace")); }

  @SuppressWarnings("unchecked")
  static Map<String, String> annotations(Map<String, Object> o) {
    Object a = metadata(o).get("annotations");
    return a instanceof Map<?, ?> m ? (Map<String, String>) m : Map.of();
  }

  /** The resource (plural) of a kind, as OCM guesses it from the kind (meta.UnsafeGuessKindToResource). */
  static String resource(String kind) { return Pluralize.toPlural(kind.toLowerCase(Locale.ROOT)); }

  static boolean isDeployment(Map<String, Object> o) { return "apps".equals(group(o)) && "Deployment".equals(kind(o)); }

  static boolean isDaemonSet(Map<String, Object> o) { return "apps".equals(group(o)) && "DaemonSet".equals(kind(o)); }

  static ManifestWork.ResourceIdentifier identifier(Map<String, Object> o) {
    return new ManifestWork.ResourceIdentifier(group(o), resource(kind(o)), namespace(o), name(o));
  }

  static boolean sameObject(ManifestWork.ResourceIdentifier a, ManifestWork.ResourceIdentifier b) {
    return string(a.group).equals(string(b.group)) && string(a.resource).equals(string(b.resource))
        && string(a.namespace).equals(string(b.namespace)) && string(a.name).equals(string(b.name));
  }

  /** The child map at {@code key}, created (and put) when missing. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object child = parent.get(key);
    if (child instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    Map<String, Object> created = new LinkedHashMap<>();
    parent.put(key, created);
    return created;
  }

  /** The child list at {@code key}, created (and put) when missing. */
  @SuppressWarnings("unchecked")
  static List<Object> list(Map<String, Object> parent, String key) {
    Object child = parent.get(key);
    if (child instanceof List<?> l) {
      return (List<Object>) l;
    }
    List<Object> created = new java.util.ArrayList<>();
    parent.put(key, created);
    return created;
  }

  static String string(Object value) { return value == null ? "" : value.toString(); }
}
