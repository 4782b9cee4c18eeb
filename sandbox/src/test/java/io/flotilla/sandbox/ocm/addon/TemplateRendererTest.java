package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ManifestWork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The template controller's rendering (docs/ocm-facts.md §I1.3, §I1.4, §I7.1), one rule per case. */
class TemplateRendererTest {
  static final String TEMPLATE = """
      apiVersion: addon.open-cluster-management.io/v1alpha1
      kind: AddOnTemplate
      metadata: {name: demo-1.0.0}
      spec:
        addonName: demo
        agentSpec:
          workload:
            manifests:
            - apiVersion: v1
              kind: Namespace
              metadata: {name: demo-agent}
            - apiVersion: rbac.authorization.k8s.io/v1
              kind: ClusterRoleBinding
              metadata: {name: demo-agent}
              roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: demo-agent}
              subjects: [{kind: ServiceAccount, name: demo-agent, namespace: demo-agent}]
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: settings, namespace: demo-agent}
              data: {cluster: "{{CLUSTER_NAME}}", level: "{{LOG_LEVEL}}", kubeconfig: "{{HUB_KUBECONFIG}}",
                     where: "{{INSTALL_NAMESPACE}}", spaced: "{{ CLUSTER_NAME }}"}
            - apiVersion: apps/v1
              kind: Deployment
              metadata: {name: demo-agent, namespace: demo-agent}
              spec:
                replicas: 1
                selector: {matchLabels: {app: demo}}
                template:
                  metadata: {labels: {app: demo}}
                  spec:
                    tolerations: [{key: mine, operator: Exists}]
                    containers:
                    - name: agent
                      image: quay.io/demo/agent:1.0.0
                      args: ["--cluster={{CLUSTER_NAME}}", "--hub-kubeconfig={{HUB_KUBECONFIG}}"]
                      env: [{name: OWN, value: "1"}]
        registration:
        - type: KubeClient
          kubeClient:
            hubPermissions:
            - type: CurrentCluster
              currentCluster: {clusterRoleName: demo-hub}
      """;

  static AddOnTemplate template(String yaml) { return Serialization.unmarshal(yaml, AddOnTemplate.class); }

  static AddOnDeploymentConfig adc(String yaml) {
    return Serialization.unmarshal("""
        apiVersion: addon.open-cluster-management.io/v1alpha1
        kind: AddOnDeploymentConfig
        metadata: {name: demo, namespace: hub}
        """ + yaml, AddOnDeploymentConfig.class);
  }

  /** An ADC that keeps the template's namespaces, as Flotilla's does. */
  static AddOnDeploymentConfig keepNamespaces(String moreSpec) {
    return adc("spec:\n  agentInstallNamespace: \"\"\n" + moreSpec);
  }

