package io.flotilla.hub.metrics;

import io.flotilla.testing.Scrape;

import static io.flotilla.hub.metrics.FleetFixtures.backup;
import static io.flotilla.hub.metrics.FleetFixtures.completed;
import static io.flotilla.hub.metrics.FleetFixtures.fleet;
import static io.flotilla.hub.metrics.FleetFixtures.hc;
import static io.flotilla.hub.metrics.FleetFixtures.policy;
import static io.flotilla.hub.metrics.FleetFixtures.rpo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** hub-manager's /metrics over real HTTP, reading a CRUD mock hub through informers. */
@EnableKubernetesMockClient(crud = true)
class HubMetricsEndpointTest {
  KubernetesClient client;
  HubMetrics metrics;

  @BeforeEach
  void crds() throws Exception {
    for (String crd : new String[] {"hostedclusterbackups.dr.flotilla.io", "backuppolicies.dr.flotilla.io",
        "fleetaddons.addon.flotilla.io", "managedaddons.addon.flotilla.io"}) {
      try (InputStream in = getClass().getResourceAsStream("/META-INF/fabric8/" + crd + "-v1.yml")) {
        client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
      }
    }
  }

  @AfterEach
  void stop() {
    if (metrics != null) {
      metrics.close();
    }
  }

  /** Creates the object, then writes its status through the status subresource, as controllers do. */
  <T extends CustomResource<?, ?>> void put(T object) {
    Object status = object.getStatus();
    T created = client.resource(object).create();
    @SuppressWarnings("unchecked")
    CustomResource<Object, Object> c = (CustomResource<Object, Object>) created;
    c.setStatus(status);
    client.resource(created).updateStatus();
  }

  @Test
  void aScrapeShowsTheFleetAsTheHubHasItAndFollowsChanges() throws Exception {
    put(completed("mc1", "hc1", "b1", "2026-01-01T02:00:00Z", "2026-01-01T02:02:00Z", 4096, "2.250s"));
    put(backup("mc1", "hc1", "b2", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:00:10Z"));
    put(policy("hourly", 1, 0, "1h10m", rpo("mc1", "hc1", false)));
    put(fleet("foo", 2, 1, 1, 0, 0, 0));

    metrics = HubMetrics.serve(client, new InetSocketAddress("127.0.0.1", 0));
    int port = metrics.getPort();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Scrape s = Scrape.get(port);
      assertThat(s.value("flotilla_backup_last_success_timestamp_seconds", hc("mc1", "hc1")))
          .hasValue((double) Instant.parse("2026-01-01T02:02:00Z").getEpochSecond());
      assertThat(s.value("flotilla_backup_last_duration_seconds", hc("mc1", "hc1"))).hasValue(120.0);
      assertThat(s.value("flotilla_backup_last_stored_bytes", hc("mc1", "hc1"))).hasValue(4096.0);
      assertThat(s.value("flotilla_backup_last_pause_window_seconds", hc("mc1", "hc1"))).hasValue(2.25);
      assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc1"))).hasValue(1.0);
      assertThat(s.value("flotilla_backup_consecutive_failures", hc("mc1", "hc1"))).hasValue(1.0);
      assertThat(s.value("flotilla_backup_policy_compliant_hosted_clusters", Map.of("policy", "hourly")))
          .hasValue(0.0);
      assertThat(s.value("flotilla_backup_rpo_compliant", hc("mc1", "hc1"))).hasValue(0.0);
      assertThat(s.value("flotilla_addon_clusters", Map.of("addon", "foo", "state", "InProgress"))).hasValue(1.0);
    });

    // a new success on another cluster and the failed record deleted
    put(completed("mc2", "hc9", "b3", "2026-01-01T04:00:00Z", "2026-01-01T04:00:30Z", 10, "1s"));
    client.resources(HostedClusterBackup.class).inNamespace("mc1").withName("b2").delete();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Scrape s = Scrape.get(port);
      assertThat(s.value("flotilla_backup_last_duration_seconds", hc("mc2", "hc9"))).hasValue(30.0);
      assertThat(s.value("flotilla_backup_consecutive_failures", hc("mc1", "hc1"))).hasValue(0.0);
      assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc1"))).as("a counter").hasValue(1.0);
    });
  }
}
