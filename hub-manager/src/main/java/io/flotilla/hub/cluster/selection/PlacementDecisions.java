package io.flotilla.hub.cluster.selection;

import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.PlacementDecision;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The clusters a Placement chose, as OCM's own consumers read them (docs/ocm-facts.md §I2.5): every PlacementDecision
 * in the Placement's namespace labelled {@value PlacementDecision#PLACEMENT_LABEL}={@code <name>}, over every page
 * of the list (at most 100 decisions a page, any number of pages), the union of their cluster names; never one
 * decision read by its name.
 */
public final class PlacementDecisions {
  /** Items a list request asks for at once; the API server answers with a continue token for the rest. */
  public static final int LIST_LIMIT = 500;

  private PlacementDecisions() {}

  /** One page of the list: the items, and the token of the next page (null or empty on the last). */
  @FunctionalInterface
  public interface Pages {
    KubernetesResourceList<PlacementDecision> page(String continueToken);
  }

  /**
   * The union of the cluster names of the decisions of {@code placement} over all pages {@code pages} returns.
   *
   * @throws IllegalStateException if the server repeats a continue token (the list would never end)
   */
  public static Set<String> clusters(String placement, Pages pages) {
    Objects.requireNonNull(placement, "placement");
    Set<String> clusters = new TreeSet<>();
    Set<String> tokens = new HashSet<>();
    String token = null;
    do {
      KubernetesResourceList<PlacementDecision> page = pages.page(token);
      if (page == null) {
        break;
      }
      for (PlacementDecision pd : page.getItems()) {
        Map<String, String> labels = pd.getMetadata() == null ? null : pd.getMetadata().getLabels();
        // the list asked by this label; a page of another placement in a reply is not ours
        if (labels == null || !placement.equals(labels.get(PlacementDecision.PLACEMENT_LABEL))
            || pd.getStatus() == null || pd.getStatus().decisions == null) {
          continue;
        }
        for (PlacementDecision.Decision d : pd.getStatus().decisions) {
          if (d != null && d.clusterName != null && !d.clusterName.isBlank()) {
            clusters.add(d.clusterName);
          }
        }
      }
      token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
      if (token != null && !token.isEmpty() && !tokens.add(token)) {
        throw new IllegalStateException("the list of PlacementDecisions of " + placement + " repeats continue token "
            + token);
      }
    } while (token != null && !token.isEmpty());
    return clusters;
  }

  /** The clusters the Placement {@code ref} chose, read from the hub page by page. */
  public static Set<String> read(KubernetesClient hub, PlacementRef ref) {
    return clusters(ref.name, token -> hub.resources(PlacementDecision.class).inNamespace(ref.namespaceOrDefault())
        .withLabel(PlacementDecision.PLACEMENT_LABEL, ref.name)
        .list(new ListOptionsBuilder().withLimit((long) LIST_LIMIT).withContinue(token).build()));
  }
}
