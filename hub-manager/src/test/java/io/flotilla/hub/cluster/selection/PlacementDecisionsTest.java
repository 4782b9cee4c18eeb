package io.flotilla.hub.cluster.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.common.PlacementRef;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.testing.MockApiServers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class PlacementDecisionsTest {
  KubernetesClient client;

  static PlacementDecision page(String namespace, String placement, int n, String... clusters) {
    PlacementDecision pd = new PlacementDecision();
    pd.getMetadata().setName(placement + "-decision-" + n);
    pd.getMetadata().setNamespace(namespace);
    pd.getMetadata().setLabels(Map.of(PlacementDecision.PLACEMENT_LABEL, placement,
        PlacementDecision.DECISION_GROUP_INDEX_LABEL, "0"));
    pd.setStatus(new PlacementDecision.Status());
    for (String c : clusters) {
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = c;
      pd.getStatus().decisions.add(d);
    }
    return pd;
  }

  static KubernetesResourceList<PlacementDecision> list(String next, PlacementDecision... items) {
    DefaultKubernetesResourceList<PlacementDecision> l = new DefaultKubernetesResourceList<>();
    l.setItems(new ArrayList<>(Arrays.asList(items)));
    ListMeta meta = new ListMeta();
    meta.setContinue(next);
    l.setMetadata(meta);
    return l;
  }

  /** As OCM's placement controller writes a page: the object, then its status (a subresource). */
  static void create(KubernetesClient client, PlacementDecision pd) {
    PlacementDecision.Status status = pd.getStatus();
    PlacementDecision created = client.resource(pd).create();
    created.setStatus(status);
    client.resource(created).updateStatus();
  }

  @Test
  void readsEveryPageTheServerHands() {
    Map<String, KubernetesResourceList<PlacementDecision>> pages = new HashMap<>();
    pages.put(null, list("t1", page("ops", "dr", 1, "a", "b")));
    pages.put("t1", list("t2", page("ops", "dr", 2, "c"), page("ops", "dr", 3)));
    // the last page: an empty token ends the list
    pages.put("t2", list("", page("ops", "dr", 4, "b", "d")));
    List<String> asked = new ArrayList<>();
    assertThat(PlacementDecisions.clusters("dr", token -> {
      asked.add(token);
      return pages.get(token);
    })).containsExactly("a", "b", "c", "d");
    assertThat(asked).containsExactly(null, "t1", "t2");
  }

  @Test
  void aPageOfAnotherPlacementOrWithoutDecisionsCountsForNothing() {
    PlacementDecision noStatus = page("ops", "dr", 2);
    noStatus.setStatus(null);
    assertThat(PlacementDecisions.clusters("dr", token -> list(null, page("ops", "other", 1, "x"), noStatus,
        page("ops", "dr", 3, "a", "")))).containsExactly("a");
  }

  @Test
  void aRepeatedContinueTokenIsAnError() {
    assertThatThrownBy(() -> PlacementDecisions.clusters("dr", token -> list("again", page("ops", "dr", 1, "a"))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("repeats continue token again");
  }

  @Test
  void readsThePlacementsDecisionsByLabelInItsNamespace() {
    MockApiServers.applyCrd(client, "placementdecisions.cluster.open-cluster-management.io");
    for (PlacementDecision pd : List.of(page("ops", "dr", 1, "a", "b"), page("ops", "dr", 2, "c"),
        page("ops", "fleet", 1, "x"), page("flotilla-system", "dr", 1, "y"))) {
      create(client, pd);
    }
    assertThat(PlacementDecisions.read(client, new PlacementRef("ops", "dr"))).containsExactly("a", "b", "c");
    assertThat(PlacementDecisions.read(client, new PlacementRef(null, "dr"))).containsExactly("y");
    assertThat(PlacementDecisions.read(client, new PlacementRef("ops", "none"))).isEmpty();
  }
}