  static Map<String, Object> object(TemplateRenderer.Rendering r, String kind) {
    return r.objects().stream().filter(o -> kind.equals(o.get("kind"))).findFirst().orElseThrow();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> o, String... path) {
    Object node = o;
    for (String p : path) {
      node = node instanceof List<?> l ? l.get(Integer.parseInt(p)) : ((Map<String, Object>) node).get(p);
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> container(TemplateRenderer.Rendering r) {
    return (Map<String, Object>) ((List<Object>) at(object(r, "Deployment"), "spec", "template", "spec")
        .get("containers")).get(0);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> env(TemplateRenderer.Rendering r) {
    return (List<Map<String, Object>>) container(r).get("env");
  }

  @Test
  void builtInVariablesFillThePlaceholdersAndAnUndefinedOneBecomesEmpty() {
    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", null);

    // §I1.3: CLUSTER_NAME always; HUB_KUBECONFIG because the template registers; INSTALL_NAMESPACE only from an ADC;
    // LOG_LEVEL is nobody's; "{{ CLUSTER_NAME }}" names a variable " CLUSTER_NAME ", which is undefined too
    assertThat(at(object(r, "ConfigMap"), "data")).containsExactlyInAnyOrderEntriesOf(Map.of("cluster", "mc-1",
        "level", "", "kubeconfig", "/managed/hub-kubeconfig/kubeconfig", "where", "", "spaced", ""));
    assertThat(container(r).get("args")).isEqualTo(List.of("--cluster=mc-1",
        "--hub-kubeconfig=/managed/hub-kubeconfig/kubeconfig"));
    assertThat(r.variables()).containsEntry("CLUSTER_NAME", "mc-1").doesNotContainKey("INSTALL_NAMESPACE");
  }

  @Test
  void customizedVariablesOverrideTheDefaultsButNotTheConstants() {
    AddOnDeploymentConfig config = keepNamespaces("""
          customizedVariables:
          - {name: LOG_LEVEL, value: debug}
          - {name: HUB_KUBECONFIG, value: /elsewhere/kubeconfig}
          - {name: CLUSTER_NAME, value: not-this}
        """);

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config);

    // §I1.3 precedence: defaults < the ADC < built-in constants
    assertThat(at(object(r, "ConfigMap"), "data")).containsEntry("level", "debug")
        .containsEntry("kubeconfig", "/elsewhere/kubeconfig").containsEntry("cluster", "mc-1");
  }

  @Test
  void everyContainerGetsThePresetValuesAsEnvironmentAfterItsOwnButNotTheCustomizedOnes() {
    AddOnDeploymentConfig config = adc("""
        spec:
          agentInstallNamespace: demo-elsewhere
          customizedVariables: [{name: LOG_LEVEL, value: debug}]
        """);

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config);

    // §I1.3 env injection: HUB_KUBECONFIG (registration), CLUSTER_NAME, INSTALL_NAMESPACE (set); LOG_LEVEL is not
    assertThat(env(r)).extracting(e -> e.get("name") + "=" + e.get("value")).containsExactly("OWN=1",
        "HUB_KUBECONFIG=/managed/hub-kubeconfig/kubeconfig", "CLUSTER_NAME=mc-1", "INSTALL_NAMESPACE=demo-elsewhere");
  }

  @Test
  void aKubeClientRegistrationMountsTheHubKubeconfigSecret() {
    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", null);

    // §I1.4 item 4: volume hub-kubeconfig from Secret <addon>-hub-kubeconfig at /managed/hub-kubeconfig
    assertThat(container(r).get("volumeMounts"))
        .isEqualTo(List.of(Map.of("name", "hub-kubeconfig", "mountPath", "/managed/hub-kubeconfig")));
    assertThat(at(object(r, "Deployment"), "spec", "template", "spec").get("volumes"))
        .isEqualTo(List.of(Map.of("name", "hub-kubeconfig", "secret", Map.of("secretName", "demo-hub-kubeconfig"))));
    assertThat(r.installNamespace()).isEqualTo("demo-agent");
  }

  @Test
  void withoutRegistrationThereIsNoHubKubeconfig() {
    AddOnTemplate t = template(TEMPLATE);
    t.getSpec().registration = null;

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", t, "mc-1", null);

    assertThat(at(object(r, "ConfigMap"), "data")).containsEntry("kubeconfig", "");
    assertThat(container(r)).doesNotContainKey("volumeMounts");
    assertThat(env(r)).extracting(e -> e.get("name")).containsExactly("OWN", "CLUSTER_NAME");
  }

  @ParameterizedTest(name = "agentInstallNamespace {0}")
  @CsvSource(nullValues = "unset", value = {
      // an ADC without the field: what the API server stores, OCM's default (the §I1.7 clash)
      "unset, open-cluster-management-agent-addon, open-cluster-management-agent-addon",
      // "": the template's own namespaces stay
      "'', demo-agent, demo-agent",
      "flotilla-x, flotilla-x, flotilla-x"})
  void theInstallNamespaceMovesEveryNamespacedObjectTheNamespaceAndBindingSubjects(String field, String objects,
                                                                                 String registration) {
    AddOnDeploymentConfig config = adc("spec: {}\n");
    config.getSpec().agentInstallNamespace = field;

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config);

    assertThat(at(object(r, "Namespace"), "metadata").get("name")).isEqualTo(objects);
    assertThat(at(object(r, "Deployment"), "metadata").get("namespace")).isEqualTo(objects);
    assertThat(at(object(r, "ClusterRoleBinding"), "subjects", "0").get("namespace")).isEqualTo(objects);
    assertThat(at(object(r, "ClusterRoleBinding"), "metadata")).doesNotContainKey("namespace");
    assertThat(r.installNamespace()).isEqualTo(registration);
  }

