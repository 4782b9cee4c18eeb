package io.flotilla.api.foreign;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UnmodelledRoundTripTest {
  @Test
  void fieldsWeDoNotModelSurviveAReadModifyWrite() {
    String yaml = """
        apiVersion: hypershift.openshift.io/v1beta1
        kind: HostedCluster
        metadata: {name: hc-1, namespace: clusters}
        spec:
          pausedUntil: "true"
          release: {image: quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64}
          etcd:
            managementType: Managed
            managed:
              storage: {type: PersistentVolume, persistentVolume: {size: 8Gi}}
          services:
          - service: APIServer
            servicePublishingStrategy: {type: LoadBalancer}
        """;
    HostedCluster hc = Serialization.unmarshal(yaml, HostedCluster.class);
    hc.getSpec().pausedUntil = null;

    String out = Serialization.asJson(hc);

    assertThat(out).contains("\"release\":{\"image\":\"quay.io/openshift-release-dev/ocp-release:4.17.0-x86_64\"}");
    assertThat(out).contains("\"persistentVolume\":{\"size\":\"8Gi\"}");
    assertThat(out).contains("\"servicePublishingStrategy\"");
    assertThat(out).doesNotContain("pausedUntil").doesNotContain("additionalProperties");
  }

  @Test
  void aManagedClusterAddOnKeepsWhatTheAddonManagerWroteWhenFlotillaPinsItsTemplate() {
    // As the addon-manager leaves an MCA (docs/ocm-facts.md §1.2): status fields Flotilla does not model.
    String yaml = """
        apiVersion: addon.open-cluster-management.io/v1alpha1
        kind: ManagedClusterAddOn
        metadata: {name: flotilla-agent, namespace: mc-1}
        spec: {}
        status:
          healthCheck: {mode: Customized}
          supportedConfigs:
          - {group: addon.open-cluster-management.io, resource: addontemplates}
          relatedObjects:
          - {group: addon.open-cluster-management.io, resource: clustermanagementaddons, name: flotilla-agent}
          configReferences:
          - group: addon.open-cluster-management.io
            resource: addontemplates
            name: flotilla-agent-1.4.1
            lastObservedGeneration: 1
            desiredConfig: {name: flotilla-agent-1.4.1, specHash: abc}
            lastAppliedConfig: {name: flotilla-agent-1.4.1, specHash: abc}
        """;
    ManagedClusterAddOn mca = Serialization.unmarshal(yaml, ManagedClusterAddOn.class);
    mca.getSpec().configs = List.of(AddOnConfig.template("flotilla-agent-1.4.2"));

    String out = Serialization.asJson(mca);

    assertThat(out).contains("\"healthCheck\":{\"mode\":\"Customized\"}", "\"relatedObjects\"", "\"supportedConfigs\"",
        "\"lastObservedGeneration\":1", "\"name\":\"flotilla-agent-1.4.2\"");
    assertThat(mca.configReference("addon.open-cluster-management.io", "addontemplates"))
        .hasValueSatisfying(r -> assertThat(r.lastAppliedConfig.name).isEqualTo("flotilla-agent-1.4.1"));
    assertThat(out).doesNotContain("additionalProperties");
  }
}
