package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.common.StatusWriter;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * OCM's placement scheduling controller for one Placement (docs/ocm-facts.md §I2.5, §I6.4): reads the sets bound into
 * its namespace, the clusters and the decisions that exist, lets {@link PlacementSelection} choose, and writes the
 * choice: the PlacementDecision pages (created with the placement and group labels and a controller reference to the
 * Placement, their status set, pages no longer needed deleted) and the Placement's status. A deleted Placement's pages
 * are deleted too, as the garbage collector would do through their owner reference (the sandbox's API server has
 * none).
 */
final class PlacementController {
  private final KubernetesClient hub;
  private final Clock clock;

  PlacementController(KubernetesClient hub, Clock clock) {
    this.hub = hub;
    this.clock = clock;
  }

  /** @return when to schedule it again (a toleration running out), or empty */
  Optional<Instant> sync(String namespace, String name) {
    Placement placement = hub.resources(Placement.class).inNamespace(namespace).withName(name).get();
    List<PlacementDecision> allDecisions = hub.resources(PlacementDecision.class).inAnyNamespace().list().getItems();
    List<PlacementDecision> own = allDecisions.stream().filter(pd -> ownedBy(pd, namespace, name)).toList();
    if (placement == null) {
      own.forEach(pd -> delete(pd));
      return Optional.empty();
    }
    if (placement.getMetadata().getDeletionTimestamp() != null) {
      return Optional.empty();
    }
    Set<String> chosen = new HashSet<>();
    own.forEach(pd -> decisions(pd).forEach(d -> chosen.add(d.clusterName)));
    Map<String, Integer> others = new HashMap<>();
    allDecisions.stream().filter(pd -> !ownedBy(pd, namespace, name))
        .forEach(pd -> decisions(pd).forEach(d -> others.merge(d.clusterName, 1, Integer::sum)));

    PlacementSelection.Result result = PlacementSelection.select(new PlacementSelection.Input(placement,
        hub.resources(ManagedClusterSetBinding.class).inNamespace(namespace).list().getItems(),
        hub.resources(ManagedClusterSet.class).list().getItems(),
        hub.resources(ManagedCluster.class).list().getItems(), chosen, others, clock.instant()));

    Set<String> pageNames = new HashSet<>();
    for (PlacementSelection.Page page : result.pages()) {
      pageNames.add(page.name());
      writePage(placement, page, own.stream().filter(pd -> page.name().equals(pd.getMetadata().getName())).findFirst());
    }
    own.stream().filter(pd -> !pageNames.contains(pd.getMetadata().getName())).forEach(this::delete);
    writeStatus(namespace, name, result);
    return result.recheckAt();
  }

  private void writePage(Placement placement, PlacementSelection.Page page, Optional<PlacementDecision> existing) {
    Map<String, String> labels = Map.of(PlacementDecision.PLACEMENT_LABEL, placement.getMetadata().getName(),
        PlacementDecision.DECISION_GROUP_INDEX_LABEL, Integer.toString(page.groupIndex()),
        PlacementDecision.DECISION_GROUP_NAME_LABEL, page.groupName());
    PlacementDecision pd = existing.orElse(null);
    if (pd == null) {
      PlacementDecision created = new PlacementDecision();
      ObjectMeta meta = new ObjectMeta();
      meta.setName(page.name());
      meta.setNamespace(placement.getMetadata().getNamespace());
      meta.setLabels(labels);
      meta.setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(placement.getApiVersion())
          .withKind(placement.getKind()).withName(placement.getMetadata().getName())
          .withUid(placement.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
      created.setMetadata(meta);
      pd = hub.resource(created).create();
    } else if (!labels.equals(pd.getMetadata().getLabels())) {
      pd = Writes.patch(hub, pd, List.of(Writes.set("/metadata/labels", labels)));
    }
    PlacementDecision.Status status = new PlacementDecision.Status();
    for (String cluster : page.clusters()) {
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = cluster;
      status.decisions.add(d);
    }
    // The scheduler alone writes its decisions, from scratch on every pass.
    StatusWriter.write(hub, pd, status, StatusWriter.Precondition.LAST_WRITE_WINS);
  }

  private void writeStatus(String namespace, String name, PlacementSelection.Result result) {
    Instant now = clock.instant();
    Writes.updateStatus(hub, () -> hub.resources(Placement.class).inNamespace(namespace).withName(name).get(), status -> {
      Placement.Status s = status == null ? new Placement.Status() : status;
      s.numberOfSelectedClusters = result.numberOfSelectedClusters();
      s.decisionGroups = result.decisionGroups();
      List<Condition> conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
      Conditions.set(conditions, result.misconfigured(), null, now);
      Conditions.set(conditions, result.satisfied(), null, now);
      s.conditions = conditions;
      return s;
    });
  }

  private void delete(PlacementDecision pd) {
    try {
      hub.resource(pd).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static List<PlacementDecision.Decision> decisions(PlacementDecision pd) {
    return pd.getStatus() == null || pd.getStatus().decisions == null ? List.of() : pd.getStatus().decisions;
  }

  /** A page of that Placement: in its namespace, with its placement label (how OCM finds them, docs/ocm-facts.md §I2.5). */
  private static boolean ownedBy(PlacementDecision pd, String namespace, String placement) {
    Map<String, String> labels = pd.getMetadata().getLabels();
    return namespace.equals(pd.getMetadata().getNamespace()) && labels != null
        && placement.equals(labels.get(PlacementDecision.PLACEMENT_LABEL));
  }
}
