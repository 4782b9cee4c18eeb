package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.JsonPatches;
import io.flotilla.common.StatusWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * How the simulated OCM controllers write. A ManagedCluster's status has two writers (the hub and the klusterlet), as
 * in OCM, so every write carries the resource-version precondition and is retried from a fresh read on a conflict;
 * metadata and spec likewise, by JSON Patch (the sandbox's API server appends arrays on a merge patch and does not
 * check a PUT of /status: docs/test-stack-facts.md §4).
 */
final class Writes {
  private Writes() {}

  /**
   * Read-modify-write of a status: {@code next} gets a copy of the status read (null when none) and returns the one to
   * write; nothing is written when it is unchanged.
   *
   * @return the object as written or read; null when it does not exist
   */
  static <R extends CustomResource<?, S>, S> R updateStatus(KubernetesClient client, Supplier<R> read,
                                                            UnaryOperator<S> next) {
    KubernetesClientException conflict = null;
    for (int attempt = 0; attempt < StatusWriter.ATTEMPTS; attempt++) {
      R current = read.get();
      if (current == null) {
        return null;
      }
      S status = next.apply(current.getStatus() == null ? null : copy(client, current.getStatus()));
      try {
        return StatusWriter.writeAndGet(client, current, status, StatusWriter.Precondition.UNCHANGED_SINCE_READ);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return null;
        }
        if (e.getCode() != 409) {
          throw e;
        }
        conflict = e;
      }
    }
    throw conflict;
  }

  /** A JSON Patch of {@code read}, refused with 409 when it changed since it was read. */
  static <R extends HasMetadata> R patch(KubernetesClient client, R read, List<Map<String, Object>> ops) {
    List<Map<String, Object>> patch = new ArrayList<>();
    patch.add(JsonPatches.unchangedSince(read));
    patch.addAll(ops);
    return client.resource(read).patch(PatchContext.of(PatchType.JSON),
        client.getKubernetesSerialization().asJson(patch));
  }

  /** The op that sets a field (JSON Patch "add" replaces a member that is there). */
  static Map<String, Object> set(String path, Object value) {
    return Map.of("op", "add", "path", path, "value", value);
  }

  /** A JSON Pointer segment: '~' and '/' escaped (RFC 6901). */
  static String pointer(String key) { return key.replace("~", "~0").replace("/", "~1"); }

  @SuppressWarnings("unchecked")
  private static <S> S copy(KubernetesClient client, S status) {
    var json = client.getKubernetesSerialization();
    return (S) json.unmarshal(json.asJson(status), status.getClass());
  }
}
