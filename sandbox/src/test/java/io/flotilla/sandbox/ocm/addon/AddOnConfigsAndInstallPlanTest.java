package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Config precedence (docs/ocm-facts.md §1.6, §I3.4 item 5) and install strategies (§1.7 item 1, §I3.4 item 1). */
class AddOnConfigsAndInstallPlanTest {
  static final String CMA = """
      apiVersion: addon.open-cluster-management.io/v1alpha1
      kind: ClusterManagementAddOn
      metadata: {name: demo}
      spec:
        supportedConfigs:
        - {group: addon.open-cluster-management.io, resource: addontemplates, defaultConfig: {name: demo-1.0.0}}
        - {group: addon.open-cluster-management.io, resource: addondeploymentconfigs,
           defaultConfig: {namespace: hub, name: demo}}
        installStrategy:
          type: Placements
          placements:
          - namespace: hub
            name: canary
            configs: [{group: addon.open-cluster-management.io, resource: addontemplates, name: demo-1.1.0}]
          - {namespace: hub, name: fleet}
      """;

  static ClusterManagementAddOn cma(String yaml) { return Serialization.unmarshal(yaml, ClusterManagementAddOn.class); }

  static ManagedClusterAddOn mca(AddOnConfig... configs) {
    ManagedClusterAddOn mca = new ManagedClusterAddOn();
    mca.getMetadata().setName("demo");
    mca.getMetadata().setNamespace("mc-1");
    mca.getSpec().configs = configs.length == 0 ? null : List.of(configs);
    return mca;
  }

  static List<String> names(List<AddOnConfig> configs) {
    return configs.stream().map(c -> c.resource + ":" + (c.namespace == null ? "" : c.namespace + "/") + c.name).toList();
  }

  @Test
  void theDefaultsApplyWithoutAPlacementOrOwnConfigs() {
    assertThat(names(AddOnConfigs.effective(cma(CMA), null, mca())))
        .containsExactly("addondeploymentconfigs:hub/demo", "addontemplates:demo-1.0.0");
  }

  @Test
  void aPlacementsConfigsReplaceTheDefaultsOfTheirTypeAndTheMcasReplaceBoth() {
    ClusterManagementAddOn.PlacementStrategy canary = cma(CMA).getSpec().installStrategy.placements.get(0);

    assertThat(names(AddOnConfigs.effective(cma(CMA), canary, mca())))
        .containsExactly("addondeploymentconfigs:hub/demo", "addontemplates:demo-1.1.0");
    // §I3.2: pinning a cluster is an MCA config; a per-cluster ADC replaces the default one whole (§I3.4 item 5)
    assertThat(names(AddOnConfigs.effective(cma(CMA), canary, mca(AddOnConfig.template("demo-0.9.0"),
        AddOnConfig.deploymentConfig("mc-1", "mine"))))).containsExactly("addondeploymentconfigs:mc-1/mine",
        "addontemplates:demo-0.9.0");
  }

  @Test
  void onlyTemplatesAndDeploymentConfigsAreSupported() {
    assertThat(AddOnConfigs.unsupported(mca(AddOnConfig.template("demo-1.0.0")))).isEmpty();
    assertThat(AddOnConfigs.unsupported(mca(new AddOnConfig("example.com", "widgets", null, "w"))))
        .contains(new AddOnConfigs.Type("example.com", "widgets"));
    assertThat(AddOnConfigs.isTemplateAddOn(cma(CMA))).isTrue();
    assertThat(AddOnConfigs.isTemplateAddOn(cma(CMA.replace("addontemplates", "addonhubconfigs")))).isFalse();
  }

  @Test
  void placementsCreateInSelectedClustersAndDeleteEveryOtherMcaOfTheAddOn() {
    Map<String, Set<String>> decisions = Map.of("hub/canary", Set.of("mc-1"), "hub/fleet", Set.of("mc-1", "mc-2"));

    // mc-3's MCA goes whoever made it (§I3.4 item 1); mc-1's stays
    InstallPlan plan = InstallPlan.of(cma(CMA), Set.of("mc-1", "mc-3"), decisions);

    assertThat(plan.create()).containsExactly("mc-2");
    assertThat(plan.delete()).containsExactly("mc-3");
  }

  @Test
  void manualCreatesAndDeletesNothingAndIgnoresItsPlacements() {
    ClusterManagementAddOn manual = cma(CMA.replace("type: Placements", "type: Manual"));

    assertThat(InstallPlan.of(manual, Set.of("mc-3"), Map.of("hub/fleet", Set.of("mc-1"))))
        .isEqualTo(new InstallPlan(Set.of(), Set.of()));
    assertThat(InstallPlan.placementOf(manual, "mc-1", Map.of("hub/fleet", Set.of("mc-1")))).isEmpty();
  }

  @Test
  void aClusterHangsUnderTheLastPlacementThatSelectsIt() {
    Map<String, Set<String>> decisions = Map.of("hub/canary", Set.of("mc-1"), "hub/fleet", Set.of("mc-1", "mc-2"));

    assertThat(InstallPlan.placementOf(cma(CMA), "mc-1", decisions)).get().extracting(p -> p.name).isEqualTo("fleet");
    assertThat(InstallPlan.placementOf(cma(CMA), "mc-1", Map.of("hub/canary", Set.of("mc-1")))).get()
        .extracting(p -> p.name).isEqualTo("canary");
    assertThat(InstallPlan.placementOf(cma(CMA), "mc-9", decisions)).isEmpty();
  }
}
