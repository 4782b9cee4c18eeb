package io.flotilla.agent.restore;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.backup.BackupFailure;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import io.flotilla.common.Conditions;
import io.flotilla.testing.MockApiServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's HostedClusterRestore reconciler called directly against CRUD mocks, its work run inline. */
class HostedClusterRestoreReconcilerTest {
  static final String CLUSTER = "mc2";

  KubernetesMockServer hubServer;
  KubernetesMockServer spokeServer;
  KubernetesClient hub;
  KubernetesClient spoke;
  HostedClusterRestoreReconciler reconciler;

  @BeforeEach
  void setUp() {
    hubServer = MockApiServers.startCrud();
    spokeServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    spoke = spokeServer.createClient();
    MockApiServers.applyCrds(hub, "hostedclusterrestores.dr.flotilla.io", "backupstores.dr.flotilla.io");
    hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(CLUSTER).endMetadata().build()).create();
    AgentConfig config = new AgentConfig(CLUSTER, Duration.ofSeconds(60), "test"); // no relay configured
    reconciler = new HostedClusterRestoreReconciler(hub, spoke, config, StoreConnector.AWS_SDK,
        RecordWork.inline("restore", config.work()));
  }

  @AfterEach
  void tearDown() {
    reconciler.close();
    hub.close();
    spoke.close();
    hubServer.destroy();
    spokeServer.destroy();
  }

  private HostedClusterRestore create(Phase phase) {
    HostedClusterRestore r = new HostedClusterRestore();
    r.getMetadata().setNamespace(CLUSTER);
    r.getMetadata().setName("r1");
    r.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    r.getSpec().latest = true;
    r.getSpec().store = "default";
    hub.resource(r).create();
    if (phase != null) {
      HostedClusterRestoreStatus s = new HostedClusterRestoreStatus();
      s.phase = phase;
      hub.resources(HostedClusterRestore.class).inNamespace(CLUSTER).withName("r1").subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("status", s)));
    }
    return current();
  }

  private HostedClusterRestore current() {
    return hub.resources(HostedClusterRestore.class).inNamespace(CLUSTER).withName("r1").get();
  }

  private String reason(HostedClusterRestore r) {
    return Conditions.find(r.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow().getReason();
  }

  @Test
  void aRestoreLeftRunningByAnEarlierAgentProcessIsFailedForTheHubToActOn() {
    reconciler.reconcile(create(Phase.InProgress), null);
    HostedClusterRestore r = current();
    assertThat(r.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(reason(r)).isEqualTo(BackupFailure.AGENT_RESTARTED);
    // an ended restore is left alone
    String version = r.getMetadata().getResourceVersion();
    reconciler.reconcile(r, null);
    assertThat(current().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aNewRestoreOnAnAgentWithoutARelayFailsBeforeCreatingAnything() {
    reconciler.reconcile(create(null), null);
    HostedClusterRestore r = current();
    assertThat(r.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(reason(r)).isEqualTo("RelayNotConfigured");
    assertThat(spoke.namespaces().list().getItems()).as("nothing created on the cluster").isEmpty();
  }

  @Test
  void aPausedRestoreWaitsAcrossAgentRestartsAndIsTakenUpOnlyWhenAskedToResume() {
    HostedClusterRestore paused = create(Phase.Paused);
    reconciler.reconcile(paused, null);
    String version = current().getMetadata().getResourceVersion();
    assertThat(current().getStatus().phase).as("not failed like an interrupted restore").isEqualTo(Phase.Paused);
    assertThat(current().getMetadata().getResourceVersion()).isEqualTo(version);

    hub.resources(HostedClusterRestore.class).inNamespace(CLUSTER).withName("r1").edit(r -> {
      r.getMetadata().setAnnotations(Map.of(HostedClusterRestore.RESUME_ANNOTATION, "operator, source fenced"));
      return r;
    });
    reconciler.reconcile(current(), null);
    HostedClusterRestore r = current();
    // taken up: this fixture's record names no source backup, so the resume fails at once, saying why, and changes
    // nothing on the cluster
    assertThat(r.getStatus().phase).isEqualTo(Phase.Failed);
    assertThat(reason(r)).isEqualTo(BackupFailure.INVALID_SPEC);
    assertThat(r.getStatus().resumedAt).isNotNull();
    assertThat(spoke.namespaces().list().getItems()).isEmpty();
  }
}
