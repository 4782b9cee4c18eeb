package io.flotilla.sandbox.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ConfigSpecHash;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterSet;
import io.flotilla.api.foreign.ocm.ManagedClusterSetBinding;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sandbox hub serves OCM's kinds as OCM's published CRDs define them (group, storage version, scope, status
 * subresource, short names, printer columns; docs/ocm-facts.md §I5.1), and Flotilla's classes for them work against it.
 */
class OcmKindsOnTheHubTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CLUSTER = "mc-1";
  static MockApiServer hub;

  @BeforeAll
  static void start() { hub = MockApiServer.start("hub"); }

  @AfterAll
  static void stop() { hub.close(); }

  @Test
  void discoveryServesEachKindAtItsStorageVersionWithOcmsScopeAndShortNames() throws Exception {
    KubernetesClient client = hub.adminClient();
    Map<String, JsonNode> cluster = resources(client, "cluster.open-cluster-management.io/v1");
    assertThat(cluster.get("managedclusters").get("namespaced").asBoolean()).isFalse();
    assertThat(cluster.get("managedclusters").get("shortNames").toString()).contains("mcl");
    assertThat(cluster).containsKey("managedclusters/status");

    Map<String, JsonNode> sets = resources(client, "cluster.open-cluster-management.io/v1beta2");
    assertThat(sets.get("managedclustersets").get("namespaced").asBoolean()).isFalse();
    assertThat(sets.get("managedclustersetbindings").get("namespaced").asBoolean()).isTrue();
    assertThat(resources(client, "cluster.open-cluster-management.io/v1beta1").get("placementdecisions")
        .get("namespaced").asBoolean()).isTrue();
    assertThat(resources(client, "cluster.open-cluster-management.io/v1alpha1").get("clusterclaims")
        .get("namespaced").asBoolean()).isFalse();

    Map<String, JsonNode> addons = resources(client, "addon.open-cluster-management.io/v1alpha1");
    assertThat(addons.get("managedclusteraddons").get("namespaced").asBoolean()).isTrue();
    assertThat(addons.get("managedclusteraddons").get("shortNames").toString()).contains("mca");
    assertThat(addons.get("clustermanagementaddons").get("namespaced").asBoolean()).isFalse();
    assertThat(addons).containsKeys("addontemplates", "addondeploymentconfigs")
        .doesNotContainKeys("addontemplates/status", "addondeploymentconfigs/status");
    // Only the storage version: the mock cannot convert to v1beta1 (docs/ocm-facts.md §I5.3).
    JsonNode group = MAPPER.readTree(client.raw(hub.url() + "/apis/addon.open-cluster-management.io"));
    assertThat(group.get("versions").findValuesAsText("version")).containsExactly("v1alpha1");
    assertThat(resources(client, "work.open-cluster-management.io/v1").get("manifestworks").get("namespaced").asBoolean())
        .isTrue();
  }

  @Test
  void aHostedModeManagedClusterIsAcceptedAndTheHubWritesItsStatus() {
    KubernetesClient client = hub.adminClient();
    ManagedCluster mc = new ManagedCluster();
    mc.setMetadata(new ObjectMetaBuilder().withName("hc-1")
        .addToLabels(ManagedCluster.CLUSTER_SET_LABEL, "default")
        .addToAnnotations(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, ManagedCluster.DEPLOY_MODE_HOSTED)
        .addToAnnotations(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, CLUSTER).build());
    mc.getSpec().hubAcceptsClient = true;
    mc.setStatus(new ManagedCluster.Status());
    mc.getStatus().conditions = List.of(condition(ManagedCluster.AVAILABLE, "True", "ManagedClusterAvailable"));

    client.resource(mc).create();
    ManagedCluster created = client.resources(ManagedCluster.class).withName("hc-1").get();
    // A status subresource: create drops status, as a real API server does.
    assertThat(created.getStatus()).isNull();
    assertThat(created.getSpec().hubAcceptsClient).isTrue();

    ManagedCluster.Taint unreachable = new ManagedCluster.Taint();
    unreachable.key = ManagedCluster.TAINT_UNREACHABLE;
    unreachable.effect = ManagedCluster.EFFECT_NO_SELECT;
    unreachable.timeAdded = "2026-06-11T12:00:00Z";
    created.getSpec().taints = List.of(unreachable);
    client.resource(created).update();
    ManagedCluster withStatus = client.resources(ManagedCluster.class).withName("hc-1").get();
    withStatus.setStatus(new ManagedCluster.Status());
    withStatus.getStatus().conditions = List.of(
        condition(ManagedCluster.AVAILABLE, "Unknown", ManagedCluster.REASON_LEASE_UPDATE_STOPPED));
    ManagedCluster.ClusterClaimValue claim = new ManagedCluster.ClusterClaimValue();
    claim.name = ClusterClaim.HOSTED_CLUSTER;
    claim.value = "true";
    withStatus.getStatus().clusterClaims = List.of(claim);
    client.resource(withStatus).updateStatus();

    ManagedCluster read = client.resources(ManagedCluster.class).withName("hc-1").get();
    assertThat(read.condition(ManagedCluster.AVAILABLE)).hasValueSatisfying(
        c -> assertThat(c.getReason()).isEqualTo(ManagedCluster.REASON_LEASE_UPDATE_STOPPED));
    assertThat(read.claim(ClusterClaim.HOSTED_CLUSTER)).contains("true");
    assertThat(read.getSpec().taints).extracting(t -> t.key).containsExactly(ManagedCluster.TAINT_UNREACHABLE);
    assertThat(read.getMetadata().getAnnotations())
        .containsEntry(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, CLUSTER);
  }

  @Test
  void aPlacementsDecisionsAreFoundByLabelAcrossPages() {
    KubernetesClient client = hub.adminClient();
    ManagedClusterSet set = new ManagedClusterSet();
    set.setMetadata(new ObjectMetaBuilder().withName("hosting").build());
    set.getSpec().clusterSelector = new ManagedClusterSet.ClusterSelector();
    set.getSpec().clusterSelector.selectorType = ManagedClusterSet.SELECTOR_EXCLUSIVE_LABEL;
    client.resource(set).create();
    ManagedClusterSetBinding binding = new ManagedClusterSetBinding();
    binding.setMetadata(new ObjectMetaBuilder().withName("hosting").withNamespace("flotilla-system").build());
    binding.getSpec().clusterSet = "hosting";
    client.resource(binding).create();

    Placement placement = new Placement();
    placement.setMetadata(new ObjectMetaBuilder().withName("hosting-clusters").withNamespace("flotilla-system").build());
    placement.getSpec().clusterSets = List.of("hosting");
    Placement.Predicate predicate = new Placement.Predicate();
    predicate.requiredClusterSelector = new Placement.ClusterSelector();
    predicate.requiredClusterSelector.claimSelector = new Placement.ClaimSelector();
    predicate.requiredClusterSelector.claimSelector.matchExpressions = List.of(new LabelSelectorRequirementBuilder()
        .withKey(ClusterClaim.HOSTING_CLUSTER).withOperator("In").withValues("true").build());
    placement.getSpec().predicates = List.of(predicate);
    Placement.Toleration toleration = new Placement.Toleration();
    toleration.key = ManagedCluster.TAINT_UNREACHABLE;
    toleration.operator = Placement.OPERATOR_EXISTS;
    placement.getSpec().tolerations = List.of(toleration);
    client.resource(placement).create();

    for (int page = 0; page < 2; page++) {
      PlacementDecision decision = new PlacementDecision();
      decision.setMetadata(new ObjectMetaBuilder().withName("hosting-clusters-decision-" + page)
          .withNamespace("flotilla-system")
          .addToLabels(PlacementDecision.PLACEMENT_LABEL, "hosting-clusters")
          .addToLabels(PlacementDecision.DECISION_GROUP_INDEX_LABEL, "0").build());
      client.resource(decision).create();
      decision = client.resource(decision).get();
      decision.setStatus(new PlacementDecision.Status());
      PlacementDecision.Decision chosen = new PlacementDecision.Decision();
      chosen.clusterName = "mc-" + page;
      decision.getStatus().decisions.add(chosen);
      client.resource(decision).updateStatus();
    }

    List<PlacementDecision> pages = client.resources(PlacementDecision.class).inNamespace("flotilla-system")
        .withLabel(PlacementDecision.PLACEMENT_LABEL, "hosting-clusters").list().getItems();
    assertThat(pages).flatExtracting(p -> p.getStatus().decisions).extracting(d -> d.clusterName)
        .containsExactlyInAnyOrder("mc-0", "mc-1");
    Placement read = client.resources(Placement.class).inNamespace("flotilla-system").withName("hosting-clusters").get();
    assertThat(read.getSpec().predicates.get(0).requiredClusterSelector.claimSelector.matchExpressions)
        .extracting(r -> r.getKey()).containsExactly(ClusterClaim.HOSTING_CLUSTER);
  }

  @Test
  void theAgentAsATemplateAddOnPinnedPerCluster() {
    KubernetesClient client = hub.adminClient();
    AddOnTemplate template = new AddOnTemplate();
    template.setMetadata(new ObjectMetaBuilder().withName("flotilla-agent-1.4.2").build());
    template.getSpec().addonName = "flotilla-agent";
    template.getSpec().agentSpec = new ManifestWork.Spec();
    template.getSpec().agentSpec.workload = new ManifestWork.Workload();
    Map<String, Object> deployment = new HashMap<>();
    deployment.put("apiVersion", "apps/v1");
    deployment.put("kind", "Deployment");
    deployment.put("metadata", Map.of("name", "flotilla-agent", "namespace", "flotilla-agent"));
    deployment.put("spec", Map.of("template", Map.of("spec", Map.of("containers", List.of(Map.of(
        "name", "agent", "args", List.of("--cluster=" + AddOnTemplate.VAR_CLUSTER_NAME)))))));
    template.getSpec().agentSpec.workload.manifests = List.of(ManifestWork.Manifest.of(deployment));
    AddOnTemplate.HubPermission permission = new AddOnTemplate.HubPermission();
    permission.type = AddOnTemplate.PERMISSION_CURRENT_CLUSTER;
    permission.currentCluster = new AddOnTemplate.CurrentCluster();
    permission.currentCluster.clusterRoleName = "flotilla-agent-hub";
    AddOnTemplate.Registration registration = new AddOnTemplate.Registration();
    registration.type = AddOnTemplate.REGISTRATION_KUBE_CLIENT;
    registration.kubeClient = new AddOnTemplate.KubeClient();
    registration.kubeClient.hubPermissions = List.of(permission);
    template.getSpec().registration = List.of(registration);
    client.resource(template).create();

    ClusterManagementAddOn cma = new ClusterManagementAddOn();
    cma.setMetadata(new ObjectMetaBuilder().withName("flotilla-agent").build());
    cma.getSpec().installStrategy = new ClusterManagementAddOn.InstallStrategy();
    cma.getSpec().installStrategy.type = ClusterManagementAddOn.INSTALL_MANUAL;
    ClusterManagementAddOn.ConfigMeta templates = new ClusterManagementAddOn.ConfigMeta();
    templates.group = AddOnTemplate.GROUP;
    templates.resource = AddOnTemplate.RESOURCE;
    templates.defaultConfig = new ClusterManagementAddOn.ConfigReferent();
    templates.defaultConfig.name = "flotilla-agent-1.4.2";
    cma.getSpec().supportedConfigs = List.of(templates);
    client.resource(cma).create();

    AddOnDeploymentConfig adc = new AddOnDeploymentConfig();
    adc.setMetadata(new ObjectMetaBuilder().withName("flotilla-agent").withNamespace(CLUSTER).build());
    adc.getSpec().customizedVariables = List.of(new AddOnDeploymentConfig.CustomizedVariable("LOG_LEVEL", "debug"));
    adc.getSpec().agentInstallNamespace = "";
    client.resource(adc).create();

    ManagedClusterAddOn mca = new ManagedClusterAddOn();
    mca.setMetadata(new ObjectMetaBuilder().withName("flotilla-agent").withNamespace(CLUSTER).build());
    mca.getSpec().configs = List.of(AddOnConfig.template("flotilla-agent-1.4.2"),
        AddOnConfig.deploymentConfig(CLUSTER, "flotilla-agent"));
    client.resource(mca).create();
    ManagedClusterAddOn read = client.resource(mca).get();
    read.setStatus(new ManagedClusterAddOn.Status());
    ManagedClusterAddOn.ConfigReference reference = new ManagedClusterAddOn.ConfigReference();
    reference.group = AddOnTemplate.GROUP;
    reference.resource = AddOnTemplate.RESOURCE;
    reference.name = "flotilla-agent-1.4.2";
    reference.desiredConfig = new ConfigSpecHash();
    reference.desiredConfig.name = "flotilla-agent-1.4.2";
    reference.desiredConfig.specHash = "abc";
    read.getStatus().configReferences = List.of(reference);
    read.getStatus().conditions = List.of(condition(ManagedClusterAddOn.AVAILABLE, "True", "ProbeAvailable"));
    client.resource(read).updateStatus();

    ManagedClusterAddOn after = client.resource(mca).get();
    assertThat(after.getSpec().configs).extracting(c -> c.resource)
        .containsExactly(AddOnTemplate.RESOURCE, AddOnDeploymentConfig.RESOURCE);
    assertThat(after.configReference(AddOnTemplate.GROUP, AddOnTemplate.RESOURCE))
        .hasValueSatisfying(r -> assertThat(r.desiredConfig.specHash).isEqualTo("abc"));
    assertThat(client.resource(adc).get().getSpec().agentInstallNamespace).isEmpty();
    AddOnTemplate storedTemplate = client.resource(template).get();
    assertThat(storedTemplate.getSpec().agentSpec.workload.manifests.get(0).getAdditionalProperties())
        .containsEntry("kind", "Deployment");
  }

  @Test
  void aClusterClaimLivesOnTheManagedClusterItself() {
    try (MockApiServer spoke = MockApiServer.start(CLUSTER)) {
      ClusterClaim claim = new ClusterClaim();
      claim.setMetadata(new ObjectMetaBuilder().withName(ClusterClaim.HOSTING_CLUSTER).build());
      claim.getSpec().value = "true";
      spoke.adminClient().resource(claim).create();
      assertThat(spoke.adminClient().resources(ClusterClaim.class).withName(ClusterClaim.HOSTING_CLUSTER).get()
          .getSpec().value).isEqualTo("true");
    }
  }

  @Test
  void kubectlPrintsOcmsColumns(@TempDir Path tmp) throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(Files.isExecutable(kubectl), "kubectl not installed");
    ManagedCluster mc = new ManagedCluster();
    mc.setMetadata(new ObjectMetaBuilder().withName("kubectl-visible").build());
    mc.getSpec().hubAcceptsClient = true;
    hub.adminClient().resource(mc).create();
    Path config = tmp.resolve("kubeconfig");
    Files.writeString(config, hub.kubeconfig("admin", "t0ken", null));
    Process p = new ProcessBuilder(kubectl.toString(), "--kubeconfig", config.toString(), "get", "mcl", "kubectl-visible")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("HUB ACCEPTED", "JOINED", "AVAILABLE", "kubectl-visible", "true");
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(String type, String status, String reason) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage("")
        .withLastTransitionTime("2026-06-11T12:00:00Z").build();
  }

  private static Map<String, JsonNode> resources(KubernetesClient client, String groupVersion) throws Exception {
    JsonNode list = MAPPER.readTree(client.raw(hub.url() + "/apis/" + groupVersion));
    Map<String, JsonNode> byName = new HashMap<>();
    list.get("resources").forEach(r -> byName.put(r.get("name").asText(), r));
    return byName;
  }
}
