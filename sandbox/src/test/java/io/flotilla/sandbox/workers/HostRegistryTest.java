package io.flotilla.sandbox.workers;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class HostRegistryTest {
  private static final String CD = HostRegistry.clusterDeploymentKey("clusters-hc-1", "hc-1-abcde");

  @Test
  void rackedHostsStartInDiscoveryAndAreInstalledOnce() {
    HostRegistry registry = new HostRegistry();
    Host host = registry.rack("worker-a");
    assertThat(host.isBound()).isFalse();
    Host bound = registry.observeBound(host.uuid(), null, "worker-a", CD, "mc-1");
    assertThat(bound.isBoundTo(CD)).isTrue();
    assertThat(bound.provisions()).isEqualTo(1);
    assertThat(bound.serialNumber()).isEqualTo(host.serialNumber());
  }

  @Test
  void theSameBindingSeenOnAnotherManagementClusterReAttachesWithoutTouchingTheHost() {
    HostRegistry registry = new HostRegistry();
    Host host = registry.rack("worker-a");
    registry.observeBound(host.uuid(), null, "worker-a", CD, "mc-1");
    Host readopted = registry.observeBound(host.uuid(), null, "worker-a", CD, "mc-2");
    assertThat(readopted.agentsOn()).isEqualTo(Set.of("mc-1", "mc-2"));
    assertThat(readopted.provisions()).isEqualTo(1);
    assertThat(readopted.deprovisions()).isZero();
  }

  @Test
  void unbindingDeprovisionsOnceAndSkipSpokeCleanupKeepsTheNode() {
    HostRegistry registry = new HostRegistry();
    Host a = registry.rack("worker-a");
    Host b = registry.rack("worker-b");
    registry.observeBound(a.uuid(), null, "worker-a", CD, "mc-1");
    registry.observeBound(b.uuid(), null, "worker-b", CD, "mc-1");
    assertThat(registry.deprovision(a.uuid(), CD, false)).isTrue();
    assertThat(registry.deprovision(a.uuid(), CD, false)).isFalse(); // already in discovery
    assertThat(registry.deprovision(b.uuid(), CD, true)).isTrue();
    assertThat(registry.find(a.uuid()).orElseThrow().spokeCleanups()).isEqualTo(1);
    assertThat(registry.find(b.uuid()).orElseThrow().spokeCleanups()).isZero();
    assertThat(registry.totalDeprovisions()).isEqualTo(2);
    assertThat(registry.boundTo(CD)).isEmpty();
  }

  @Test
  void bindingAnInstalledHostToAnotherClusterWipesItFirst() {
    HostRegistry registry = new HostRegistry();
    Host a = registry.rack("worker-a");
    registry.observeBound(a.uuid(), null, "worker-a", CD, "mc-1");
    Host moved = registry.observeBound(a.uuid(), null, "worker-a", "clusters-hc-2/hc-2-xyz", "mc-1");
    assertThat(moved.deprovisions()).isEqualTo(1);
    assertThat(moved.provisions()).isEqualTo(2);
  }

  @Test
  void anUnboundAgentObjectOrItsRemovalDoesNotTouchTheHost() {
    HostRegistry registry = new HostRegistry();
    Host a = registry.rack("worker-a");
    registry.observeBound(a.uuid(), null, "worker-a", CD, "mc-1");
    registry.observeUnbound(a.uuid(), null, "worker-a", "mc-2");
    registry.agentRemoved(a.uuid(), "mc-1");
    Host now = registry.find(a.uuid()).orElseThrow();
    assertThat(now.isBoundTo(CD)).isTrue();
    assertThat(now.deprovisions()).isZero();
    assertThat(now.agentsOn()).containsExactly("mc-2");
  }
}
