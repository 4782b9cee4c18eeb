package io.flotilla.agent.metrics;

import io.flotilla.testing.MockApiServers;

import io.flotilla.testing.Scrape;

import static io.flotilla.agent.metrics.MetricsFixtures.backup;
import static io.flotilla.agent.metrics.MetricsFixtures.completed;
import static io.flotilla.agent.metrics.MetricsFixtures.drilled;
import static io.flotilla.agent.metrics.MetricsFixtures.fleet;
import static io.flotilla.agent.metrics.MetricsFixtures.hc;
import static io.flotilla.agent.metrics.MetricsFixtures.hostedCluster;
import static io.flotilla.agent.metrics.MetricsFixtures.managed;
import static io.flotilla.agent.metrics.MetricsFixtures.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.hub.metrics.HubMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both metrics endpoints over real HTTP: hub-manager's on a CRUD mock hub, spoke-agent's on that hub and a CRUD mock
 * management cluster. The issue's series are there with the objects' values, and the agent's backup series are the
 * hub's for its own cluster.
 */
class MetricsEndpointsTest {
  static final Set<String> BACKUP_SERIES = Set.of("flotilla_backup_last_success_timestamp_seconds",
      "flotilla_backup_last_duration_seconds", "flotilla_backup_last_stored_bytes",
      "flotilla_backup_last_pause_window_seconds", "flotilla_backup_consecutive_failures",
      "flotilla_backup_failures_total", "flotilla_backup_last_verified_timestamp_seconds");

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;
  HubMetrics hubMetrics;
  AgentMetrics agentMetrics;


  @BeforeEach
  void servers() throws Exception {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    for (String name : new String[] {"hostedclusterbackups.dr.flotilla.io", "backuppolicies.dr.flotilla.io",
        "fleetaddons.addon.flotilla.io", "managedaddons.addon.flotilla.io"}) {
      MockApiServers.applyCrd(hub, name);
    }
    MockApiServers.applyCrd(spoke, "hostedclusters.hypershift.openshift.io");
  }

