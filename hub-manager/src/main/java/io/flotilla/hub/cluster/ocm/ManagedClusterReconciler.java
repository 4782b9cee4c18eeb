package io.flotilla.hub.cluster.ocm;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.JsonPatches;
import io.flotilla.hub.cluster.selection.PlacementDecisions;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * On an OCM hub (--cluster-source ocm): keeps a ManagementCluster for every ManagedCluster that is a HyperShift hosting
 * cluster or that the configured Placement (--cluster-placement) chose, as {@link ManagementClusterSourcing} decides,
 * so no {@code flotilla cluster add} is needed there. It creates no namespace and no credential: the cluster namespace
 * is OCM's (docs/ocm-facts.md §I2.2), shared the way add-ons share it, and the agent's hub credential comes from its
 * OCM add-on registration (§I1.4). The ManagementCluster's labels follow the ManagedCluster's, so clusterSelectors
 * select by OCM's labels.
 *
 * <p>The primary is OCM's ManagedCluster, which this reconciler never writes (no finalizer, no status). A
 * ManagementCluster whose ManagedCluster is deleted is removed by ManagementClusterReconciler, which sees the
 * ManagementCluster (this one gets no event for a ManagedCluster that is gone). It runs again when the ManagedCluster
 * or the ManagementCluster of its name changes, and, with a placement, when that Placement's decisions change.
 */
// not generation-aware: what qualifies a cluster (its claims) is in its status, which moves no generation
@ControllerConfiguration(name = ManagedClusterReconciler.NAME, generationAwareEventProcessing = false)
public class ManagedClusterReconciler implements Reconciler<ManagedCluster> {
  public static final String NAME = "managedcluster";

  private static final Logger log = LoggerFactory.getLogger(ManagedClusterReconciler.class);

  private final KubernetesClient hub;
  private final PlacementRef placement;

