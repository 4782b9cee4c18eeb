package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Small API-server operations the simulated controllers share. Lists (finalizers, ownerReferences) are changed with
 * JSON Patch: the mock API server's JSON merge patch appends to arrays instead of replacing them. A JSON Patch that
 * empties the finalizers of an object being deleted makes the mock delete it, as a real API server does.
 */
final class Kube {
  private static final Logger LOG = LoggerFactory.getLogger(Kube.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private Kube() {}

  static boolean isDeleting(HasMetadata o) { return o.getMetadata().getDeletionTimestamp() != null; }

  static boolean hasFinalizer(HasMetadata o, String finalizer) {
    List<String> f = o.getMetadata().getFinalizers();
    return f != null && f.contains(finalizer);
  }

  static String annotation(HasMetadata o, String key) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  /** {@code cluster.x-k8s.io/paused} with any value: the CAPI providers only check that the key is there. */
  static boolean hasAnnotation(HasMetadata o, String key) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a != null && a.containsKey(key);
  }

  static String label(HasMetadata o, String key) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? null : l.get(key);
  }

  /** Adds a finalizer unless present; never to an object being deleted (the API server forbids that). */
  static void addFinalizer(KubernetesClient client, HasMetadata o, String finalizer) {
    if (hasFinalizer(o, finalizer) || isDeleting(o)) {
      return;
    }
    List<String> f = o.getMetadata().getFinalizers();
    String patch = f == null || f.isEmpty()
        ? "[{\"op\":\"add\",\"path\":\"/metadata/finalizers\",\"value\":[" + json(finalizer) + "]}]"
        : "[{\"op\":\"add\",\"path\":\"/metadata/finalizers/-\",\"value\":" + json(finalizer) + "}]";
    jsonPatch(client, o, patch);
  }

  /** Removes one finalizer; the {@code test} op makes a concurrent change fail the patch instead of removing another. */
  static void removeFinalizer(KubernetesClient client, HasMetadata o, String finalizer) {
    List<String> f = o.getMetadata().getFinalizers();
    int index = f == null ? -1 : f.indexOf(finalizer);
    if (index < 0) {
      return;
    }
    jsonPatch(client, o, "[{\"op\":\"test\",\"path\":\"/metadata/finalizers/" + index + "\",\"value\":" + json(finalizer)
        + "},{\"op\":\"remove\",\"path\":\"/metadata/finalizers/" + index + "\"}]");
  }

  /** Removes every ownerReference to {@code ownerUid} (orphaning the object). */
  static void removeOwnerReference(KubernetesClient client, HasMetadata o, String ownerUid) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs == null) {
      return;
    }
    for (int i = refs.size() - 1; i >= 0; i--) {
      if (ownerUid.equals(refs.get(i).getUid())) {
        jsonPatch(client, o, "[{\"op\":\"test\",\"path\":\"/metadata/ownerReferences/" + i + "/uid\",\"value\":"
            + json(ownerUid) + "},{\"op\":\"remove\",\"path\":\"/metadata/ownerReferences/" + i + "\"}]");
        return; // indices moved; the next pass removes any further duplicate
      }
    }
  }

  static void addOwnerReference(KubernetesClient client, HasMetadata o, HasMetadata owner) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    if (refs != null && refs.stream().anyMatch(r -> owner.getMetadata().getUid().equals(r.getUid()))) {
      return;
    }
    String ref = client.getKubernetesSerialization().asJson(ownerReference(owner));
    String patch = refs == null || refs.isEmpty()
        ? "[{\"op\":\"add\",\"path\":\"/metadata/ownerReferences\",\"value\":[" + ref + "]}]"
        : "[{\"op\":\"add\",\"path\":\"/metadata/ownerReferences/-\",\"value\":" + ref + "}]";
    jsonPatch(client, o, patch);
  }

  static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
        .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
  }

  static boolean ownedBy(HasMetadata o, String ownerUid) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> ownerUid.equals(r.getUid()));
  }

  /** A JSON Patch; conflicts and vanished objects are left to the next reconcile. */
  static void jsonPatch(KubernetesClient client, HasMetadata o, String patch) {
    try {
      client.resource(o).patch(PatchContext.of(PatchType.JSON), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
        throw e;
      }
      LOG.debug("patch of {} {} skipped: {}", o.getKind(), o.getMetadata().getName(), e.getMessage());
    }
  }

  static void delete(KubernetesClient client, HasMetadata o) {
    if (isDeleting(o)) {
      return;
    }
    try {
      client.resource(o).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /**
   * Read-modify-write of the status subresource with the resourceVersion read (optimistic locking). Not patchStatus():
   * the mock applies JSON merge patches with Jackson's updating reader, which appends to arrays.
   */
  static <T extends CustomResource<?, ?>> void editStatus(KubernetesClient client, Class<T> type, String namespace,
                                                         String name, Predicate<T> mutate) {
    for (int attempt = 0; attempt < 3; attempt++) {
      T current = client.resources(type).inNamespace(namespace).withName(name).get();
      if (current == null || !mutate.test(current)) {
        return;
      }
      try {
        client.resource(current).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** The object, or null when it is not there or its kind is not installed. */
  static <T extends HasMetadata> T get(KubernetesClient client, Class<T> type, String ns, String name) {
    if (ns == null || name == null) {
      return null;
    }
    try {
      return client.resources(type).inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Objects of a kind in a namespace (every namespace when {@code ns} is null); none when the kind is not installed. */
  static <T extends HasMetadata> List<T> list(KubernetesClient client, Class<T> type, String ns) {
    try {
      return ns == null ? client.resources(type).inAnyNamespace().list().getItems()
          : client.resources(type).inNamespace(ns).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of();
      }
      throw e;
    }
  }

  /** Five random characters for a generated name, from the alphabet Kubernetes' generateName uses. */
  static String randomSuffix() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      s.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
    }
    return s.toString();
  }

  /** A JSON Patch path segment: '~' and '/' escaped (RFC 6901). */
  static String pointer(String key) { return key.replace("~", "~0").replace("/", "~1"); }

  /** Secret data: the UTF-8 bytes of {@code s}, base64-encoded. */
  static String base64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

  static String json(String s) { return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }

  static void quietly(Runnable r) {
    try {
      r.run();
    } catch (KubernetesClientException e) {
      LOG.debug("cleanup: {}", e.getMessage());
    }
  }
}
