package io.flotilla.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The one way Flotilla writes a resource's status, on the hub and on a spoke: a JSON Patch on the /status subresource
 * that sets the whole status, with its concurrency rule said at each call.
 *
 * <ul>
 *   <li>{@link Precondition#UNCHANGED_SINCE_READ}: the patch first sets {@code metadata.resourceVersion} to the version
 *       read ({@link JsonPatches#unchangedSince}), so the API server answers 409 when anything changed since (another
 *       status writer, a spec edit). For status shared with another writer, or computed from a read.</li>
 *   <li>{@link Precondition#LAST_WRITE_WINS}: no precondition. Only for a status this controller alone writes and
 *       recomputes from scratch on every pass (a stale write is corrected by the next pass).</li>
 * </ul>
 *
 * <p>Why not the obvious alternatives, on the sandbox's API server (fabric8's CRUD mock; docs/test-stack-facts.md §4):
 * a PUT of /status is not checked against its resourceVersion there (a real API server checks it), so it would
 * silently overwrite; a JSON Patch {@code test} op that fails gets no answer at all there; server-side apply is not
 * supported (415). The resource-version replace is refused with 409 by both, so code that relies on it behaves the same
 * on the mock and on a real kube-apiserver.
 *
 * <p>Not through here: status with several owners written field by field, each owner patching only its own fields
 * (ManagementCluster: the hub's conditions and heartbeat time in ManagementClusterReconciler, the agent's version and
 * hosted clusters in Heartbeat; ManagedAddOn: the hub's desiredVersion and InvalidVersion in ManagedAddOnHubStatus).
 */
public final class StatusWriter {
  private StatusWriter() {}

  public enum Precondition { UNCHANGED_SINCE_READ, LAST_WRITE_WINS }

  /** Attempts of {@link #update} before a 409 is passed on. */
  public static final int ATTEMPTS = 5;

  /**
   * Writes {@code status} as the status of {@code read}, unless it is already that (no write, no event).
   *
   * @return true when it wrote
   * @throws KubernetesClientException 409 when {@code UNCHANGED_SINCE_READ} and the object changed since it was read;
   *                                   404 when it is gone
   */
  public static boolean write(KubernetesClient client, HasMetadata read, Object status, Precondition precondition) {
    return patch(client, read, status, precondition) != null;
  }

  /**
   * As {@link #write}, returning the object as the API server wrote it (its new resourceVersion, for a next write from
   * it), or {@code read} itself when the status was already {@code status}.
   */
  public static <R extends HasMetadata> R writeAndGet(KubernetesClient client, R read, Object status,
      Precondition precondition) {
    R written = patch(client, read, status, precondition);
    return written == null ? read : written;
  }

  /** The written object as the API server returned it, or null when the status was already {@code status}. */
  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> R patch(KubernetesClient client, R read, Object status,
      Precondition precondition) {
    var json = client.getKubernetesSerialization();
    Object current = read instanceof CustomResource<?, ?> cr ? cr.getStatus() : null;
    if (current != null && json.asJson(current).equals(json.asJson(status))) {
      return null;
    }
    List<Map<String, Object>> patch = new ArrayList<>();
    if (precondition == Precondition.UNCHANGED_SINCE_READ) {
      patch.add(JsonPatches.unchangedSince(read));
    }
    patch.add(Map.of("op", "add", "path", "/status", "value", status));
    var resources = client.resources((Class<R>) read.getClass());
    var op = read.getMetadata().getNamespace() == null ? resources.withName(read.getMetadata().getName())
        : resources.inNamespace(read.getMetadata().getNamespace()).withName(read.getMetadata().getName());
    return op.subresource("status").patch(PatchContext.of(PatchType.JSON), json.asJson(patch));
  }

  /**
   * Read-modify-write of a namespaced resource's status: reads it, applies {@code next} to (a copy of) its status,
   * writes with {@code UNCHANGED_SINCE_READ}, and on a 409 reads again and re-applies, up to {@link #ATTEMPTS} times.
   *
   * @param next gets the current status (null when none yet) and returns the status to write
   * @return the resource as written (or as read, when nothing changed); null when it does not exist
   */
  public static <R extends CustomResource<?, S> & Namespaced, S> R update(KubernetesClient client, Class<R> kind,
      String namespace, String name, UnaryOperator<S> next) {
    return update(client, kind, namespace, name, (read, status) -> next.apply(status));
  }

  /** As {@link #update(KubernetesClient, Class, String, String, UnaryOperator)}, {@code next} also seeing the object read. */
  public static <R extends CustomResource<?, S> & Namespaced, S> R update(KubernetesClient client, Class<R> kind,
      String namespace, String name, java.util.function.BiFunction<R, S, S> next) {
    KubernetesClientException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      R read = client.resources(kind).inNamespace(namespace).withName(name).get();
      if (read == null) {
        return null;
      }
      S status = next.apply(read, read.getStatus() == null ? null : copy(client, read.getStatus()));
      Objects.requireNonNull(status, "status");
      try {
        R written = patch(client, read, status, Precondition.UNCHANGED_SINCE_READ);
        return written == null ? read : written;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return null;
        }
        if (e.getCode() != 409) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  @SuppressWarnings("unchecked")
  private static <S> S copy(KubernetesClient client, S status) {
    var json = client.getKubernetesSerialization();
    return (S) json.unmarshal(json.asJson(status), status.getClass());
  }
}
