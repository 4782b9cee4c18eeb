package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.StatusWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Install strategy Placements (docs/ocm-facts.md §1.7 item 1, §I2.5, §I3.4, §I7.6): the addon-manager keeps an MCA in
 * exactly the clusters the placements' decisions select, and a cluster that leaves loses its add-on, its work and the
 * objects on its spoke.
 */
class PlacementsInstallTest {
  static final String HUB_NAMESPACE = "flotilla-system";
  static OcmHub ocm;

  @BeforeAll
  static void start() {
    ocm = new OcmHub("mc-1", "mc-2");
    ocm.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(HUB_NAMESPACE).endMetadata()
        .build()).create();
    // a third cluster known to the hub, whose spoke plays no part here
    ocm.join("mc-3");
  }

  @AfterAll
  static void stop() {
    if (ocm != null) {
      ocm.close();
    }
  }

  static ClusterManagementAddOn placedAddOn(String addon, String placement, AddOnConfig... configs) {
    ClusterManagementAddOn cma = ocm.createAddOn(addon, addon + "-1.0.0", ClusterManagementAddOn.INSTALL_PLACEMENTS);
    ClusterManagementAddOn.PlacementStrategy strategy = new ClusterManagementAddOn.PlacementStrategy();
    strategy.namespace = HUB_NAMESPACE;
    strategy.name = placement;
    strategy.configs = configs.length == 0 ? null : List.of(configs);
    cma.getSpec().installStrategy.placements = List.of(strategy);
    return ocm.client().resource(cma).update();
  }

  static void placement(String name) {
    Placement p = new Placement();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(HUB_NAMESPACE);
    p.setStatus(null);
    ocm.client().resource(p).create();
  }

  /** The scheduler's pages: at most 100 decisions each, all labelled with the placement (§I2.5). */
  static void decide(String placement, int page, String... clusters) {
    String name = placement + "-decision-" + page;
    var resource = ocm.client().resources(PlacementDecision.class).inNamespace(HUB_NAMESPACE).withName(name);
    PlacementDecision pd = resource.get();
    if (pd == null) {
      pd = new PlacementDecision();
      pd.getMetadata().setName(name);
      pd.getMetadata().setNamespace(HUB_NAMESPACE);
      pd.getMetadata().setLabels(Map.of(PlacementDecision.PLACEMENT_LABEL, placement,
          PlacementDecision.DECISION_GROUP_INDEX_LABEL, "0"));
      pd.setStatus(null);
      pd = ocm.client().resource(pd).create();
    }
    PlacementDecision.Status status = new PlacementDecision.Status();
    status.decisions = new ArrayList<>();
    for (String c : clusters) {
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = c;
      status.decisions.add(d);
    }
    StatusWriter.write(ocm.client(), pd, status, StatusWriter.Precondition.LAST_WRITE_WINS);
  }

  @Test
  void clustersJoiningAndLeavingThePlacementGainAndLoseTheAddOnAndItsObjects() {
    placedAddOn("placed", "hosting");
    ocm.publish(OcmHub.template("placed", "1.0.0", false));
    placement("hosting");
    decide("hosting", 0, "mc-1");
    decide("hosting", 1, "mc-2");
    // someone's own MCA in a cluster no decision names: under Placements it goes too (§I3.4 item 1)
    ocm.enable("mc-3", "placed");
    ocm.pass();

    // every page counts; each MCA is the CMA's and has the default template
    for (String cluster : List.of("mc-1", "mc-2")) {
      ManagedClusterAddOn mca = ocm.mca(cluster, "placed");
      assertThat(mca).as(cluster).isNotNull();
      assertThat(mca.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getKind() + "/" + o.getName()).isEqualTo("ClusterManagementAddOn/placed"));
      assertThat(ocm.spoke(cluster).client().apps().deployments().inNamespace("placed-agent").withName("placed-agent")
          .get()).as(cluster).isNotNull();
    }
    assertThat(ocm.mca("mc-3", "placed")).isNull();

    decide("hosting", 1);
    ocm.pass();
    ocm.pass();

    // mc-2 left: its MCA went, then its work, then what the work agent had applied there (§I7.2)
    assertThat(ocm.mca("mc-2", "placed")).isNull();
    assertThat(ocm.work("mc-2", "placed")).isNull();
    assertThat(ocm.spoke("mc-2").client().apps().deployments().inNamespace("placed-agent").withName("placed-agent")
        .get()).isNull();
    assertThat(ocm.spoke("mc-2").client().configMaps().inNamespace("placed-agent").withName("placed-settings").get())
        .isNull();
    assertThat(ocm.mca("mc-1", "placed")).isNotNull();

    decide("hosting", 1, "mc-2");
    ocm.pass();
    assertThat(ocm.mca("mc-2", "placed")).isNotNull();
    assertThat(ocm.spoke("mc-2").client().apps().deployments().inNamespace("placed-agent").withName("placed-agent")
        .get()).isNotNull();
  }

  @Test
  void aPlacementsConfigsPickTheVersionOfTheClustersItSelects() {
    placedAddOn("pinned", "canary", AddOnConfig.template("pinned-2.0.0"));
    ocm.publish(OcmHub.template("pinned", "1.0.0", false));
    ocm.publish(OcmHub.template("pinned", "2.0.0", false));
    placement("canary");
    decide("canary", 0, "mc-1");
    ocm.pass();

    assertThat(ocm.mca("mc-1", "pinned").configReference(AddOnConfigs.TEMPLATE.group(),
        AddOnConfigs.TEMPLATE.resource()).orElseThrow().desiredConfig.name).isEqualTo("pinned-2.0.0");
    assertThat(ocm.spoke("mc-1").client().configMaps().inNamespace("pinned-agent").withName("pinned-settings").get()
        .getData()).containsEntry("version", "2.0.0");
  }

  @Test
  void aPlacementThatDoesNotExistSelectsNothingAndDeletingTheCmaDeletesEveryMca() {
    placedAddOn("orphan", "nowhere");
    ocm.publish(OcmHub.template("orphan", "1.0.0", false));
    decide("nowhere", 0, "mc-1");
    ocm.pass();
    // decisions of a Placement that is not there are not read (the install reconciler skips it)
    assertThat(ocm.mca("mc-1", "orphan")).isNull();

    ClusterManagementAddOn manual = ocm.createAddOn("owned", "owned-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("owned", "1.0.0", false));
    ocm.enable("mc-1", "owned");
    ocm.enable("mc-2", "owned");
    ocm.pass();
    assertThat(ocm.mca("mc-1", "owned").getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(manual.getMetadata().getUid()));

    ocm.client().resource(manual).delete();
    ocm.pass();
    ocm.pass();

    // §I3.4 item 3: every MCA had the CMA as owner, so all of them go, and the agents with them
    assertThat(ocm.mca("mc-1", "owned")).isNull();
    assertThat(ocm.mca("mc-2", "owned")).isNull();
    assertThat(ocm.spoke("mc-2").client().apps().deployments().inNamespace("owned-agent").withName("owned-agent").get())
        .isNull();
  }

  @Test
  void aClusterWithoutAManagedClusterIsNotInstalledYet() {
    placedAddOn("early", "early");
    ocm.publish(OcmHub.template("early", "1.0.0", false));
    placement("early");
    decide("early", 0, "mc-9");
    ocm.pass();

    // OCM copies the ManagedCluster's addon annotations onto the MCA and waits for it (§I7.6)
    assertThat(ocm.client().resources(ManagedCluster.class).withName("mc-9").get()).isNull();
    assertThat(ocm.client().resources(ManagedClusterAddOn.class).inNamespace("mc-9").withName("early").get()).isNull();
  }
}
