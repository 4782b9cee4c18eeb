package io.flotilla.hub.addon;

import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase.Succeeded;
import static io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type.Upgrade;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.hub.HubManager;
import io.flotilla.hub.HubManagerConfig;
import io.flotilla.hub.cluster.ClusterRegistration;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The add-on controllers inside a running hub-manager: events, mappers and the finalizer, not called by hand. */
@EnableKubernetesMockClient(crud = true)
class AddOnControllersTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  KubernetesClient client;
  AddOnHub hub;

  /** An agent heartbeat that keeps the cluster Available for the whole test. */
  void heartbeat(String cluster) {
    client.leases().inNamespace(cluster).resource(new LeaseBuilder().withNewMetadata()
        .withName(ClusterRegistration.AGENT_LEASE).withNamespace(cluster).endMetadata()
        .withNewSpec().withHolderIdentity(cluster).withLeaseDurationSeconds(3600)
        .withRenewTime(ZonedDateTime.now(java.time.ZoneOffset.UTC))
        .endSpec().build()).create();
  }

  /** The clusters whose desired version is the target. */
  List<String> told(List<String> names) {
    return names.stream().filter(n -> hub.desired(n, "foo") != null).toList();
  }

  @Test
  void placesRollsOutWaveByWaveFollowsLabelsAndCleansUp() {
    hub = new AddOnHub(client);
    hub.release("foo", "1.0.0", "1.1.0");
    List<String> names = List.of("mc1", "mc2", "mc3");
    for (String n : names) {
      hub.cluster(n, false, "env", "prod");
      heartbeat(n);
    }
    hub.fleet("foo", "1.1.0", AddOnHub.progressive(1, 0), FailureStrategy.Pause, "env", "prod");

    HubManagerConfig config = HubManagerConfig.defaults().withLeaderElection(false).withExitOnLostLeadership(false);
    try (HubManager manager = new HubManager(client, config)) {
      manager.start();
      // placed everywhere; one cluster at a time (maxConcurrency 1). Which one goes first depends on what the
      // hub has seen of the clusters' availability at that moment, so the test follows the hub's choice.
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.addOns("foo")).hasSize(3);
        assertThat(told(names)).hasSize(1);
      });
      String first = told(names).get(0);

      // the agent reports success: the ManagedAddOn event alone moves the rollout on, to exactly one more cluster
      hub.agentReports(first, "foo", "1.1.0", Upgrade, Succeeded, "1.1.0");
      await().atMost(WAIT).untilAsserted(() -> assertThat(told(names)).hasSize(2));
      String waiting = names.stream().filter(n -> !told(names).contains(n)).findFirst().orElseThrow();
      await().atMost(WAIT).untilAsserted(() -> {
        FleetAddOn f = hub.fleet("foo");
        assertThat(f.getStatus()).isNotNull();
        assertThat(f.getStatus().succeeded).isEqualTo(1);
        assertThat(f.getStatus().progressing).isEqualTo(1);
      });

      // a cluster's labels change: it leaves the placement and its ManagedAddOn goes
      hub.relabel(waiting, "env", "dev");
      await().atMost(WAIT).untilAsserted(() -> assertThat(hub.addOn(waiting, "foo")).isNull());
      assertThat(told(names)).hasSize(2);

      // deleting the fleet uninstalls everywhere (its finalizer deletes the ManagedAddOns)
      assertThat(hub.fleet("foo").getMetadata().getFinalizers()).isNotEmpty();
      client.resources(FleetAddOn.class).withName("foo").delete();
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(hub.addOns("foo")).isEmpty();
        assertThat(hub.fleet("foo")).isNull();
      });
    }
  }

  @Test
  void aStandalonePinIsValidatedWhenItsReleaseAppears() {
    hub = new AddOnHub(client);
    ManagedAddOn m = new ManagedAddOn();
    m.getMetadata().setName("bar");
    m.getMetadata().setNamespace("mc9");
    m.getSpec().addOn = "bar";
    m.getSpec().version = "2.0.0";
    client.resource(m).create();
    HubManagerConfig config = HubManagerConfig.defaults().withLeaderElection(false).withExitOnLostLeadership(false);
    try (HubManager manager = new HubManager(client, config)) {
      manager.start();
      await().atMost(WAIT).untilAsserted(() -> {
        var s = hub.addOn("mc9", "bar").getStatus();
        assertThat(s.conditions).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo(ManagedAddOn.INVALID_VERSION);
          assertThat(c.getMessage()).isEqualTo("no release 2.0.0 of add-on bar; available: none published");
        });
        assertThat(s.desiredVersion).isNull();
      });
      hub.release("bar", "2.0.0");
      await().atMost(WAIT).untilAsserted(() -> assertThat(hub.desired("mc9", "bar")).isEqualTo("2.0.0"));
    }
  }
}
