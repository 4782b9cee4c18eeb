package io.flotilla.agent;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.BuildInfo;
import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.hub.HubManager;
import io.flotilla.hub.HubManagerConfig;
import io.flotilla.hub.cluster.ClusterAvailability;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.hub.cluster.ManagementClusterReconciler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** hub-manager and spoke-agent together against two CRUD mock servers (hub and spoke). */
class HubAndAgentTest {
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
    MockApiServers.stubLeaseAccess(hubServer);
    MockApiServers.stubTokenRequest(hubServer, "mc1", "agent-token");
  }

  @AfterEach
  void stop() {
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  ManagementCluster mc() { return hub.resources(ManagementCluster.class).withName("mc1").get(); }

  Optional<Condition> available() {
    ManagementCluster mc = mc();
    return mc == null || mc.getStatus() == null ? Optional.empty()
        : Conditions.find(mc.getStatus().conditions, ManagementCluster.AVAILABLE);
  }

  List<Event> events() {
    return hub.v1().events().inNamespace(ManagementClusterReconciler.EVENT_NAMESPACE).list().getItems().stream()
        .filter(e -> "mc1".equals(e.getInvolvedObject().getName())).toList();
  }

  void hostedCluster(String ns, String name) {
    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setNamespace(ns);
    hc.getMetadata().setName(name);
    spoke.resource(hc).create();
  }

  @Test
  void availableWhileTheAgentHeartbeatsUnknownAfterTheGracePeriod() {
    new ClusterRegistration(hub).join("mc1", Map.of("env", "test"), Duration.ofHours(1));
    hostedCluster("clusters", "hc-a");
    hostedCluster("clusters", "hc-b");
    hostedCluster("other", "hc-c");

    HubManagerConfig config = HubManagerConfig.defaults().withGraceHeartbeats(3)
        .withIdentity("hub-test").withExitOnLostLeadership(false);
    AgentConfig agentConfig = new AgentConfig("mc1", Duration.ofSeconds(1), BuildInfo.version());
    try (HubManager manager = new HubManager(hub, config)) {
      manager.start();
      // Registered but never heartbeated: Joined (namespace + SA), not Available
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(available()).get().extracting(Condition::getReason)
            .isEqualTo(ClusterAvailability.REASON_NEVER_CONNECTED);
        assertThat(Conditions.isTrue(mc().getStatus().conditions, ManagementCluster.JOINED)).isTrue();
      });
      assertThat(hub.leases().inNamespace("flotilla-system").withName(HubManager.LEADER_LEASE).get().getSpec()
          .getHolderIdentity()).isEqualTo("hub-test");
      assertThat(manager.isLeader()).isTrue();

      SpokeAgent agent = new SpokeAgent(hub, spoke, agentConfig);
      agent.start();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(available()).get().extracting(Condition::getStatus).isEqualTo(Conditions.TRUE);
        var status = mc().getStatus();
        assertThat(status.agentVersion).isEqualTo(BuildInfo.version());
        assertThat(status.hostedClusters).isEqualTo(3);
        assertThat(status.hostedClusterNames).containsExactly("clusters/hc-a", "clusters/hc-b", "other/hc-c");
        assertThat(status.lastHeartbeatTime).isNotNull();
      });
      var lease = hub.leases().inNamespace("mc1").withName(ClusterRegistration.AGENT_LEASE).get();
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
      assertThat(lease.getSpec().getRenewTime()).isNotNull();

      // The agent must not wipe the hub's conditions: they survive further heartbeats.
      Instant beat = agent.heartbeat().lastRenewal();
      await().atMost(Duration.ofSeconds(5)).until(() -> agent.heartbeat().lastRenewal().isAfter(beat));
      assertThat(Conditions.isTrue(mc().getStatus().conditions, ManagementCluster.JOINED)).isTrue();
      assertThat(events()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ClusterAvailable"));

      // Outage: no renewals -> Unknown within grace (3 × 1 s) plus a margin
      agent.close();
      // One missed heartbeat is no outage: the lease was renewed less than a heartbeat ago, the grace is three.
      assertThat(available()).get().extracting(Condition::getStatus).isEqualTo(Conditions.TRUE);
      await().atMost(Duration.ofSeconds(3 + 5)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
          assertThat(available()).get().satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.UNKNOWN);
            assertThat(c.getReason()).isEqualTo(ClusterAvailability.REASON_LEASE_UPDATE_STOPPED);
            assertThat(c.getMessage()).contains("grace period 3 s");
          }));
      // the event is written just after the condition: wait for it too
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events()).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("ClusterUnavailable");
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getMessage()).contains(ClusterAvailability.REASON_LEASE_UPDATE_STOPPED);
      }));
      // the agent's last report is kept
      assertThat(mc().getStatus().hostedClusters).isEqualTo(3);

      // A new agent: Available again
      try (SpokeAgent again = new SpokeAgent(hub, spoke, agentConfig)) {
        again.start();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
            assertThat(available()).get().extracting(Condition::getStatus).isEqualTo(Conditions.TRUE));
        assertThat(events().stream().filter(e -> "ClusterAvailable".equals(e.getReason())).count()).isEqualTo(2);
      }
    }
  }

  @Test
  void startFailsForAnUnknownCluster() {
    var agent = new SpokeAgent(hub, spoke, new AgentConfig("ghost", Duration.ofSeconds(1), "x"));
    org.assertj.core.api.Assertions.assertThatThrownBy(agent::start)
        .isInstanceOf(UnknownClusterException.class)
        .hasMessage("cluster \"ghost\" is not registered on the hub; run 'flotilla cluster add ghost' first");
  }
}
