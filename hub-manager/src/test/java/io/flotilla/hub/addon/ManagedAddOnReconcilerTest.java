package io.flotilla.hub.addon;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A ManagedAddOn no fleet runs: its pin is its desired version when released, and reported when not. */
@EnableKubernetesMockClient(crud = true)
class ManagedAddOnReconcilerTest {
  KubernetesClient client;
  AddOnHub hub;
  ManagedAddOnReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new AddOnHub(client);
    hub.release("bar", "1.0.0", "1.1.0");
    reconciler = new ManagedAddOnReconciler(client, hub.clock);
  }

  ManagedAddOn standalone(String cluster, String pin) {
    ManagedAddOn m = new ManagedAddOn();
    m.getMetadata().setName("bar");
    m.getMetadata().setNamespace(cluster);
    m.getSpec().addOn = "bar";
    m.getSpec().version = pin;
    return client.resource(m).create();
  }

  boolean reconcile(String cluster) {
    return reconciler.reconcile(hub.addOn(cluster, "bar"), HubObjects.fromApi(client));
  }

  @Test
  void aReleasedPinBecomesTheDesiredVersion() {
    standalone("mc1", "1.1.0");
    assertThat(reconcile("mc1")).isTrue();
    assertThat(hub.desired("mc1", "bar")).isEqualTo("1.1.0");
    assertThat(reconcile("mc1")).as("idempotent").isFalse();
  }

  @Test
  void aPinWithoutReleaseIsReportedAndNotApplied() {
    standalone("mc1", "1.0.0");
    reconcile("mc1");
    hub.pin("mc1", "bar", "1.9.0");
    reconcile("mc1");
    ManagedAddOn m = hub.addOn("mc1", "bar");
    assertThat(m.getStatus().desiredVersion).as("unchanged").isEqualTo("1.0.0");
    Condition c = Conditions.find(m.getStatus().conditions, ManagedAddOn.INVALID_VERSION).orElseThrow();
    assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(c.getReason()).isEqualTo("InvalidVersion");
    assertThat(c.getMessage()).isEqualTo("no release 1.9.0 of add-on bar; available: 1.0.0, 1.1.0");
    assertThat(c.getObservedGeneration()).isEqualTo(m.getMetadata().getGeneration());

    hub.release("bar", "1.9.0"); // published later: the pin becomes valid
    reconcile("mc1");
    m = hub.addOn("mc1", "bar");
    assertThat(m.getStatus().desiredVersion).isEqualTo("1.9.0");
    assertThat(Conditions.find(m.getStatus().conditions, ManagedAddOn.INVALID_VERSION).orElseThrow().getStatus())
        .isEqualTo(Conditions.FALSE);
  }

  @Test
  void aManagedAddOnOfAnExistingFleetIsLeftToTheFleet() {
    hub.cluster("mc1", true);
    hub.fleet("bar", "1.0.0", new RolloutStrategy(), FailureStrategy.Pause);
    new FleetAddOnReconciler(client, hub.clock, java.time.Duration.ofMinutes(5))
        .reconcile(hub.fleet("bar"), HubObjects.fromApi(client));
    hub.pin("mc1", "bar", "1.9.0");
    assertThat(reconcile("mc1")).isFalse();
    assertThat(hub.addOn("mc1", "bar").getStatus().conditions).extracting(Condition::getType)
        .doesNotContain(ManagedAddOn.INVALID_VERSION);

    client.resources(io.flotilla.api.addon.v1alpha1.FleetAddOn.class).withName("bar").delete();
    assertThat(reconcile("mc1")).as("its fleet is gone: handled as standalone").isTrue();
  }
}
