package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;

import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The CLI's reads and writes of HostedClusterMigrations (cluster-scoped) on the hub. */
final class HubMigrations {
  /** Phases after which nothing more happens by itself. */
  static final Set<Phase> FINAL = EnumSet.of(Phase.Succeeded, Phase.RolledBack, Phase.Failed);

  private final KubernetesClient hub;

  HubMigrations(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub);
  }

  KubernetesClient hub() { return hub; }

  ManagementCluster requireCluster(String cluster) {
    return HubQueries.requireCluster(hub, cluster);
  }

  HostedClusterMigration get(String name) {
    return hub.resources(HostedClusterMigration.class).withName(name).get();
  }

  HostedClusterMigration require(String name) {
    HostedClusterMigration m = get(name);
    if (m == null) {
      throw new BadInputException("no migration \"" + name + "\" on the hub (have: "
          + HubQueries.names(hub.resources(HostedClusterMigration.class).list().getItems()) + ")");
    }
    return m;
  }

  /** Oldest first. */
  List<HostedClusterMigration> list() {
    return hub.resources(HostedClusterMigration.class).list().getItems().stream()
        .sorted(Comparator.comparing((HostedClusterMigration m) -> Objects.requireNonNullElse(
            m.getMetadata().getCreationTimestamp(), "")).thenComparing(m -> m.getMetadata().getName()))
        .toList();
  }

  HostedClusterMigration create(String name, NamespacedName hostedCluster, String source, boolean sourceLost,
      String destination, boolean resumeDestination, HostedClusterMigrationSpec.FailurePolicy failurePolicy,
      Map<String, String> labels) {
    HostedClusterMigration m = new HostedClusterMigration();
    m.setMetadata(new ObjectMetaBuilder().withName(name).withLabels(labels).build());
    HostedClusterMigrationSpec spec = m.getSpec();
    spec.hostedCluster = hostedCluster;
    spec.source = new HostedClusterMigrationSpec.Source();
    spec.source.cluster = source;
    spec.source.lost = sourceLost ? Boolean.TRUE : null;
    spec.destination = new HostedClusterMigrationSpec.Destination();
    spec.destination.cluster = destination;
    spec.destination.resume = resumeDestination ? null : Boolean.FALSE;
    spec.failurePolicy = failurePolicy;
    try {
      return hub.resource(m).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new BadInputException("migration \"" + name + "\" already exists; see it with: flotilla migrate status "
            + name + ", or choose another name with --name");
      }
      throw e;
    }
  }

  /** Sets spec.rollback (a merge patch of one scalar). */
  void requestRollback(String name) {
    hub.resources(HostedClusterMigration.class).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
  }

  /** Declares a management cluster lost (spec.lost), which a fail-over requires. */
  void declareLost(String cluster) {
    hub.resources(ManagementCluster.class).withName(cluster)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"lost\":true}}");
  }

  HubQueries.Waited<HostedClusterMigration> await(String name, Duration timeout, Predicate<HostedClusterMigration> done,
      Consumer<HostedClusterMigration> observe) {
    return HubQueries.poll(timeout, () -> get(name), done, observe, "migration " + name);
  }

  /**
   * Follows a migration until it is final or waits for an operator (on its current spec: a rollback just requested
   * is not yet seen while the hub has not observed it), handing {@code lines} a line whenever its phase, step or
   * waiting condition changes.
   */
  HubQueries.Waited<HostedClusterMigration> follow(String name, Duration timeout, Consumer<String> lines) {
    String[] last = {null};
    return await(name, timeout,
        m -> m == null || isFinal(m) || (phase(m) == Phase.WaitingForOperator && observed(m)),
        m -> {
          String line = m == null ? name + ": deleted" : MigrationViews.progressLine(m);
          if (!line.equals(last[0])) {
            lines.accept(line);
            last[0] = line;
          }
        });
  }

  /** The hub has acted on the current spec. */
  static boolean observed(HostedClusterMigration m) {
    return m.getStatus() != null && Objects.equals(m.getStatus().observedGeneration, m.getMetadata().getGeneration());
  }

  static Phase phase(HostedClusterMigration m) {
    return m == null || m.getStatus() == null || m.getStatus().phase == null ? Phase.Pending : m.getStatus().phase;
  }

  static boolean isFinal(HostedClusterMigration m) {
    return m != null && FINAL.contains(phase(m));
  }
}
