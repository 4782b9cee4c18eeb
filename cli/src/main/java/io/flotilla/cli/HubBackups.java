package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.Conditions;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The CLI's reads and writes of HostedClusterBackup records on the hub. Anything the user named that is not there
 * (a cluster, a store, a backup) is a {@link BadInputException} saying what exists instead.
 */
final class HubBackups {

  private final KubernetesClient hub;

  HubBackups(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub);
  }

  ManagementCluster requireCluster(String cluster) {
    return HubQueries.requireCluster(hub, cluster);
  }

  void requireStore(String store) {
    if (hub.resources(BackupStore.class).withName(store).get() == null) {
      throw new BadInputException("no BackupStore \"" + store + "\" on the hub (have: "
          + HubQueries.names(hub.resources(BackupStore.class).list().getItems()) + ")");
    }
  }

  /** Checks the request against the hub (cluster and store exist), then creates the record. */
  HostedClusterBackup create(BackupRequest request) {
    requireCluster(request.cluster());
    requireStore(request.store());
    try {
      return hub.resource(request.toRecord()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new BadInputException("backup \"" + request.name() + "\" already exists on " + request.cluster()
            + "; choose another name with --name");
      }
      throw e;
    }
  }

  HostedClusterBackup get(String cluster, String name) {
    return hub.resources(HostedClusterBackup.class).inNamespace(cluster).withName(name).get();
  }

  HostedClusterBackup require(String cluster, String name) {
    requireCluster(cluster);
    HostedClusterBackup b = get(cluster, name);
    if (b == null) {
      throw new BadInputException("no backup \"" + name + "\" on " + cluster + " (flotilla backup list " + cluster + ")");
    }
    return b;
  }

  /** The backups of one cluster, or of every cluster when {@code cluster} is null; by cluster, then oldest first. */
  List<HostedClusterBackup> list(String cluster) {
    List<HostedClusterBackup> items = cluster == null
        ? hub.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems()
        : hub.resources(HostedClusterBackup.class).inNamespace(cluster).list().getItems();
    return items.stream().sorted(Comparator.comparing((HostedClusterBackup b) -> b.getMetadata().getNamespace())
        .thenComparing(b -> Objects.requireNonNullElse(b.getMetadata().getCreationTimestamp(), ""))
        .thenComparing(b -> b.getMetadata().getName())).toList();
  }

  /** Asks the agent to verify the stored backup by setting the annotation to a value it has not answered yet. */
  void requestVerification(HostedClusterBackup b, String request) {
    // a merge patch of one map key: the other annotations stay as they are
    hub.resources(HostedClusterBackup.class).inNamespace(b.getMetadata().getNamespace())
        .withName(b.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(
            Map.of("metadata", Map.of("annotations", Map.of(HostedClusterBackup.VERIFY_ANNOTATION, request)))));
  }

  void delete(HostedClusterBackup b) {
    hub.resources(HostedClusterBackup.class).inNamespace(b.getMetadata().getNamespace())
        .withName(b.getMetadata().getName()).delete();
  }

  /** The record's events on the hub, oldest first (field selectors on involvedObject are not portable: filter here). */
  List<Event> events(HostedClusterBackup b) {
    return hub.v1().events().inNamespace(b.getMetadata().getNamespace()).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && b.getMetadata().getName().equals(e.getInvolvedObject().getName())
            && b.getKind().equals(e.getInvolvedObject().getKind()))
        .sorted(Comparator.comparing(e -> Objects.requireNonNullElse(
            e.getLastTimestamp() != null ? e.getLastTimestamp() : e.getFirstTimestamp(), "")))
        .toList();
  }

  /** "Available", "not Available (Unknown, AgentLeaseUpdateStopped)": what the hub says of the cluster's agent. */
  String availability(String cluster) {
    return availability(hub.resources(ManagementCluster.class).withName(cluster).get());
  }

  static String availability(ManagementCluster mc) {
    if (mc == null) {
      return "not registered";
    }
    var conditions = mc.getStatus() == null ? null : mc.getStatus().conditions;
    return Conditions.find(conditions, ManagementCluster.AVAILABLE)
        .map(c -> Conditions.TRUE.equals(c.getStatus()) ? "Available" : "not Available (" + c.getStatus()
            + (c.getReason() == null ? "" : ", " + c.getReason()) + ")")
        .orElse("not Available (no heartbeat yet)");
  }

  /**
   * Looks at the record every {@link HubQueries#POLL} until {@code done} holds for it (null when it is gone) or
   * {@code timeout} passes; {@code observe} sees every state looked at, the last one included.
   */
  HubQueries.Waited<HostedClusterBackup> await(String cluster, String name, Duration timeout,
      Predicate<HostedClusterBackup> done, Consumer<HostedClusterBackup> observe) {
    return HubQueries.poll(timeout, () -> get(cluster, name), done, observe, "backup " + cluster + "/" + name);
  }
}
