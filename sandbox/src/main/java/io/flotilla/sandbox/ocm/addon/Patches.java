package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.JsonPatches;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Metadata lists (finalizers, ownerReferences) changed with JSON Patch under the resource-version precondition: the
 * sandbox's API server appends to arrays on a JSON merge patch, and has no server-side apply (docs/architecture.md, the
 * sandbox). A patch that empties the finalizers of an object being deleted makes it go, as on a real API server.
 */
final class Patches {
  private Patches() {}

  static <T extends HasMetadata> void setFinalizers(Resource<T> resource, T read, List<String> finalizers) {
    patch(resource, read, "/metadata/finalizers", finalizers);
  }

  static <T extends HasMetadata> void setOwnerReferences(Resource<T> resource, T read, List<OwnerReference> owners) {
    patch(resource, read, "/metadata/ownerReferences", owners);
  }

  static boolean hasFinalizer(HasMetadata o, String finalizer) {
    return o.getMetadata().getFinalizers() != null && o.getMetadata().getFinalizers().contains(finalizer);
  }

  static List<String> without(List<String> list, String item) {
    List<String> copy = new ArrayList<>(list == null ? List.of() : list);
    copy.remove(item);
    return copy;
  }

  /** The object's owner of {@code kind} with {@code uid}, if it names one. */
  static boolean ownedBy(HasMetadata o, String kind, String uid) {
    return owners(o).stream().anyMatch(r -> kind.equals(r.getKind()) && uid.equals(r.getUid()));
  }

  static List<OwnerReference> owners(HasMetadata o) {
    return o.getMetadata().getOwnerReferences() == null ? List.of() : o.getMetadata().getOwnerReferences();
  }

  /** 404 (already gone) and 409 (changed since read: the next pass sees it again) are not errors here. */
  static void quietly(Runnable write) {
    try {
      write.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409) {
        throw e;
      }
    }
  }

  static <T> T orNull(Supplier<T> read) {
    try {
      return read.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  private static <T extends HasMetadata> void patch(Resource<T> resource, T read, String path, Object value) {
    List<Map<String, Object>> ops = List.of(JsonPatches.unchangedSince(read), Map.of("op", "add", "path", path, "value", value));
    resource.patch(PatchContext.of(PatchType.JSON), Manifests.json(ops));
  }
}