  @AfterEach
  void stop() {
    if (agentMetrics != null) {
      agentMetrics.close();
    }
    if (hubMetrics != null) {
      hubMetrics.close();
    }
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  /** Creates the object, then writes its status through the status subresource, as controllers do. */
  <T extends CustomResource<?, ?>> void put(KubernetesClient client, T object) {
    Object status = object.getStatus();
    T created = client.resource(object).create();
    @SuppressWarnings("unchecked")
    CustomResource<Object, Object> c = (CustomResource<Object, Object>) created;
    c.setStatus(status);
    client.resource(created).updateStatus();
  }

  static Map<String, Double> backupSeries(Scrape s, String cluster) {
    return s.samples().stream()
        .filter(x -> BACKUP_SERIES.contains(x.name()) && cluster.equals(x.labels().get("management_cluster")))
        .collect(Collectors.toMap(x -> x.name() + x.labels(), Scrape.Sample::value));
  }

  @Test
  void hubAndAgentServeTheSeriesOfTheIssueWithTheObjectsValues() throws Exception {
    put(hub, drilled(completed("mc1", "hc1", "b1", "2026-01-01T02:00:00Z", "2026-01-01T02:01:40Z", 8192, "1.5s")));
    put(hub, backup("mc1", "hc1", "b2", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:00:09Z"));
    put(hub, backup("mc1", "hc1", "b3", Phase.Failed, "2026-01-01T04:00:00Z", "2026-01-01T04:00:09Z"));
    put(hub, completed("mc2", "hc2", "b4", "2026-01-01T02:00:00Z", "2026-01-01T02:00:20Z", 100, "0.5s"));
    put(hub, policy("hourly", 2, 1, "1h10m", "mc1", "hc1", false));
    put(hub, fleet("foo", 3, 1, 1, 1));
    put(hub, managed("mc1", "foo", ManagedAddOnStatus.Phase.Failed));
    String anHourAgo = Instant.now().minusSeconds(3600).toString();
    put(spoke, hostedCluster("hc1", anHourAgo));
    spoke.resource(hostedCluster("hc3", null)).create();

    hubMetrics = HubMetrics.serve(hub, new InetSocketAddress("127.0.0.1", 0));
    agentMetrics = AgentMetrics.serve(hub, spoke, "mc1", new InetSocketAddress("127.0.0.1", 0));

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Scrape s = Scrape.get(hubMetrics.getPort());
      // last success time, duration, bytes, pause window, failures per hosted cluster
      assertThat(s.value("flotilla_backup_last_success_timestamp_seconds", hc("mc1", "hc1")))
          .hasValue((double) Instant.parse("2026-01-01T02:01:40Z").getEpochSecond());
      assertThat(s.value("flotilla_backup_last_duration_seconds", hc("mc1", "hc1"))).hasValue(100.0);
      assertThat(s.value("flotilla_backup_last_stored_bytes", hc("mc1", "hc1"))).hasValue(8192.0);
      assertThat(s.value("flotilla_backup_last_pause_window_seconds", hc("mc1", "hc1"))).hasValue(1.5);
      assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc1"))).hasValue(2.0);
      assertThat(s.value("flotilla_backup_consecutive_failures", hc("mc1", "hc1"))).hasValue(2.0);
      assertThat(s.value("flotilla_backup_last_duration_seconds", hc("mc2", "hc2"))).hasValue(20.0);
      assertThat(s.value("flotilla_backup_last_verified_timestamp_seconds", hc("mc2", "hc2")))
          .as("never drilled").isEmpty();
      // RPO per policy and per hosted cluster
      assertThat(s.value("flotilla_backup_policy_hosted_clusters", Map.of("policy", "hourly"))).hasValue(2.0);
      assertThat(s.value("flotilla_backup_policy_compliant_hosted_clusters", Map.of("policy", "hourly")))
          .hasValue(1.0);
      assertThat(s.value("flotilla_backup_rpo_compliant", hc("mc1", "hc1"))).hasValue(0.0);
      // rollout states
      assertThat(s.value("flotilla_addon_clusters", Map.of("addon", "foo", "state", "Failed"))).hasValue(1.0);
      assertThat(s.value("flotilla_addon_operation", Map.of("management_cluster", "mc1", "addon", "foo", "phase",
          "Failed"))).hasValue(1.0);
      assertThat(s.value("flotilla_build_info", Map.of("component", "hub-manager"))).hasValue(1.0);
    });

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Scrape a = Scrape.get(agentMetrics.getPort());
      // paused an hour ago per HyperShift's condition; the other one not paused
      assertThat(a.value("flotilla_hostedcluster_paused_seconds", hc("mc1", "hc1"))).hasValueSatisfying(
          v -> assertThat(v).isBetween(3600.0, 3600.0 + 60));
      assertThat(a.value("flotilla_hostedcluster_paused_seconds", hc("mc1", "hc3"))).hasValue(0.0);
      assertThat(a.value("flotilla_agent_up", Map.of("management_cluster", "mc1"))).hasValue(1.0);
      // the newest backup whose restore drill passed: time() minus it is the verified RPO
      assertThat(a.value("flotilla_backup_last_verified_timestamp_seconds", hc("mc1", "hc1")))
          .hasValue((double) Instant.parse("2026-01-01T02:01:40Z").getEpochSecond());
      assertThat(a.value("flotilla_build_info", Map.of("component", "spoke-agent"))).hasValue(1.0);
      // the agent's backup series are exactly the hub's for its own cluster, and nothing of other clusters
      Scrape h = Scrape.get(hubMetrics.getPort());
      assertThat(backupSeries(a, "mc1")).hasSize(BACKUP_SERIES.size()).isEqualTo(backupSeries(h, "mc1"));
      assertThat(backupSeries(a, "mc2")).isEmpty();
    });

    // the pause ends: the series drops to 0
    HostedCluster resumed = spoke.resources(HostedCluster.class).inNamespace("clusters").withName("hc1").get();
    resumed.getSpec().pausedUntil = null;
    spoke.resource(resumed).update();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(Scrape.get(agentMetrics.getPort()).value("flotilla_hostedcluster_paused_seconds", hc("mc1", "hc1")))
            .hasValue(0.0));
  }

  @Test
  void bothEndpointsExportTheSameBackupSeriesNames() {
    // both export io.flotilla.common.metrics.BackupSeries: same names, help and types from either endpoint
    hubMetrics = new HubMetrics(MetricsFixtures::fullFleet);
    agentMetrics = new AgentMetrics("mc1", () -> new SpokeState(MetricsFixtures.fullFleet().backups(),
        java.util.List.of()), java.time.Clock.systemUTC());
    Set<String> hubNames = new TreeSet<>(Scrape.parse(hubMetrics.scrape()).names());
    Set<String> agentNames = new TreeSet<>(Scrape.parse(agentMetrics.scrape()).names());
    hubNames.retainAll(BACKUP_SERIES);
    agentNames.retainAll(BACKUP_SERIES);
    assertThat(hubNames).isEqualTo(BACKUP_SERIES).isEqualTo(agentNames);
    // and the same help text and type lines, so a dashboard cannot tell which one it reads
    assertThat(typeAndHelp(hubMetrics.scrape())).isEqualTo(typeAndHelp(agentMetrics.scrape()));
  }

  static Set<String> typeAndHelp(String page) {
    return page.lines().filter(l -> l.startsWith("#"))
        .filter(l -> BACKUP_SERIES.stream().anyMatch(n -> l.contains(" " + n + " ")))
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