  @Test
  void theRegistrationNamespaceIsTheFirstDeploymentsAsWrittenElseOcmsDefault() {
    List<ManifestWork.Manifest> none = template(TEMPLATE).getSpec().agentSpec.workload.manifests.subList(0, 3);

    assertThat(TemplateRenderer.registrationNamespace(template(TEMPLATE).getSpec().agentSpec.workload.manifests, ""))
        .isEqualTo("demo-agent");
    assertThat(TemplateRenderer.registrationNamespace(none, "")).isEqualTo("open-cluster-management-agent-addon");
  }

  @Test
  void nodePlacementReplacesSelectorAndTolerationsOnlyWhenASelectorIsSet() {
    AddOnDeploymentConfig withSelector = keepNamespaces("");
    withSelector.getSpec().nodePlacement = new AddOnDeploymentConfig.NodePlacement();
    withSelector.getSpec().nodePlacement.nodeSelector = Map.of("node-role.kubernetes.io/infra", "");
    withSelector.getSpec().nodePlacement.tolerations = List.of(new TolerationBuilder().withKey("infra")
        .withOperator("Exists").withEffect("NoSchedule").build());
    AddOnDeploymentConfig tolerationsOnly = keepNamespaces("");
    tolerationsOnly.getSpec().nodePlacement = new AddOnDeploymentConfig.NodePlacement();
    tolerationsOnly.getSpec().nodePlacement.tolerations = withSelector.getSpec().nodePlacement.tolerations;

    Map<String, Object> placed = at(object(TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", withSelector),
        "Deployment"), "spec", "template", "spec");
    Map<String, Object> ignored = at(object(TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", tolerationsOnly),
        "Deployment"), "spec", "template", "spec");

    assertThat(placed.get("nodeSelector")).isEqualTo(Map.of("node-role.kubernetes.io/infra", ""));
    assertThat(placed.get("tolerations")).isEqualTo(List.of(Map.of("key", "infra", "operator", "Exists",
        "effect", "NoSchedule")));
    // OCM's decorator checks the selector for both (§I7.1): tolerations alone change nothing
    assertThat(ignored).doesNotContainKey("nodeSelector");
    assertThat(ignored.get("tolerations")).isEqualTo(List.of(Map.of("key", "mine", "operator", "Exists")));
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @CsvSource({
      "quay.io/demo/agent:1.0.0, quay.io/demo=mirror.local/demo, mirror.local/demo/agent:1.0.0",
      "quay.io/demo/agent:1.0.0, quay.io/other=mirror.local/other, quay.io/demo/agent:1.0.0",
      // an empty source keeps only the last path segment
      "quay.io/demo/agent:1.0.0, =mirror.local, mirror.local/agent:1.0.0",
      // the last mirror that matches wins
      "quay.io/demo/agent:1.0.0, quay.io=a.local;quay.io/demo=b.local, b.local/agent:1.0.0"})
  void registriesRewriteImages(String image, String mirrors, String expected) {
    List<AddOnDeploymentConfig.ImageMirror> registries = java.util.Arrays.stream(mirrors.split(";"))
        .map(m -> new AddOnDeploymentConfig.ImageMirror(m.substring(0, m.indexOf('=')), m.substring(m.indexOf('=') + 1)))
        .toList();

    assertThat(TemplateRenderer.overrideImage(registries, image)).isEqualTo(expected);
  }

  @Test
  void theAdcsRegistriesApplyToTheDeploymentsContainers() {
    AddOnDeploymentConfig config = keepNamespaces("  registries: [{source: quay.io/demo, mirror: mirror.local/demo}]\n");

    assertThat(container(TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config)).get("image"))
        .isEqualTo("mirror.local/demo/agent:1.0.0");
  }

  @Test
  void aProxyConfigAddsBothCasesOfTheProxyVariablesAndACaBundle() {
    String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    AddOnDeploymentConfig config = keepNamespaces("");
    config.getSpec().proxyConfig = new AddOnDeploymentConfig.ProxyConfig();
    config.getSpec().proxyConfig.httpsProxy = "http://proxy:3128";
    config.getSpec().proxyConfig.noProxy = ".svc";
    config.getSpec().proxyConfig.caBundle = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config);

