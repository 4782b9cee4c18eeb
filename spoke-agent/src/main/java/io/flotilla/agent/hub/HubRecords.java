package io.flotilla.agent.hub;

import io.flotilla.common.EventRecorder;

import io.flotilla.common.StatusWriter;

import io.flotilla.common.JsonPatches;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The agent's writes to the records it executes on the hub (HostedClusterBackup, HostedClusterRestore): status (the
 * agent is its only writer), its finalizer, and events. Status writes are read-modify-write under the
 * resource-version precondition ({@link StatusWriter#update}), retried on conflict, so a concurrent change (a finalizer,
 * an annotation) never loses either write.
 * Bound to the spoke's client instead, it writes the scheduled backups the agent records locally while they wait to be
 * forwarded to the hub (io.flotilla.agent.schedule).
 *
 * @param <R> the record kind
 * @param <S> its status
 */
public final class HubRecords<R extends CustomResource<?, S> & Namespaced, S> {
  private static final Logger log = LoggerFactory.getLogger(HubRecords.class);
  private static final int ATTEMPTS = 5;

  private final KubernetesClient hub;
  private final Class<R> kind;
  private final java.util.function.Supplier<S> newStatus;
  private final String finalizer;
  private final EventRecorder events;

  /** @param finalizer the agent's finalizer on this kind, or null if it holds none */
  public HubRecords(KubernetesClient hub, Class<R> kind, java.util.function.Supplier<S> newStatus, String finalizer,
      Clock clock, String component) {
    this.hub = Objects.requireNonNull(hub);
    this.kind = Objects.requireNonNull(kind);
    this.newStatus = Objects.requireNonNull(newStatus);
    this.finalizer = finalizer;
    this.events = new EventRecorder(hub, component, Objects.requireNonNull(clock));
  }

  public R get(String namespace, String name) {
    return hub.resources(kind).inNamespace(namespace).withName(name).get();
  }

  /** Applies {@code change} to the current status and writes it; returns the written record, or null if it is gone. */
  public R updateStatus(String namespace, String name, Consumer<S> change) {
    return writeStatus(namespace, name, current -> {
      S s = current == null ? newStatus.get() : current;
      change.accept(s);
      return s;
    });
  }

  /**
   * Replaces the status with {@code status} (a copy of a record's status kept elsewhere, e.g. a scheduled backup run on
   * the spoke); returns the written record, or null if it is gone.
   */
  public R setStatus(String namespace, String name, S status) {
    Objects.requireNonNull(status, "status");
    return writeStatus(namespace, name, current -> status);
  }

  private R writeStatus(String namespace, String name, java.util.function.UnaryOperator<S> next) {
    return StatusWriter.update(hub, kind, namespace, name, next);
  }

  public void addFinalizer(String namespace, String name) {
    editFinalizers(namespace, name, true);
  }

  public void removeFinalizer(String namespace, String name) {
    editFinalizers(namespace, name, false);
  }

  private void editFinalizers(String namespace, String name, boolean add) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      R current = get(namespace, name);
      if (current == null) {
        return;
      }
      List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers() == null ? List.of()
          : current.getMetadata().getFinalizers());
      boolean has = finalizers.contains(finalizer);
      if (has == add) {
        return;
      }
      if (add) {
        finalizers.add(finalizer);
      } else {
        finalizers.remove(finalizer);
      }
      // JSON Patch with the resourceVersion precondition: replaces the list (merge patch would append), 409 on a race.
      String patch = hub.getKubernetesSerialization().asJson(List.of(JsonPatches.unchangedSince(current),
          Map.of("op", "add", "path", "/metadata/finalizers", "value", finalizers)));
      try {
        hub.resources(kind).inNamespace(namespace).withName(name)
            .patch(PatchContext.of(PatchType.JSON), patch);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("could not " + (add ? "add" : "remove") + " the finalizer of " + namespace + "/" + name);
  }

  /** A Kubernetes event on the record, in its namespace; best effort, never fails the backup. */
  public void event(R record, String type, String reason, String message) {
    events.record(record, type, reason, "Execute", message);
  }
}
