package io.flotilla.hub.cluster.selection;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.hub.cluster.ocm.ManagedClusters;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Resolves a spec's choice of clusters into a {@link ClusterSelection} on this hub: a label selector as it is, a
 * placementRef by reading the Placement's decisions ({@link PlacementDecisions}) when Flotilla reads OCM's clusters
 * (--cluster-source ocm), and the event sources that make a reconciler look again when decisions or taints change.
 * On a hub Flotilla does not read OCM on, a placementRef selects nothing and says why.
 */
public final class ClusterSelections {
  private final KubernetesClient hub;
  private final boolean ocm;

  private ClusterSelections(KubernetesClient hub, boolean ocm) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.ocm = ocm;
  }

  /** A hub without OCM (or Flotilla told not to read it): selections by labels only. */
  public static ClusterSelections standalone(KubernetesClient hub) { return new ClusterSelections(hub, false); }

  /** An OCM hub whose ManagedCluster and PlacementDecision APIs Flotilla reads. */
  public static ClusterSelections ocm(KubernetesClient hub) { return new ClusterSelections(hub, true); }

  public boolean ocm() { return ocm; }

  /**
   * @param field the spec field that holds the choice ("spec", "placement"), for messages
   * @throws IllegalArgumentException with {@link ClusterSelection#specProblem}'s message when the spec is unusable
   */
  public ClusterSelection resolve(String field, LabelSelector selector, PlacementRef ref) {
    ClusterSelection.specProblem(field, selector, ref).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
    if (ref == null) {
      return ClusterSelection.byLabels(selector);
    }
    if (!ocm) {
      return ClusterSelection.unusable(field + ".placementRef names the OCM Placement " + ref + ", but this"
          + " hub-manager does not read OCM (--cluster-source standalone, or the hub serves no ManagedClusters):"
          + " no cluster is selected");
    }
    return ClusterSelection.byPlacement(PlacementDecisions.read(hub, ref));
  }

  /** The ManagedClusters OCM has tainted unreachable or unavailable; none without OCM. */
  public Set<String> unreachable() {
    if (!ocm) {
      return Set.of();
    }
    return hub.resources(ManagedCluster.class).list().getItems().stream().filter(ManagedClusters::tainted)
        .map(mc -> mc.getMetadata().getName()).collect(Collectors.toSet());
  }

  /**
   * With OCM: an informer on every PlacementDecision (by the {@value PlacementDecision#PLACEMENT_LABEL} label) whose
   * change concerns the primaries {@code concerned} maps its Placement to; none without OCM.
   */
  public <P extends HasMetadata> List<EventSource<?, P>> decisionEvents(String name, Class<P> primary,
      EventSourceContext<P> context, Function<PlacementRef, Set<ResourceID>> concerned) {
    if (!ocm) {
      return List.of();
    }
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(PlacementDecision.class, primary)
        .withName(name)
        .withWatchAllNamespaces()
        .withLabelSelector(PlacementDecision.PLACEMENT_LABEL)
        .withSecondaryToPrimaryMapper(pd -> {
          String placement = pd.getMetadata().getLabels() == null ? null
              : pd.getMetadata().getLabels().get(PlacementDecision.PLACEMENT_LABEL);
          return placement == null ? Set.of()
              : concerned.apply(new PlacementRef(pd.getMetadata().getNamespace(), placement));
        })
        .build(), context));
  }

  /**
   * With OCM: an informer on ManagedClusters that reports a change of their unreachable or unavailable taints (or their
   * coming and going) to every primary; none without OCM.
   */
  public <P extends HasMetadata> List<EventSource<?, P>> taintEvents(String name, Class<P> primary,
      EventSourceContext<P> context) {
    if (!ocm) {
      return List.of();
    }
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(ManagedCluster.class, primary)
        .withName(name)
        .withSecondaryToPrimaryMapper(mc -> context.getPrimaryCache().list().map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .withOnUpdateFilter((newer, older) -> ManagedClusters.tainted(newer) != ManagedClusters.tainted(older))
        .build(), context));
  }
}
