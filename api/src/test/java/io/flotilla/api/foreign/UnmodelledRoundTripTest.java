package io.flotilla.api.foreign;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import org.junit.jupiter.api.Test;

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
}
