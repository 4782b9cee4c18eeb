package io.flotilla.agent.hub;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The heartbeat reports each HostedCluster's labels (for the hub's hosted-cluster selectors), only when they change. */
class HeartbeatLabelsTest {
  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;


  @BeforeEach
  void servers() throws Exception {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    MockApiServers.applyCrd(hub, "managementclusters.cluster.flotilla.io");
    MockApiServers.applyCrd(spoke, "hostedclusters.hypershift.openshift.io");
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName("mc1");
    hub.resource(mc).create();
  }

  @AfterEach
  void stop() {
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  void hostedCluster(String ns, String name, Map<String, String> labels) {
    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setNamespace(ns);
    hc.getMetadata().setName(name);
    hc.getMetadata().setLabels(labels);
    spoke.resource(hc).createOr(existing -> existing.update());
  }

  ManagementCluster mc() {
    return hub.resources(ManagementCluster.class).withName("mc1").get();
  }

  @Test
  void reportsLabelsByHostedClusterAndReplacesThemWhenTheyChange() {
    hostedCluster("clusters", "hc-a", Map.of("tier", "gold", "env", "prod"));
    hostedCluster("clusters", "hc-b", null);
    Heartbeat heartbeat = new Heartbeat(hub, spoke, new AgentConfig("mc1", Duration.ofSeconds(60), "test"), "test");
    heartbeat.beat();
    assertThat(mc().getStatus().hostedClusterNames).containsExactly("clusters/hc-a", "clusters/hc-b");
    assertThat(mc().getStatus().hostedClusterLabels)
        .isEqualTo(Map.of("clusters/hc-a", Map.of("tier", "gold", "env", "prod")));

    // unchanged: no status write
    String version = mc().getMetadata().getResourceVersion();
    heartbeat.beat();
    assertThat(mc().getMetadata().getResourceVersion()).isEqualTo(version);

    // a label removed, another hosted cluster labelled: the map is replaced, not merged
    hostedCluster("clusters", "hc-a", Map.of("tier", "silver"));
    hostedCluster("clusters", "hc-b", Map.of("env", "dev"));
    heartbeat.beat();
    assertThat(mc().getStatus().hostedClusterLabels).isEqualTo(Map.of(
        "clusters/hc-a", Map.of("tier", "silver"), "clusters/hc-b", Map.of("env", "dev")));

    // no labels left anywhere
    hostedCluster("clusters", "hc-a", null);
    spoke.resources(HostedCluster.class).inNamespace("clusters").withName("hc-b").delete();
    heartbeat.beat();
    assertThat(mc().getStatus().hostedClusterLabels).isEmpty();
    assertThat(mc().getStatus().hostedClusterNames).containsExactly("clusters/hc-a");
  }
}
