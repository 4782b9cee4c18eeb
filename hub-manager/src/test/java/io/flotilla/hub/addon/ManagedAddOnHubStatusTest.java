package io.flotilla.hub.addon;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.validation.AddOnValidation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hub and the agent share a ManagedAddOn's status; a hub write must never erase what the agent wrote. */
@EnableKubernetesMockClient(crud = true)
class ManagedAddOnHubStatusTest {
  KubernetesClient client;
  AddOnHub hub;

  @BeforeEach
  void setUp() {
    hub = new AddOnHub(client);
    ManagedAddOn m = new ManagedAddOn();
    m.getMetadata().setName("foo");
    m.getMetadata().setNamespace("mc1");
    m.getSpec().addOn = "foo";
    client.resource(m).create();
  }

  void assertAgentFieldsIntact(ManagedAddOn m) {
    ManagedAddOnStatus s = m.getStatus();
    assertThat(s.currentVersion).isEqualTo("1.0.0");
    assertThat(s.lastKnownGoodVersion).isEqualTo("1.0.0");
    assertThat(s.operation.type).isEqualTo(ManagedAddOnStatus.Type.Upgrade);
    assertThat(s.operation.phase).isEqualTo(ManagedAddOnStatus.Phase.InProgress);
    assertThat(s.operation.toVersion).isEqualTo("1.1.0");
    assertThat(s.operation.startedAt).isNotNull();
    assertThat(s.history).extracting(o -> o.toVersion).containsExactly("1.0.0");
    assertThat(Conditions.find(s.conditions, ManagedAddOn.AVAILABLE)).get().extracting(Condition::getReason)
        .isEqualTo("Agent");
  }

  /** The agent's view before the hub's write: installed 1.0.0, now upgrading to 1.1.0. */
  void agentWrites() {
    hub.agentInstalled("mc1", "foo", "1.0.0");
    hub.agentReports("mc1", "foo", "1.0.0", ManagedAddOnStatus.Type.Upgrade, ManagedAddOnStatus.Phase.InProgress,
        "1.1.0");
  }

  @Test
  void aWriteFromAStaleCopyKeepsTheAgentsFields() {
    ManagedAddOn stale = hub.addOn("mc1", "foo"); // what a lagging informer cache holds: no status at all
    agentWrites();
    var writer = new ManagedAddOnHubStatus(client, hub.clock);
    assertThat(ManagedAddOnHubStatus.needsWrite(stale, "1.1.0", Optional.empty())).isTrue();
    assertThat(writer.write("mc1", "foo", "1.1.0",
        Optional.of(new AddOnValidation.Problem("InvalidVersion", "no release 9.9.9 of add-on foo")))).isTrue();

    ManagedAddOn after = hub.addOn("mc1", "foo");
    assertThat(after.getStatus().desiredVersion).isEqualTo("1.1.0");
    assertThat(Conditions.find(after.getStatus().conditions, ManagedAddOn.INVALID_VERSION)).get()
        .extracting(Condition::getMessage).isEqualTo("no release 9.9.9 of add-on foo");
    assertAgentFieldsIntact(after);
  }

  @Test
  void anAgentWriteBetweenReadAndWriteIsRetriedNotLost() {
    agentWrites();
    List<Integer> attempts = new ArrayList<>();
    var writer = new ManagedAddOnHubStatus(client, hub.clock, (read, attempt) -> {
      attempts.add(attempt);
      if (attempt == 1) {
        // the agent completes its operation after the hub read: the hub's PUT carries a stale resourceVersion
        hub.agentReports("mc1", "foo", "1.0.0", ManagedAddOnStatus.Type.Upgrade, ManagedAddOnStatus.Phase.InProgress,
            "1.1.0");
        var m = hub.addOn("mc1", "foo");
        m.getStatus().previousVersion = "0.9.0";
        client.resource(m).updateStatus();
      }
    });
    assertThat(writer.write("mc1", "foo", "1.1.0", Optional.empty())).isTrue();
    assertThat(attempts).as("the first PUT got 409 and was redone on the newer object").containsExactly(1, 2);
    ManagedAddOn after = hub.addOn("mc1", "foo");
    assertThat(after.getStatus().desiredVersion).isEqualTo("1.1.0");
    assertThat(after.getStatus().previousVersion).as("written by the agent during the race").isEqualTo("0.9.0");
    assertAgentFieldsIntact(after);
  }

  @Test
  void nothingToChangeWritesNothing() {
    agentWrites();
    var writer = new ManagedAddOnHubStatus(client, hub.clock);
    writer.write("mc1", "foo", "1.1.0", Optional.empty());
    String rv = hub.addOn("mc1", "foo").getMetadata().getResourceVersion();
    assertThat(writer.write("mc1", "foo", "1.1.0", Optional.empty())).isFalse();
    assertThat(writer.write("mc1", "foo", null, Optional.empty())).as("null leaves desired alone").isFalse();
    assertThat(hub.addOn("mc1", "foo").getMetadata().getResourceVersion()).isEqualTo(rv);
    assertThat(hub.addOn("mc1", "foo").getStatus().conditions).extracting(Condition::getType)
        .as("no InvalidVersion condition for a ManagedAddOn that never had a bad pin")
        .doesNotContain(ManagedAddOn.INVALID_VERSION);
  }

  @Test
  void aGoneManagedAddOnIsNotRecreated() {
    client.resources(ManagedAddOn.class).inNamespace("mc1").withName("foo").delete();
    assertThat(new ManagedAddOnHubStatus(client, hub.clock).write("mc1", "foo", "1.1.0", Optional.empty())).isFalse();
    assertThat(hub.addOn("mc1", "foo")).isNull();
  }
}
