package io.flotilla.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class LeaderLeaseTest {
  static final String NS = "flotilla-system";

  KubernetesClient client;

  Lease held(String holder) {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    return client.resource(new LeaseBuilder().withNewMetadata().withName(HubManager.LEADER_LEASE).withNamespace(NS)
        .endMetadata().withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15).withAcquireTime(now)
        .withRenewTime(now).withLeaseTransitions(3).endSpec().build()).create();
  }

  Lease lease() { return client.leases().inNamespace(NS).withName(HubManager.LEADER_LEASE).get(); }

  @Test
  void theHolderLeavesALeaseAnyoneCanTakeNow() {
    held("hub-a");
    assertThat(LeaderLease.release(client, NS, HubManager.LEADER_LEASE, "hub-a"))
        .isEqualTo(LeaderLease.Release.RELEASED);
    var spec = lease().getSpec();
    assertThat(spec.getHolderIdentity()).isNull();
    assertThat(spec.getLeaseDurationSeconds()).isEqualTo(1);
    assertThat(spec.getLeaseTransitions()).as("a release is no transition").isEqualTo(3);
  }

  @Test
  void anotherHoldersLeaseIsLeftAlone() {
    String before = held("hub-b").getMetadata().getResourceVersion();
    assertThat(LeaderLease.release(client, NS, HubManager.LEADER_LEASE, "hub-a"))
        .isEqualTo(LeaderLease.Release.NOT_HELD);
    assertThat(lease().getMetadata().getResourceVersion()).isEqualTo(before);
    assertThat(LeaderLease.release(client, NS, "no-such-lease", "hub-a")).isEqualTo(LeaderLease.Release.NOT_HELD);
  }

  @Test
  void aLeaseTakenSinceItWasReadIsNotOverwritten() {
    Lease read = held("hub-a");
    Lease taken = client.getKubernetesSerialization().clone(read);
    taken.getSpec().setHolderIdentity("hub-b");
    client.resource(taken).update();
    assertThat(LeaderLease.release(client, read, "hub-a")).isEqualTo(LeaderLease.Release.CHANGED_MEANWHILE);
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("hub-b");
  }
}
