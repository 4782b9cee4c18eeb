package io.flotilla.sandbox.ocm.addon;

import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The wiring: started, the controllers take an add-on from a user's MCA to Available and back out on their own. */
class RunningControllersTest {
  @Test
  void startedControllersInstallAndRemoveAnAddOnWithoutBeingCalled() {
    try (OcmHub ocm = new OcmHub("mc-1")) {
      ocm.start();
      ocm.createAddOn("live", "live-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
      ocm.publish(OcmHub.template("live", "1.0.0", false));
      ocm.enable("mc-1", "live");

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(ocm.mca("mc-1", "live").condition(ManagedClusterAddOn.AVAILABLE)).get()
            .satisfies(c -> assertThat(c.getReason()).isEqualTo("ProbeAvailable"));
        assertThat(ocm.spoke("mc-1").client().secrets().inNamespace("live-agent").withName("live-hub-kubeconfig").get())
            .isNotNull();
      });

      ocm.client().resources(ManagedClusterAddOn.class).inNamespace("mc-1").withName("live").delete();

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(ocm.work("mc-1", "live")).isNull();
        assertThat(ocm.spoke("mc-1").client().apps().deployments().inNamespace("live-agent").withName("live-agent").get())
            .isNull();
      });
    }
  }
}
