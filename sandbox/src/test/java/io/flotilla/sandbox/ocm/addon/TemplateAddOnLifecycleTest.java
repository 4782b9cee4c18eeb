package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A template add-on with install strategy Manual, end to end over the sandbox's API servers: a user's
 * ManagedClusterAddOn, the addon-manager's ManifestWork, the work agent applying it, the workload simulator rolling the
 * Deployment out, and the registration's RoleBinding and hub kubeconfig. The controllers run by direct calls
 * ({@link OcmHub#pass()}); only the workload simulator runs by itself, so the waits are for its rollout.
 */
class TemplateAddOnLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static OcmHub ocm;

  @BeforeAll
  static void start() { ocm = new OcmHub("mc-1"); }

  @AfterAll
  static void stop() {
    if (ocm != null) {
      ocm.close();
    }
  }

  static Optional<Condition> condition(ManagedClusterAddOn mca, String type) {
    return mca == null ? Optional.empty() : mca.condition(type);
  }

  static String statusOf(ManagedClusterAddOn mca, String type) {
    return condition(mca, type).map(c -> c.getStatus() + "/" + c.getReason()).orElse("none");
  }

  static KubernetesClient spoke() { return ocm.spoke("mc-1").client(); }

  static String secretValue(Secret s, String key) {
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  /** Passes until the add-on is Available=True, the simulator having rolled the Deployment out meanwhile. */
  static ManagedClusterAddOn untilAvailable(String addon) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      ocm.pass();
      assertThat(statusOf(ocm.mca("mc-1", addon), "Available")).isEqualTo("True/ProbeAvailable");
    });
    return ocm.mca("mc-1", addon);
  }

  @Test
  void aUsersManagedClusterAddOnBecomesAnAppliedWorkAndAnAvailableAddOn() {
    ocm.createAddOn("manual", "manual-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("manual", "1.0.0", false));
    ocm.pass();
    // Manual: nothing is installed until someone makes the MCA (docs/ocm-facts.md §I3.2)
    assertThat(ocm.mca("mc-1", "manual")).isNull();

    ocm.enable("mc-1", "manual");
    ocm.pass();

    // §1.6, §I7.3: the deploy work, named, labelled, owned by the MCA, with the hashes it was rendered from
    ManifestWork work = ocm.work("mc-1", "manual");
    assertThat(work).isNotNull();
    assertThat(work.getMetadata().getLabels()).containsEntry("open-cluster-management.io/addon-name", "manual");
    assertThat(work.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("ManagedClusterAddOn"));
    assertThat(work.getMetadata().getAnnotations().get(ManifestWork.CONFIG_SPEC_HASH_ANNOTATION))
        .contains("addontemplates.addon.open-cluster-management.io//manual-1.0.0");
    // §I7.2: the work agent holds the work until it has cleaned up, and applied it
    assertThat(work.getMetadata().getFinalizers()).contains(ManifestWork.CLEANUP_FINALIZER);
    Deployment deployment = spoke().apps().deployments().inNamespace("manual-agent").withName("manual-agent").get();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsExactly("--cluster-name=mc-1", "--hub-kubeconfig=/managed/hub-kubeconfig/kubeconfig");
    assertThat(deployment.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("AppliedManifestWork"));

    ManagedClusterAddOn mca = untilAvailable("manual");

    // §I1.6, §I3.3: the workload probe says Available; the rollout to this cluster completed at the desired config
    assertThat(statusOf(mca, "Configured")).isEqualTo("True/ConfigurationsConfigured");
    assertThat(statusOf(mca, "ManifestApplied")).isEqualTo("True/AddonManifestApplied");
    assertThat(statusOf(mca, "Progressing")).isEqualTo("False/Completed");
    assertThat(mca.getStatus().healthCheck.mode).isEqualTo("Customized");
    ManagedClusterAddOn.ConfigReference ref = mca.configReference(AddOnConfigs.TEMPLATE.group(),
        AddOnConfigs.TEMPLATE.resource()).orElseThrow();
    assertThat(ref.desiredConfig.name).isEqualTo("manual-1.0.0");
    assertThat(ref.desiredConfig.specHash).hasSize(64);
    assertThat(ref.lastAppliedConfig.name).isEqualTo(ref.desiredConfig.name);
    assertThat(ref.lastAppliedConfig.specHash).isEqualTo(ref.desiredConfig.specHash);
    // §2.5: the work agent's report: Applied and Available at the work's generation, the Deployment's feedback
    work = ocm.work("mc-1", "manual");
    assertThat(work.getStatus().conditions).extracting(c -> c.getType() + "=" + c.getStatus() + "@"
        + c.getObservedGeneration()).contains("Applied=True@" + work.getMetadata().getGeneration(),
        "Available=True@" + work.getMetadata().getGeneration());
    assertThat(work.getStatus().resourceStatus.manifests).filteredOn(m -> "Deployment".equals(m.resourceMeta.kind))
        .singleElement().satisfies(m -> assertThat(m.statusFeedback.values).extracting(v -> v.name)
            .contains("ReadyReplicas", "Replicas", "AvailableReplicas"));
  }

  @Test
  void theRegistrationBindsTheHubPermissionsAndWritesAHubKubeconfigThatWorks() {
    ocm.createAddOn("reg", "reg-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("reg", "1.0.0", false));
    ocm.enable("mc-1", "reg");
    ocm.pass();
    ocm.pass();

    ManagedClusterAddOn mca = ocm.mca("mc-1", "reg");
    // §I1.4, §I7.5: the spoke declared the token driver; its subject is the ServiceAccount reg-agent
    assertThat(mca.getStatus().kubeClientDriver).isEqualTo("token");
    assertThat(mca.getStatus().registrations).singleElement().satisfies(r -> {
      assertThat(r.signerName).isEqualTo("kubernetes.io/kube-apiserver-client");
      assertThat(r.subject.user).isEqualTo("system:serviceaccount:mc-1:reg-agent");
    });
    assertThat(mca.getStatus().namespace).isEqualTo("reg-agent");
    assertThat(statusOf(mca, "RegistrationApplied")).isEqualTo("True/SetPermissionApplied");
    // §I1.5: the CurrentCluster binding in the cluster namespace, owned by the MCA
    RoleBinding binding = ocm.client().rbac().roleBindings().inNamespace("mc-1")
        .withName("open-cluster-management:reg:clusterrole:agent").get();
    assertThat(binding.getRoleRef().getName()).isEqualTo("reg-hub");
    assertThat(binding.getSubjects()).extracting(s -> s.getKind() + ":" + s.getName())
        .containsExactly("User:system:serviceaccount:mc-1:reg-agent");
    assertThat(binding.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(mca.getMetadata().getUid()));

    // §I1.4 item 3: the Secret in the install namespace on the spoke, its kubeconfig a credential of the hub's
    Secret secret = spoke().secrets().inNamespace("reg-agent").withName("reg-hub-kubeconfig").get();
    assertThat(secret.getData()).containsKeys("kubeconfig", "token", "cluster-name", "agent-name");
    assertThat(secretValue(secret, "agent-name")).isEqualTo("reg-agent");
    String token = secretValue(secret, "token");
    assertThat(ocm.hub.issuedToken(token)).as("a token the hub's TokenRequest API minted").isTrue();
    Config config = Config.fromKubeconfig(secretValue(secret, "kubeconfig"));
    assertThat(config.getMasterUrl()).startsWith(ocm.hub.url());
    assertThat(config.getNamespace()).isEqualTo("mc-1");
    try (KubernetesClient agent = new KubernetesClientBuilder().withConfig(config).build()) {
      // a real call over TLS with the agent's credential: the sandbox authenticates by the token's presence and
      // enforces no RBAC (docs/architecture.md, the sandbox), so what the binding allows is checked on a real hub only
      assertThat(agent.resources(ManagedClusterAddOn.class).inNamespace("mc-1").withName("reg").get()).isNotNull();
      Config used = agent.getConfiguration();
      assertThat(used.getOauthToken() != null ? used.getOauthToken() : used.getAutoOAuthToken()).isEqualTo(token);
    }
  }

  @Test
  void rotationReissuesTheCredentialAndRewritesTheSecretAndAgeingDoesItTooAt80Percent() {
    ocm.createAddOn("rot", "rot-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("rot", "1.0.0", false));
    ocm.enable("mc-1", "rot");
    ocm.pass();
    ocm.pass();
    var secrets = spoke().secrets().inNamespace("rot-agent").withName("rot-hub-kubeconfig");
    String first = secretValue(secrets.get(), "token");

    ocm.spoke("mc-1").registration().rotate("rot");

    String second = secretValue(secrets.get(), "token");
    assertThat(second).isNotEqualTo(first);
    assertThat(ocm.hub.issuedToken(second)).isTrue();
    assertThat(secretValue(secrets.get(), "kubeconfig")).contains(second).doesNotContain(first);

    // a pass before 80% of the lifetime leaves it; one after renews it (docs/ocm-facts.md §I1.4 item 5)
    ocm.clock.advance(OcmHub.LIFETIME.multipliedBy(7).dividedBy(10));
    ocm.pass();
    assertThat(secretValue(secrets.get(), "token")).isEqualTo(second);
    ocm.clock.advance(OcmHub.LIFETIME.dividedBy(10));
    ocm.pass();
    assertThat(secretValue(secrets.get(), "token")).isNotEqualTo(second);
  }

  @Test
  void builtInAndCustomizedVariablesReachTheSpoke() {
    ocm.createAddOn("vars", "vars-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("vars", "1.0.0", false));
    AddOnDeploymentConfig adc = new AddOnDeploymentConfig();
    adc.getMetadata().setName("vars");
    adc.getMetadata().setNamespace("mc-1");
    adc.getSpec().agentInstallNamespace = "";
    adc.getSpec().customizedVariables = List.of(new AddOnDeploymentConfig.CustomizedVariable("LOG_LEVEL", "debug"));
    ocm.client().resource(adc).create();
    // §1.6: the cluster's own config (MCA spec.configs) names the ADC
    ocm.enable("mc-1", "vars", AddOnConfig.deploymentConfig("mc-1", "vars"));
    ocm.pass();

    ConfigMap settings = spoke().configMaps().inNamespace("vars-agent").withName("vars-settings").get();
    assertThat(settings.getData()).containsEntry("cluster", "mc-1").containsEntry("level", "debug");
    Deployment d = spoke().apps().deployments().inNamespace("vars-agent").withName("vars-agent").get();
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("HUB_KUBECONFIG=/managed/hub-kubeconfig/kubeconfig", "CLUSTER_NAME=mc-1");
    assertThat(ocm.mca("mc-1", "vars").configReference(AddOnConfigs.DEPLOYMENT_CONFIG.group(),
        AddOnConfigs.DEPLOYMENT_CONFIG.resource())).get().satisfies(r -> assertThat(r.desiredConfig.specHash).isNotNull());

    // a changed ADC is a new spec hash, a new work generation, and the new value on the spoke
    adc = ocm.client().resources(AddOnDeploymentConfig.class).inNamespace("mc-1").withName("vars").get();
    adc.getSpec().customizedVariables = List.of(new AddOnDeploymentConfig.CustomizedVariable("LOG_LEVEL", "info"));
    ocm.client().resource(adc).update();
    ocm.pass();
    assertThat(spoke().configMaps().inNamespace("vars-agent").withName("vars-settings").get().getData())
        .containsEntry("level", "info");
  }

  @Test
  void aVersionWhoseDeploymentNeverBecomesAvailableIsCompletedButNotAvailable() {
    ocm.createAddOn("broken", "broken-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("broken", "1.0.0", true));
    ocm.enable("mc-1", "broken");

    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      ocm.pass();
      assertThat(statusOf(ocm.mca("mc-1", "broken"), "Available")).isEqualTo("False/ProbeUnavailable");
    });

    // §I3.4 item 4: the work is applied and its objects exist, so the rollout completes; only Available tells
    ManagedClusterAddOn mca = ocm.mca("mc-1", "broken");
    assertThat(statusOf(mca, "Progressing")).isEqualTo("False/Completed");
    ManagedClusterAddOn.ConfigReference ref = mca.configReference(AddOnConfigs.TEMPLATE.group(),
        AddOnConfigs.TEMPLATE.resource()).orElseThrow();
    assertThat(ref.lastAppliedConfig.specHash).isEqualTo(ref.desiredConfig.specHash);
    assertThat(condition(mca, "Available").orElseThrow().getMessage()).contains("readyReplica is 0");
  }

  @Test
  void theWorkAgentCanFailAVersionWithoutABrokenTemplate() {
    ocm.createAddOn("flaky", "flaky-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("flaky", "1.0.0", false));
    ocm.publish(OcmHub.template("flaky", "2.0.0", false));
    ocm.spoke("mc-1").work().failWorkloadsOf("flaky-2.0.0");
    ocm.enable("mc-1", "flaky");
    untilAvailable("flaky");

    // the cluster is pointed at the next version (its MCA's own config, §I3.2), which this simulator fails
    ManagedClusterAddOn mca = ocm.mca("mc-1", "flaky");
    mca.getSpec().configs = List.of(AddOnConfig.template("flaky-2.0.0"));
    ocm.client().resource(mca).update();

    await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      ocm.pass();
      assertThat(statusOf(ocm.mca("mc-1", "flaky"), "Available")).isEqualTo("False/ProbeUnavailable");
    });
    assertThat(ocm.mca("mc-1", "flaky").configReference(AddOnConfigs.TEMPLATE.group(), AddOnConfigs.TEMPLATE.resource())
        .orElseThrow().desiredConfig.name).isEqualTo("flaky-2.0.0");
    ocm.spoke("mc-1").work().healWorkloadsOf("flaky-2.0.0");
    untilAvailable("flaky");
  }

  @Test
  void deletingTheAddOnDeletesItsWorkItsObjectsButTheOrphanedNamespaceItsBindingAndItsCredential() {
    ocm.createAddOn("gone", "gone-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("gone", "1.0.0", false));
    ocm.enable("mc-1", "gone");
    ocm.pass();
    ocm.pass();
    assertThat(spoke().secrets().inNamespace("gone-agent").withName("gone-hub-kubeconfig").get()).isNotNull();

    ocm.client().resources(ManagedClusterAddOn.class).inNamespace("mc-1").withName("gone").delete();
    ocm.pass();
    ocm.pass();

    // the MCA's work went (its owner), the work agent deleted what it owned and let the work go (§I7.2, §I7.3)
    assertThat(ocm.work("mc-1", "gone")).isNull();
    assertThat(spoke().apps().deployments().inNamespace("gone-agent").withName("gone-agent").get()).isNull();
    assertThat(spoke().serviceAccounts().inNamespace("gone-agent").withName("gone-agent").get()).isNull();
    // deletion-orphan: the namespace stays
    assertThat(spoke().namespaces().withName("gone-agent").get()).isNotNull();
    // the binding went with its owner, the credential with the registration, the token driver's ServiceAccount too
    assertThat(ocm.client().rbac().roleBindings().inNamespace("mc-1")
        .withName("open-cluster-management:gone:clusterrole:agent").get()).isNull();
    assertThat(spoke().secrets().inNamespace("gone-agent").withName("gone-hub-kubeconfig").get()).isNull();
    assertThat(ocm.client().serviceAccounts().inNamespace("mc-1").withName("gone-agent").get()).isNull();
  }

  @Test
  void whileTheClusterIsUnknownItsAddOnsMirrorIt() {
    ocm.createAddOn("mirror", "mirror-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("mirror", "1.0.0", false));
    ocm.enable("mc-1", "mirror");
    untilAvailable("mirror");

    ocm.setClusterAvailable("mc-1", Conditions.UNKNOWN);
    try {
      ocm.pass();
      // §2.3: not a failure, the cluster's status; the rollout record is left as it was
      assertThat(statusOf(ocm.mca("mc-1", "mirror"), "Available")).isEqualTo("Unknown/ManagedClusterLeaseUpdateStopped");
      assertThat(statusOf(ocm.mca("mc-1", "mirror"), "Progressing")).isEqualTo("False/Completed");
    } finally {
      ocm.setClusterAvailable("mc-1", Conditions.TRUE);
    }
    untilAvailable("mirror");
  }

  @Test
  void aConfigTypeTheAddOnDoesNotSupportIsSaidOnProgressing() {
    ocm.createAddOn("odd", "odd-1.0.0", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.publish(OcmHub.template("odd", "1.0.0", false));
    ocm.enable("mc-1", "odd", new AddOnConfig("example.com", "widgets", null, "w"));
    ocm.pass();

    assertThat(statusOf(ocm.mca("mc-1", "odd"), "Progressing")).isEqualTo("False/ConfigurationUnsupported");
  }

  @Test
  void aMissingTemplateIsNoHashAndAFailedManifestApplied() {
    ocm.createAddOn("absent", "absent-9.9.9", ClusterManagementAddOn.INSTALL_MANUAL);
    ocm.enable("mc-1", "absent");
    ocm.pass();

    // §I3.3: the reference is there without a hash, and rendering fails for it
    ManagedClusterAddOn mca = ocm.mca("mc-1", "absent");
    assertThat(mca.configReference(AddOnConfigs.TEMPLATE.group(), AddOnConfigs.TEMPLATE.resource()).orElseThrow()
        .desiredConfig.specHash).isNull();
    assertThat(statusOf(mca, "ManifestApplied")).isEqualTo("False/ManifestWorkApplyFailed");
    assertThat(condition(mca, "ManifestApplied").orElseThrow().getMessage())
        .contains("template desired spec hash is empty");
    assertThat(ocm.work("mc-1", "absent")).isNull();
  }
}
