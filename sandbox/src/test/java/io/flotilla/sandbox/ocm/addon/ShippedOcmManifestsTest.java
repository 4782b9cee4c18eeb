package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.common.BuildInfo;
import io.flotilla.hub.cluster.ClusterRegistration;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What manifests/ocm/ ships (the Flotilla agent as a template add-on, docs/ocm-facts.md §I1.8), rendered by the
 * sandbox's template renderer for cluster mc-1 and installed on the sandbox's hub. OcmSchemaConformanceTest (module api)
 * holds the same files to OCM's schemas.
 */
class ShippedOcmManifestsTest {
  static final Path DIR = Path.of("../manifests/ocm");
  /** The release the project version becomes: the template of this build's agent. */
  static final String VERSION = BuildInfo.version().replace("-SNAPSHOT", "");

  static List<String> documents(String file) throws IOException {
    return Arrays.stream(Files.readString(DIR.resolve(file)).split("(?m)^---\\s*$"))
        .filter(d -> d.lines().anyMatch(l -> l.startsWith("kind:"))).toList();
  }

  static <T extends HasMetadata> T one(String file, Class<T> type) throws IOException {
    return Serialization.unmarshal(documents(file).get(0), type);
  }

  static AddOnTemplate template() throws IOException {
    return one("addontemplate-flotilla-" + VERSION + ".yaml", AddOnTemplate.class);
  }

  static AddOnDeploymentConfig adc() throws IOException { return one("addondeploymentconfig.yaml", AddOnDeploymentConfig.class); }

  static ClusterManagementAddOn cma() throws IOException {
    return one("clustermanagementaddon.yaml", ClusterManagementAddOn.class);
  }

  static Map<String, Object> object(TemplateRenderer.Rendering r, String kind) {
    return r.objects().stream().filter(o -> kind.equals(o.get("kind"))).findFirst().orElseThrow();
  }

  @Test
  void theTemplateRendersForMc1IntoFlotillasNamespaceWithTheClusterNameAndTheMountedHubKubeconfig() throws IOException {
    TemplateRenderer.Rendering r = TemplateRenderer.render("flotilla", template(), "mc-1", adc());

    // §I1.7: Flotilla's own namespace, not OCM's default one that MCE's add-ons share
    assertThat(Manifests.name(object(r, "Namespace"))).isEqualTo("flotilla-agent");
    assertThat(r.objects()).filteredOn(o -> !Manifests.namespace(o).isEmpty())
        .allSatisfy(o -> assertThat(Manifests.namespace(o)).isEqualTo("flotilla-agent"));
    assertThat(r.installNamespace()).isEqualTo("flotilla-agent");
    Map<String, Object> deployment = object(r, "Deployment");
    Map<String, Object> pod = TemplateRendererTest.at(deployment, "spec", "template", "spec");
    Map<String, Object> agent = TemplateRendererTest.at(deployment, "spec", "template", "spec", "containers", "0");
    assertThat(agent.get("args")).asList().contains("--cluster-name=mc-1",
        "--hub-kubeconfig=/managed/hub-kubeconfig/kubeconfig", "--heartbeat-interval=60s",
        "--backup-bandwidth-limit=0", "--relay-url=https://flotilla-agent-relay.flotilla-agent.svc:8443");
    // every placeholder has a value: none left, none rendered empty
    assertThat(Manifests.json(r.objects())).doesNotContain("{{");
    assertThat(agent.get("args")).asList().noneMatch(a -> a.toString().endsWith("="));
    // §I1.4 item 4: the klusterlet's Secret flotilla-hub-kubeconfig, mounted where {{HUB_KUBECONFIG}} points
    assertThat(agent.get("volumeMounts")).asList()
        .contains(Map.of("name", "hub-kubeconfig", "mountPath", "/managed/hub-kubeconfig"));
    assertThat(pod.get("volumes")).asList()
        .contains(Map.of("name", "hub-kubeconfig", "secret", Map.of("secretName", "flotilla-hub-kubeconfig")));
    assertThat(agent.get("env")).asList().contains(Map.of("name", "CLUSTER_NAME", "value", "mc-1"));
    // the namespace outlives the add-on; the image is this version's
    assertThat(r.deleteOption().selectivelyOrphans.orphaningRules).extracting(o -> o.resource + "/" + o.name)
        .containsExactly("namespaces/flotilla-agent");
    assertThat(agent.get("image")).isEqualTo("quay.io/flotilla/spoke-agent:" + VERSION);
  }