  /** @param placement the Placement whose decisions also make ManagementClusters; null for hosting clusters only */
  public ManagedClusterReconciler(KubernetesClient hub, PlacementRef placement) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.placement = placement;
  }

  @Override
  public List<EventSource<?, ManagedCluster>> prepareEventSources(EventSourceContext<ManagedCluster> context) {
    List<EventSource<?, ManagedCluster>> sources = new ArrayList<>();
    sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ManagementCluster.class, ManagedCluster.class)
        .withName("managedcluster-managementclusters")
        .withSecondaryToPrimaryMapper(mc -> Set.of(new ResourceID(mc.getMetadata().getName())))
        .withPrimaryToSecondaryMapper((ManagedCluster m) -> Set.of(new ResourceID(m.getMetadata().getName())))
        // heartbeats rewrite its status every minute; only what the decision and the sync read matter
        .withOnUpdateFilter((newer, older) -> !metadataView(newer).equals(metadataView(older)))
        .build(), context));
    if (placement != null) {
      sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
          .from(PlacementDecision.class, ManagedCluster.class)
          .withName("managedcluster-decisions")
          .withNamespaces(Set.of(placement.namespaceOrDefault()))
          .withLabelSelector(PlacementDecision.PLACEMENT_LABEL + "=" + placement.name)
          // a decision names the clusters it adds, not those it drops: every ManagedCluster looks again
          .withSecondaryToPrimaryMapper(pd -> context.getPrimaryCache().list().map(ResourceID::fromResource)
              .collect(Collectors.toSet()))
          .build(), context));
    }
    return sources;
  }

  private static List<Object> metadataView(ManagementCluster mc) {
    return Arrays.asList(mc.getMetadata().getLabels(), mc.getMetadata().getAnnotations(),
        mc.getSpec() != null && mc.getSpec().isLost());
  }

  @Override
  public UpdateControl<ManagedCluster> reconcile(ManagedCluster managed, Context<ManagedCluster> context) {
    ManagementCluster existing = context.getSecondaryResource(ManagementCluster.class).orElse(null);
    reconcile(managed, existing, placement == null ? Set.of() : PlacementDecisions.read(hub, placement));
    return UpdateControl.noUpdate();
  }

  /**
   * One pass over {@code managed}: the ManagementCluster of its name ({@code existing}, null when none) and the clusters
   * the configured Placement chose ({@code placed}). Called by the operator, and directly by tests.
   */
  public ManagementClusterSourcing.Decision reconcile(ManagedCluster managed, ManagementCluster existing,
                                                      Set<String> placed) {
    String name = managed.getMetadata().getName();
    boolean isPlaced = placed.contains(name);
    ManagementClusterSourcing.Managed view = new ManagementClusterSourcing.Managed(ManagedClusters.accepted(managed),
        ManagedClusters.deleting(managed), ManagedClusters.hosting(managed), isPlaced, ManagedClusters.tainted(managed));
    ManagementClusterSourcing.Existing ex = existing == null ? null : new ManagementClusterSourcing.Existing(
        ManagementClusterSourcing.fromOcm(existing.getMetadata().getLabels()),
        existing.getSpec() != null && existing.getSpec().isLost());
    ManagementClusterSourcing.Decision decision = ManagementClusterSourcing.decide(view, ex);
    switch (decision.action()) {
      case CREATE -> create(managed, selectedBy(view));
      case SYNC -> sync(managed, existing, selectedBy(view));
      case DELETE -> {
        log.info("cluster {}: deleting its ManagementCluster ({}); its namespace is OCM's and stays, and so do its"
            + " backups", name, decision.reason());
        hub.resource(existing).delete();
      }
      case KEEP -> log.debug("cluster {}: keeping its ManagementCluster: {}", name, decision.reason());
      case LEAVE, NONE -> { }
    }
    return decision;
  }

  private String selectedBy(ManagementClusterSourcing.Managed view) {
    List<String> why = new ArrayList<>();
    if (view.hosting()) {
      why.add(ManagementClusterSourcing.SELECTED_BY_HOSTING);
    }
    if (view.placed()) {
      why.add("placement " + placement);
    }
    return String.join(", ", why);
  }

  private Map<String, String> annotations(ManagedCluster managed, String selectedBy) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(ManagementClusterSourcing.MANAGED_CLUSTER_ANNOTATION, managed.getMetadata().getName());
    a.put(ManagementClusterSourcing.SELECTED_BY_ANNOTATION, selectedBy);
    a.put(ManagementClusterSourcing.MIRRORED_LABELS_ANNOTATION,
        ManagementClusterSourcing.keys(ManagementClusterSourcing.copied(managed.getMetadata().getLabels())));
    return a;
  }

  private void create(ManagedCluster managed, String selectedBy) {
    String name = managed.getMetadata().getName();
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getMetadata().setLabels(new HashMap<>(ManagementClusterSourcing.labels(null, managed.getMetadata().getLabels(),
        Set.of())));
    mc.getMetadata().setAnnotations(annotations(managed, selectedBy));
    mc.setStatus(null);
    try {
      hub.resource(mc).create();
      log.info("cluster {}: ManagementCluster made from its ManagedCluster ({}); no namespace or token created",
          name, selectedBy);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // made meanwhile (the cache lagged): the next event syncs it
    }
  }

  /**
   * Labels and annotations follow the ManagedCluster: when they differ, one JSON Patch replaces both maps, tied to the
   * version read (JsonPatches.unchangedSince), so a label someone adds meanwhile is not lost (409, and JOSDK retries).
   * Not a merge patch: the sandbox's API server stores a merge patch's null instead of removing the key
   * (docs/test-stack-facts.md §4).
   */
  private void sync(ManagedCluster managed, ManagementCluster existing, String selectedBy) {
    Map<String, String> current = existing.getMetadata().getLabels() == null ? Map.of()
        : existing.getMetadata().getLabels();
    Map<String, String> currentAnnotations = existing.getMetadata().getAnnotations() == null ? Map.of()
        : existing.getMetadata().getAnnotations();
    Set<String> before = ManagementClusterSourcing.keys(
        currentAnnotations.get(ManagementClusterSourcing.MIRRORED_LABELS_ANNOTATION));
    Map<String, String> labels = ManagementClusterSourcing.labels(current, managed.getMetadata().getLabels(), before);
    Map<String, String> annotations = new TreeMap<>(currentAnnotations);
    annotations.putAll(annotations(managed, selectedBy));
    if (labels.equals(current) && annotations.equals(currentAnnotations)) {
      return;
    }
    List<Map<String, Object>> patch = List.of(JsonPatches.unchangedSince(existing),
        Map.of("op", "add", "path", "/metadata/labels", "value", labels),
        Map.of("op", "add", "path", "/metadata/annotations", "value", annotations));
    hub.resources(ManagementCluster.class).withName(existing.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(patch));
    log.info("cluster {}: ManagementCluster follows its ManagedCluster: labels {}", managed.getMetadata().getName(),
        labels);
  }
}