    assertThat(env(r)).extracting(e -> e.get("name") + "=" + e.get("value")).containsSubsequence(
        "HTTPS_PROXY=http://proxy:3128", "https_proxy=http://proxy:3128", "NO_PROXY=.svc", "no_proxy=.svc",
        "CA_BUNDLE_FILE_PATH=/managed/proxy-ca/ca-bundle.crt");
    // the CA ConfigMap goes to OCM's default namespace unless the ADC names one (§I7.1)
    Map<String, Object> ca = r.objects().get(r.objects().size() - 1);
    assertThat(at(ca, "metadata")).containsEntry("name", "demo-proxy-ca")
        .containsEntry("namespace", "open-cluster-management-agent-addon");
    assertThat(at(ca, "data")).containsEntry("ca-bundle.crt", pem);
  }

  @Test
  void deletionOrphanObjectsBecomeTheWorksOrphaningRules() {
    AddOnTemplate t = template(TEMPLATE);
    Map<String, Object> namespace = t.getSpec().agentSpec.workload.manifests.get(0).getAdditionalProperties();
    at(namespace, "metadata").put("annotations", Map.of("addon.open-cluster-management.io/deletion-orphan", ""));

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", t, "mc-1", null);

    // §I7.3: SelectivelyOrphan naming the Namespace; the rest is deleted with the work
    assertThat(r.deleteOption().propagationPolicy).isEqualTo("SelectivelyOrphan");
    assertThat(r.deleteOption().selectivelyOrphans.orphaningRules).singleElement()
        .satisfies(rule -> assertThat(List.of(rule.group, rule.resource, rule.namespace, rule.name))
            .containsExactly("", "namespaces", "", "demo-agent"));
    assertThat(TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", null).deleteOption()).isNull();
  }

  @Test
  void everyWorkloadGetsAWellKnownStatusRuleAndIsProbedUnlessScaledToZero() {
    AddOnTemplate t = template(TEMPLATE.replace("replicas: 1", "replicas: 0"));

    TemplateRenderer.Rendering scaled = TemplateRenderer.render("demo", t, "mc-1", null);
    TemplateRenderer.Rendering running = TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", null);

    // §I1.6: a WellKnownStatus feedback rule per Deployment and DaemonSet; a Deployment of 0 replicas is not probed
    assertThat(scaled.manifestConfigs()).singleElement().satisfies(c -> {
      assertThat(List.of(c.resourceIdentifier.group, c.resourceIdentifier.resource, c.resourceIdentifier.namespace,
          c.resourceIdentifier.name)).containsExactly("apps", "deployments", "demo-agent", "demo-agent");
      assertThat(c.feedbackRules).extracting(f -> f.type).containsExactly("WellKnownStatus");
    });
    assertThat(scaled.probes()).isEmpty();
    assertThat(running.probes()).extracting(p -> p.name).containsExactly("demo-agent");
  }

  @Test
  void theTemplatesOwnFeedbackRulesAreMergedIntoTheGeneratedOnes() {
    AddOnTemplate t = template(TEMPLATE);
    ManifestWork.ManifestConfig mine = new ManifestWork.ManifestConfig();
    mine.resourceIdentifier = new ManifestWork.ResourceIdentifier("apps", "deployments", "demo-agent", "demo-agent");
    ManifestWork.FeedbackRule known = new ManifestWork.FeedbackRule();
    known.type = "WellKnownStatus";
    ManifestWork.FeedbackRule image = new ManifestWork.FeedbackRule();
    image.type = "JSONPaths";
    ManifestWork.JsonPath path = new ManifestWork.JsonPath();
    path.name = "image";
    path.path = ".spec.template.spec.containers[0].image";
    image.jsonPaths = List.of(path);
    mine.feedbackRules = List.of(known, image);
    t.getSpec().agentSpec.manifestConfigs = List.of(mine);

    TemplateRenderer.Rendering r = TemplateRenderer.render("demo", t, "mc-1", null);

    // mergeFeedbackRule: one WellKnownStatus, the JSONPaths added
    assertThat(r.manifestConfigs()).singleElement().satisfies(c ->
        assertThat(c.feedbackRules).extracting(f -> f.type).containsExactly("WellKnownStatus", "JSONPaths"));
  }

  @Test
  void aValueThatBreaksTheJsonFailsTheRender() {
    AddOnDeploymentConfig config = keepNamespaces("  customizedVariables: [{name: LOG_LEVEL, value: 'a\"b'}]\n");

    assertThatThrownBy(() -> TemplateRenderer.render("demo", template(TEMPLATE), "mc-1", config))
        .isInstanceOf(TemplateRenderer.RenderException.class).hasMessageContaining("not a valid object once rendered");
  }
}