  @Test
  void theTemplateIsThisVersionsAndTheDefaultAndTheAgentIsTheSpokeManifestsAgent() throws IOException {
    assertThat(template().getMetadata().getName()).isEqualTo("flotilla-" + VERSION);
    assertThat(template().getSpec().addonName).isEqualTo(cma().getMetadata().getName()).isEqualTo("flotilla");
    assertThat(cma().getSpec().supportedConfigs).extracting(c -> c.resource + ":" + c.defaultConfig.name)
        .containsExactly("addontemplates:flotilla-" + VERSION, "addondeploymentconfigs:flotilla");
    assertThat(cma().getSpec().installStrategy.type).isEqualTo("Manual");
    assertThat(Files.readString(Path.of("../manifests/spoke/spoke-agent.yaml")))
        .contains("image: quay.io/flotilla/spoke-agent:" + VERSION);
  }

  @Test
  void theHubRoleIsWhatClusterAddGrantsInTheClusterNamespaceAndTheAddOnManagerMayBindIt() throws IOException {
    List<String> docs = documents("hub-rbac.yaml");
    ClusterRole agentHub = Serialization.unmarshal(docs.get(0), ClusterRole.class);
    ClusterRole bind = Serialization.unmarshal(docs.get(1), ClusterRole.class);
    ClusterRoleBinding binding = Serialization.unmarshal(docs.get(2), ClusterRoleBinding.class);

    assertThat(template().getSpec().registration).singleElement().satisfies(r ->
        assertThat(r.kubeClient.hubPermissions).singleElement().satisfies(p -> {
          assertThat(p.type).isEqualTo("CurrentCluster");
          assertThat(p.currentCluster.clusterRoleName).isEqualTo(agentHub.getMetadata().getName());
        }));
    assertThat(rules(agentHub.getRules())).isEqualTo(rules(ClusterRegistration.agentNamespaceRules()));
    // §I1.5, §I7.7: bind on exactly that role, for OCM's addon-manager
    assertThat(bind.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getVerbs()).containsExactly("bind");
      assertThat(rule.getResources()).containsExactly("clusterroles");
      assertThat(rule.getResourceNames()).containsExactly("flotilla-agent-hub");
    });
    assertThat(binding.getRoleRef().getName()).isEqualTo(bind.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName())
        .isEqualTo(AddOnNames.ADDON_MANAGER_NAMESPACE + "/" + AddOnNames.ADDON_MANAGER_SERVICE_ACCOUNT));
  }

  private static List<String> rules(List<PolicyRule> rules) {
    return rules.stream().map(r -> r.getApiGroups() + " " + r.getResources() + " " + r.getVerbs()).sorted().toList();
  }

  @Test
  void installedOnTheSandboxHubTheShippedAddOnRunsOnMc1() throws IOException {
    try (OcmHub ocm = new OcmHub("mc-1")) {
      ocm.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("flotilla-system")
          .endMetadata().build()).create();
      ClusterManagementAddOn cma = cma();
      cma.setStatus(null);
      ocm.client().resource(cma).create();
      ocm.client().resource(template()).create();
      ocm.client().resource(adc()).create();
      for (String doc : documents("hub-rbac.yaml")) {
        ocm.client().resource(Serialization.<HasMetadata>unmarshal(doc)).create();
      }
      ocm.enable("mc-1", "flotilla");

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        ocm.pass();
        assertThat(ocm.mca("mc-1", "flotilla").condition(ManagedClusterAddOn.AVAILABLE)).get()
            .satisfies(c -> assertThat(c.getReason()).isEqualTo("ProbeAvailable"));
      });

      var spoke = ocm.spoke("mc-1").client();
      Secret secret = spoke.secrets().inNamespace("flotilla-agent").withName("flotilla-hub-kubeconfig").get();
      assertThat(secret.getData()).containsKey("kubeconfig");
      assertThat(ocm.client().rbac().roleBindings().inNamespace("mc-1")
          .withName("open-cluster-management:flotilla:clusterrole:agent").get().getRoleRef().getName())
          .isEqualTo("flotilla-agent-hub");
      // the template's own feedback rule reports the version running there
      assertThat(ocm.work("mc-1", "flotilla").getStatus().resourceStatus.manifests)
          .filteredOn(m -> "Deployment".equals(m.resourceMeta.kind)).singleElement()
          .satisfies(m -> assertThat(m.statusFeedback.values).anySatisfy(v -> {
            assertThat(v.name).isEqualTo("image");
            assertThat(v.fieldValue.string).isEqualTo("quay.io/flotilla/spoke-agent:" + VERSION);
          }));
    }
  }
}
