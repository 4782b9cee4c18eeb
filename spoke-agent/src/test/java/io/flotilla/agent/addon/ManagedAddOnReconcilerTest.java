package io.flotilla.agent.addon;

import io.flotilla.testing.MockApiServers;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.agent.AgentOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's add-on reconciler against two CRUD mock API servers (hub and management cluster), with the releases
 * from addon-templates/. Nothing drives Deployment status on these mocks, so the test plays the deployment
 * controller: it marks a Deployment rolled out, or leaves it unavailable. Most tests run it on the agent's operator
 * (its workload event sources on the management cluster, the resync, delete events); the ones that do not depend on
 * time passing call it directly.
 */
class ManagedAddOnReconcilerTest {
  static final String CLUSTER = "mc1";
  static final String ADDON = "metrics-forwarder";
  static final String NS = "flotilla-metrics-forwarder";
  static final Duration WAIT = Duration.ofSeconds(20);

  KubernetesMockServer hubServer;
  KubernetesMockServer localServer;
  KubernetesClient hub;
  KubernetesClient local;
  ManagedAddOnReconciler reconciler;
  AgentOperator operator;

  @BeforeEach
  void start() throws Exception {
    hubServer = MockApiServers.startCrud();
    localServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    local = localServer.createClient();
    MockApiServers.applyCrd(hub, "managedaddons.addon.flotilla.io");
    MockApiServers.applyCrd(hub, "addonreleases.addon.flotilla.io");
    for (AddOnRelease release : ReleaseTemplates.load(Path.of("../addon-templates"))) {
      if (release.getSpec().addOn.equals(ADDON)) {
        release.getSpec().progressDeadline = "3s"; // the failing 1.2.0 must fail within the test
        hub.resource(release).create();
      }
    }
    reconciler = new ManagedAddOnReconciler(hub, local, CLUSTER, Duration.ofSeconds(1), Duration.ofMillis(200),
        Clock.systemUTC());
  }

  void startOperator() {
    operator = new AgentOperator(hub, CLUSTER).register(reconciler, ManagedAddOnReconciler.NAME, null,
        reconciler.resync(), true);
    operator.start();
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
    hub.close();
    local.close();
    hubServer.destroy();
    localServer.destroy();
  }


  // ---- the hub's side, as hub-manager does it: it writes only desiredVersion (and InvalidVersion)

  void createManagedAddOn(Map<String, String> variables) {
    ManagedAddOn mao = new ManagedAddOn();
    mao.getMetadata().setName(ADDON);
    mao.getMetadata().setNamespace(CLUSTER);
    mao.getSpec().addOn = ADDON;
    mao.getSpec().variables = variables;
    hub.resource(mao).create();
  }

  void hubWritesStatus(Consumer<ManagedAddOnStatus> change) {
    await().atMost(WAIT).ignoreException(KubernetesClientException.class).until(() -> {
      ManagedAddOn mao = mao();
      if (mao.getStatus() == null) {
        mao.setStatus(new ManagedAddOnStatus());
      }
      change.accept(mao.getStatus());
      hub.resource(mao).updateStatus(); // 409 when the agent wrote in between: read again and retry
      return true;
    });
  }

  void desire(String version) {
    hubWritesStatus(s -> s.desiredVersion = version);
  }

  ManagedAddOn mao() {
    return hub.resources(ManagedAddOn.class).inNamespace(CLUSTER).withName(ADDON).get();
  }

  Operation operation() {
    ManagedAddOn mao = mao();
    return mao == null || mao.getStatus() == null ? null : mao.getStatus().operation;
  }

  // ---- the management cluster's deployment controller, played by the test

  Deployment deployment() {
    return local.apps().deployments().inNamespace(NS).withName(ADDON).get();
  }

  void rollOut() {
    await().atMost(WAIT).ignoreException(KubernetesClientException.class).untilAsserted(() -> {
      Deployment d = deployment();
      assertThat(d).isNotNull();
      int n = d.getSpec().getReplicas();
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
          .withReplicas(n).withUpdatedReplicas(n).withReadyReplicas(n).withAvailableReplicas(n)
          .addToConditions(new DeploymentConditionBuilder().withType("Available").withStatus("True")
              .withReason("MinimumReplicasAvailable").build())
          .build());
      local.resource(d).updateStatus();
    });
  }

  void awaitPhase(String version, Phase phase) {
    await().atMost(WAIT).untilAsserted(() -> {
      Operation op = operation();
      assertThat(op).isNotNull();
      assertThat(op.toVersion + " " + op.phase).isEqualTo(version + " " + phase);
    });
  }

  ConfigMap configMap(String name) {
    return local.configMaps().inNamespace(NS).withName(name).get();
  }

  @Test
  void installUpgradePruneFailRollbackAndUninstall() {
    startOperator();
    createManagedAddOn(null);
    // the agent adds its finalizer, and does nothing until the hub decides
    await().atMost(WAIT).untilAsserted(() -> assertThat(mao().getMetadata().getFinalizers())
        .contains(ManagedAddOnReconciler.FINALIZER));
    assertThat(operation()).isNull();

    // Install 1.0.0: in progress until the Deployment is rolled out
    desire("1.0.0");
    awaitPhase("1.0.0", Phase.InProgress);
    assertThat(operation().type).isEqualTo(Type.Install);
    assertThat(Time.parse(operation().startedAt)).isNotNull();
    // the operation is recorded as started before anything is applied
    await().atMost(WAIT).untilAsserted(() -> assertThat(deployment()).isNotNull());
    Deployment d = deployment();
    assertThat(d.getMetadata().getLabels()).containsEntry(ManifestApplier.NAME_LABEL, ADDON);
    assertThat(d.getMetadata().getAnnotations()).containsEntry(ManifestApplier.VERSION_ANNOTATION, "1.0.0");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).endsWith(":0.98.0");
    assertThat(configMap("metrics-forwarder-config").getData().get("config.yaml"))
        .contains("value: " + CLUSTER).contains("endpoint: https://metrics.fleet.example.com/api/v1/write");
    assertThat(configMap("metrics-forwarder-relabel")).isNotNull();
    assertThat(local.namespaces().withName(NS).get().getMetadata().getLabels()).containsEntry(ManifestApplier.NAME_LABEL, ADDON);
    rollOut();
    awaitPhase("1.0.0", Phase.Succeeded);
    ManagedAddOnStatus s = mao().getStatus();
    assertThat(s.currentVersion).isEqualTo("1.0.0");
    assertThat(s.lastKnownGoodVersion).isEqualTo("1.0.0");
    assertThat(Time.parse(s.operation.completedAt)).isAfterOrEqualTo(Time.parse(s.operation.startedAt));
    assertThat(Conditions.isTrue(s.conditions, ManagedAddOn.AVAILABLE)).isTrue();

    // The hub's own condition survives every agent write from here on.
    hubWritesStatus(st -> Conditions.set(st.conditions, ManagedAddOn.INVALID_VERSION, Conditions.FALSE,
        "VersionExists", "metrics-forwarder has releases 1.0.0, 1.1.0, 1.2.0", null, Instant.now()));

    // Upgrade to 1.1.0: the Deployment changes generation; the relabel ConfigMap 1.1.0 no longer has is pruned
    long generation = deployment().getMetadata().getGeneration();
    desire("1.1.0");
    awaitPhase("1.1.0", Phase.InProgress);
    assertThat(operation().type).isEqualTo(Type.Upgrade);
    assertThat(operation().fromVersion).isEqualTo("1.0.0");
    await().atMost(WAIT).untilAsserted(() -> assertThat(configMap("metrics-forwarder-relabel")).isNull());
    assertThat(deployment().getMetadata().getGeneration()).isGreaterThan(generation);
    // still in progress: the status the deployment controller reported was for the old generation
    assertThat(operation().phase).isEqualTo(Phase.InProgress);
    rollOut();
    awaitPhase("1.1.0", Phase.Succeeded);
    s = mao().getStatus();
    assertThat(s.previousVersion).isEqualTo("1.0.0");
    assertThat(s.history).extracting(o -> o.type + " " + o.toVersion + " " + o.phase)
        .containsExactly("Install 1.0.0 Succeeded");

    // 1.2.0 never becomes available: Failed once its progress deadline (3 s) has passed, naming the workload
    desire("1.2.0");
    awaitPhase("1.2.0", Phase.Failed);
    s = mao().getStatus();
    assertThat(Duration.between(Time.parse(s.operation.startedAt), Time.parse(s.operation.completedAt)))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(s.operation.message).startsWith("Upgrade 1.1.0 → 1.2.0 failed: not healthy within the progress deadline of 3s: "
        + "Deployment " + NS + "/" + ADDON + ":");
    assertThat(s.lastKnownGoodVersion).isEqualTo("1.1.0");
    assertThat(Conditions.find(s.conditions, ManagedAddOn.DEGRADED).orElseThrow().getReason())
        .isEqualTo(AddOnLifecycle.REASON_OPERATION_FAILED);

    // The hub rolls back to the last good version: recorded as a Rollback
    desire("1.1.0");
    awaitPhase("1.1.0", Phase.InProgress);
    assertThat(operation().type).isEqualTo(Type.Rollback);
    assertThat(operation().fromVersion).isEqualTo("1.2.0");
    rollOut();
    awaitPhase("1.1.0", Phase.Succeeded);
    s = mao().getStatus();
    assertThat(s.currentVersion).isEqualTo("1.1.0");
    assertThat(s.previousVersion).isEqualTo("1.2.0");
    assertThat(s.history).extracting(o -> o.type + " " + o.toVersion + " " + o.phase)
        .containsExactly("Upgrade 1.2.0 Failed", "Upgrade 1.1.0 Succeeded", "Install 1.0.0 Succeeded");
    assertThat(Conditions.find(s.conditions, ManagedAddOn.INVALID_VERSION).orElseThrow().getReason())
        .isEqualTo("VersionExists");
    assertThat(s.desiredVersion).isEqualTo("1.1.0");

    // Uninstall: the hub deletes the ManagedAddOn; the agent deletes everything it applied, then lets it go
    hub.resource(mao()).delete();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(mao()).isNull();
      assertThat(applied()).isEmpty();
    });
  }

  List<HasMetadata> applied() {
    return new ManifestApplier(local).labelled(ADDON, java.util.Set.of());
  }

  @Test
  void aDesiredVersionWithoutAReleaseAppliesNothingAndSaysWhy() {
    startOperator();
    createManagedAddOn(Map.of("namespace", "mf-custom"));
    desire("1.0.0");
    awaitPhase("1.0.0", Phase.InProgress);
    // per-cluster variables win over the release's defaults
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(local.apps().deployments().inNamespace("mf-custom").withName(ADDON).get()).isNotNull());
    List<String> before = applied().stream().map(o -> o.getMetadata().getResourceVersion()).toList();

    desire("9.9.9");
    await().atMost(WAIT).untilAsserted(() -> assertThat(Conditions.find(mao().getStatus().conditions,
        ManagedAddOn.DEGRADED)).get().satisfies(c -> {
          assertThat(c.getReason()).isEqualTo(AddOnLifecycle.REASON_RELEASE_NOT_FOUND);
          assertThat(c.getMessage()).isEqualTo(
              "AddOnRelease metrics-forwarder-9.9.9 does not exist on the hub; nothing was applied");
        }));
    assertThat(operation().toVersion).isEqualTo("1.0.0");
    assertThat(applied().stream().map(o -> o.getMetadata().getResourceVersion()).toList()).isEqualTo(before);
  }

  @Test
  void anObjectTheAddOnDoesNotOwnIsNeverTakenOver() {
    local.resource(new ConfigMapBuilder().withNewMetadata().withName("metrics-forwarder-config").withNamespace(NS)
        .endMetadata().addToData("owner", "someone else").build()).create();
    createManagedAddOn(null);
    reconciler.reconcile(ADDON); // the finalizer first, nothing else until the hub decides
    assertThat(mao().getMetadata().getFinalizers()).contains(ManagedAddOnReconciler.FINALIZER);
    assertThat(operation()).isNull();
    desire("1.0.0");
    reconciler.reconcile(ADDON);
    assertThat(operation().toVersion + " " + operation().phase).isEqualTo("1.0.0 " + Phase.Failed);
    assertThat(operation().message).isEqualTo("Install 1.0.0 failed: ConfigMap " + NS + "/metrics-forwarder-config"
        + " already exists and is not managed by add-on metrics-forwarder (addon.flotilla.io/name is not set);"
        + " refusing to take it over");
    assertThat(configMap("metrics-forwarder-config").getData()).containsEntry("owner", "someone else");
    // and uninstalling leaves it alone
    hub.resource(mao()).delete();
    reconciler.reconcile(ADDON);
    assertThat(mao()).isNull();
    assertThat(configMap("metrics-forwarder-config")).isNotNull();
  }

  @Test
  void withoutPermissionToAddTheFinalizerTheAgentUninstallsOnTheDeleteEvent() {
    startOperator();
    // RBAC as it stands: the agent may read ManagedAddOns and write their status, not update them
    hubServer.expect().put().withPath("/apis/addon.flotilla.io/v1alpha1/namespaces/" + CLUSTER + "/managedaddons/" + ADDON)
        .andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(403).withReason("Forbidden")
            .withMessage("managedaddons is forbidden").build())
        .always();
    createManagedAddOn(null);
    desire("1.0.0");
    awaitPhase("1.0.0", Phase.InProgress);
    rollOut();
    awaitPhase("1.0.0", Phase.Succeeded);
    assertThat(mao().getMetadata().getFinalizers()).isNullOrEmpty();
    assertThat(applied()).isNotEmpty();

    hub.resource(mao()).delete();
    await().atMost(WAIT).untilAsserted(() -> assertThat(applied()).isEmpty());
  }
}
