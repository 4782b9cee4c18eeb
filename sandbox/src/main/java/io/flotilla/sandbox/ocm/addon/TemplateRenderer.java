package io.flotilla.sandbox.ocm.addon;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.Toleration;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ManifestWork;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What OCM's template controller makes of an AddOnTemplate for one cluster (ocm's pkg/addon/templateagent, as
 * docs/ocm-facts.md §I1.3, §I1.4 and §I7.1 record it): every manifest's JSON with its {@code {{VARIABLE}}} placeholders
 * filled (an undefined one becomes ""), then the values OCM injects into Deployments and DaemonSets (environment, the
 * hub-kubeconfig volume, node placement, image mirrors, proxy), then the install namespace rewritten. Also what the
 * deploy work needs beside the objects: the WellKnownStatus feedback rules of the workload probe, the orphaning rules
 * of {@code deletion-orphan} objects, and the spoke namespace the registration Secret goes to. Values in, values out.
 */
public final class TemplateRenderer {
  private TemplateRenderer() {}

  public static final String CLUSTER_NAME = "CLUSTER_NAME";
  public static final String INSTALL_NAMESPACE = "INSTALL_NAMESPACE";
  public static final String HUB_KUBECONFIG = "HUB_KUBECONFIG";

  /** The template could not be rendered; the addon-manager reports it on ManifestApplied (docs/ocm-facts.md §I7.4). */
  public static final class RenderException extends RuntimeException {
    public RenderException(String message) { super(message); }
  }

  /**
   * @param objects         the objects for the spoke, in the template's order (then the proxy CA ConfigMap, if any)
   * @param installNamespace where the agent's registration Secret goes on the spoke (MCA status.namespace)
   * @param manifestConfigs the deploy work's manifestConfigs: WellKnownStatus for every workload, merged with the
   *                        template's own
   * @param deleteOption    SelectivelyOrphan for {@code deletion-orphan} objects, or null (Foreground)
   * @param probes          the workloads whose feedback decides MCA Available (Deployments with 0 replicas left out)
   * @param variables       every placeholder value, after precedence
   */
  public record Rendering(List<Map<String, Object>> objects, String installNamespace,
                          List<ManifestWork.ManifestConfig> manifestConfigs, ManifestWork.DeleteOption deleteOption,
                          List<ManifestWork.ResourceIdentifier> probes, Map<String, String> variables) {}

  /**
   * @param adc the AddOnDeploymentConfig the cluster's configs resolve to, or null; an unset agentInstallNamespace is
   *            read as a real API server would have stored it (its CRD default), which the sandbox's server does not fill
   */
  public static Rendering render(String addon, AddOnTemplate template, String cluster, AddOnDeploymentConfig adc) {
    Objects.requireNonNull(template.getSpec(), "template spec");
    AddOnDeploymentConfig.Spec config = adc == null ? null : adc.getSpec();
    String installNamespace = agentInstallNamespace(config);
    boolean registration = template.getSpec().registration != null && !template.getSpec().registration.isEmpty();

    // Precedence, lowest first: defaults < the ADC's customized variables < built-in constants (§I1.3).
    Map<String, String> values = new LinkedHashMap<>();
    List<String> presetKeys = new ArrayList<>();
    if (registration) {
      values.put(HUB_KUBECONFIG, AddOnNames.HUB_KUBECONFIG_PATH);
      presetKeys.add(HUB_KUBECONFIG);
    }
    if (config != null && config.customizedVariables != null) {
      for (AddOnDeploymentConfig.CustomizedVariable v : config.customizedVariables) {
        values.put(v.name, v.value == null ? "" : v.value);
      }
    }
    values.put(CLUSTER_NAME, cluster);
    presetKeys.add(CLUSTER_NAME);
    if (!installNamespace.isEmpty()) {
      values.put(INSTALL_NAMESPACE, installNamespace);
      presetKeys.add(INSTALL_NAMESPACE);
    }
    // Injected as environment into every container of every Deployment and DaemonSet, in this order (§I7.1).
    Map<String, String> preset = new LinkedHashMap<>();
    presetKeys.forEach(k -> preset.put(k, values.get(k)));

    List<ManifestWork.Manifest> manifests = template.getSpec().agentSpec == null
        || template.getSpec().agentSpec.workload == null || template.getSpec().agentSpec.workload.manifests == null
        ? List.of() : template.getSpec().agentSpec.workload.manifests;
    List<Map<String, Object>> objects = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      String raw = Manifests.json(manifests.get(i));
      Map<String, Object> object;
      try {
        object = Manifests.parse(fill(raw, values, i));
      } catch (JsonProcessingException e) {
        throw new RenderException("manifest " + i + " of template " + template.getMetadata().getName()
            + " is not a valid object once rendered: " + e.getOriginalMessage());
      }
      if (Manifests.isDeployment(object) || Manifests.isDaemonSet(object)) {
        decoratePod(addon, template, Manifests.map(Manifests.map(object, "spec"), "template"), preset, config);
      }
      objects.add(object);
    }
    if (config != null && config.proxyConfig != null && notEmpty(config.proxyConfig.caBundle)) {
      objects.add(proxyCaConfigMap(addon, config.proxyConfig.caBundle));
    }
    if (!installNamespace.isEmpty()) {
      objects.forEach(o -> moveToNamespace(o, installNamespace));
    }

    return new Rendering(objects, registrationNamespace(manifests, installNamespace),
        manifestConfigs(objects, template), deleteOption(objects), probes(objects), values);
  }

  /** The spoke namespace of the add-on's registration Secret (MCA status.namespace), for the template and its ADC. */
  public static String installNamespace(AddOnTemplate template, AddOnDeploymentConfig adc) {
    List<ManifestWork.Manifest> manifests = template.getSpec().agentSpec == null
        || template.getSpec().agentSpec.workload == null || template.getSpec().agentSpec.workload.manifests == null
        ? List.of() : template.getSpec().agentSpec.workload.manifests;
    return registrationNamespace(manifests, agentInstallNamespace(adc == null ? null : adc.getSpec()));
  }

  /**
   * The ADC's agentInstallNamespace as a real hub stores it: unset is the CRD's default, "" keeps the template's
   * namespaces (docs/ocm-facts.md §I1.3, §I5.2). "" also when there is no ADC.
   */
  static String agentInstallNamespace(AddOnDeploymentConfig.Spec config) {
    if (config == null) {
      return "";
    }
    return config.agentInstallNamespace == null ? AddOnNames.DEFAULT_INSTALL_NAMESPACE : config.agentInstallNamespace;
  }

  /** fasttemplate with {{ and }}: the text between them names the variable, exactly; an unknown one gives "". */
  static String fill(String text, Map<String, String> values, int manifest) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    while (true) {
      int start = text.indexOf("{{", at);
      if (start < 0) {
        out.append(text, at, text.length());
        return out.toString();
      }
      int end = text.indexOf("}}", start + 2);
      if (end < 0) {
        throw new RenderException("manifest " + manifest + ": a {{ without its }}");
      }
      out.append(text, at, start).append(values.getOrDefault(text.substring(start + 2, end), ""));
      at = end + 2;
    }
  }

  private static void decoratePod(String addon, AddOnTemplate template, Map<String, Object> podTemplate,
                                  Map<String, String> preset, AddOnDeploymentConfig.Spec config) {
    Map<String, Object> pod = Manifests.map(podTemplate, "spec");
    List<Map<String, Object>> containers = containers(pod);
    // environment: the preset values, appended (customized variables are not injected; §I1.3)
    containers.forEach(c -> preset.forEach((k, v) -> addEnv(c, k, v)));
    // the hub kubeconfig Secret of each KubeClient registration (§I1.4 item 4)
    for (AddOnTemplate.Registration r : template.getSpec().registration == null
        ? List.<AddOnTemplate.Registration>of() : template.getSpec().registration) {
      if (AddOnTemplate.REGISTRATION_KUBE_CLIENT.equals(r.type)) {
        mount(pod, containers, AddOnNames.HUB_KUBECONFIG_VOLUME, AddOnNames.HUB_KUBECONFIG_MOUNT,
            Map.of("secret", Map.of("secretName", AddOnNames.hubKubeconfigSecret(addon))));
      } else if (AddOnTemplate.REGISTRATION_CUSTOM_SIGNER.equals(r.type) && r.customSigner != null) {
        String signer = r.customSigner.signerName;
        mount(pod, containers, "cert-" + signer.replace("/", "-").replace(".", "-"), "/managed/" + signer.replace("/", "-"),
            Map.of("secret", Map.of("secretName", addon + "-" + signer.replace("/", "-") + "-client-cert")));
      }
    }
    if (config == null) {
      return;
    }
    if (config.nodePlacement != null && config.nodePlacement.nodeSelector != null) {
      pod.put("nodeSelector", new LinkedHashMap<>(config.nodePlacement.nodeSelector));
      // OCM sets the tolerations only when a nodeSelector is set, and replaces the template's (decorator.go; §I7.1)
      List<Toleration> tolerations = config.nodePlacement.tolerations;
      if (tolerations == null) {
        pod.remove("tolerations");
      } else {
        pod.put("tolerations", tolerations.stream().map(Manifests::toMap).toList());
      }
    }
    if (config.registries != null && !config.registries.isEmpty()) {
      for (Map<String, Object> c : containers) {
        c.put("image", overrideImage(config.registries, Manifests.string(c.get("image"))));
      }
    }
    AddOnDeploymentConfig.ProxyConfig proxy = config.proxyConfig;
    if (proxy != null) {
      Map<String, String> env = new LinkedHashMap<>();
      if (notEmpty(proxy.httpProxy)) {
        env.put("HTTP_PROXY", proxy.httpProxy);
        env.put("http_proxy", proxy.httpProxy);
      }
      if (notEmpty(proxy.httpsProxy)) {
        env.put("HTTPS_PROXY", proxy.httpsProxy);
        env.put("https_proxy", proxy.httpsProxy);
      }
      if (notEmpty(proxy.noProxy)) {
        env.put("NO_PROXY", proxy.noProxy);
        env.put("no_proxy", proxy.noProxy);
      }
      if (!env.isEmpty()) {
        containers.forEach(c -> env.forEach((k, v) -> addEnv(c, k, v)));
        if (notEmpty(proxy.caBundle)) {
          containers.forEach(c -> addEnv(c, "CA_BUNDLE_FILE_PATH", "/managed/proxy-ca/ca-bundle.crt"));
          mount(pod, containers, "proxy-ca-bundle", "/managed/proxy-ca",
              Map.of("configMap", Map.of("name", AddOnNames.proxyCaConfigMap(addon))));
        }
      }
    }
  }

  /** addonfactory.OverrideImage: each mirror is tried on the original name; the last that changes it wins. */
  static String overrideImage(List<AddOnDeploymentConfig.ImageMirror> registries, String image) {
    String result = image;
    for (AddOnDeploymentConfig.ImageMirror r : registries) {
      String mirrored = overrideImageDirectly(Manifests.string(r.source), Manifests.string(r.mirror), image);
      if (!mirrored.equals(image)) {
        result = mirrored;
      }
    }
    return result;
  }

  private static String overrideImageDirectly(String source, String mirror, String image) {
    source = trimSlash(source);
    mirror = trimSlash(mirror);
    String nameAndTag = image.substring(image.lastIndexOf('/') + 1);
    if (source.isEmpty()) {
      return mirror.isEmpty() ? nameAndTag : mirror + "/" + nameAndTag;
    }
    return image.startsWith(source) ? mirror + image.substring(source.length()) : image;
  }

  private static String trimSlash(String s) { return s.endsWith("/") ? s.substring(0, s.length() - 1) : s; }

  /** The namespace decorator: namespaced objects, a Namespace's name, and every binding subject's namespace. */
  private static void moveToNamespace(Map<String, Object> object, String namespace) {
    Map<String, Object> metadata = Manifests.metadata(object);
    if (!Manifests.namespace(object).isEmpty()) {
      metadata.put("namespace", namespace);
    }
    switch (Manifests.kind(object)) {
      case "Namespace" -> metadata.put("name", namespace);
      case "RoleBinding", "ClusterRoleBinding" -> {
        if (!(object.get("subjects") instanceof List<?> subjects)) {
          throw new RenderException(Manifests.kind(object) + " " + Manifests.name(object)
              + ": failed to find field subjects");
        }
        for (Object subject : subjects) {
          if (subject instanceof Map<?, ?> s) {
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) s;
            m.put("namespace", namespace);
          }
        }
      }
      default -> { }
    }
  }

  /**
   * The registration namespace (TemplateAgentRegistrationNamespaceFunc): the ADC's install namespace, else that of the
   * template's first Deployment, else of a DaemonSet before it, else OCM's default. Read from the template as written,
   * before rendering.
   */
  static String registrationNamespace(List<ManifestWork.Manifest> manifests, String installNamespace) {
    if (!installNamespace.isEmpty()) {
      return installNamespace;
    }
    String deployment = "";
    String daemonSet = "";
    for (ManifestWork.Manifest m : manifests) {
      Map<String, Object> raw = Manifests.toMap(m);
      if (Manifests.isDeployment(raw)) {
        deployment = Manifests.namespace(raw);
        break;
      }
      if (daemonSet.isEmpty() && Manifests.isDaemonSet(raw)) {
        daemonSet = Manifests.namespace(raw);
      }
    }
    return !deployment.isEmpty() ? deployment : !daemonSet.isEmpty() ? daemonSet : AddOnNames.DEFAULT_INSTALL_NAMESPACE;
  }

  /** WellKnownStatus for every workload, then the template's manifestConfigs merged per object (mergeFeedbackRule). */
  static List<ManifestWork.ManifestConfig> manifestConfigs(List<Map<String, Object>> objects, AddOnTemplate template) {
    List<ManifestWork.ManifestConfig> configs = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      if (Manifests.isDeployment(o) || Manifests.isDaemonSet(o)) {
        ManifestWork.ManifestConfig c = new ManifestWork.ManifestConfig();
        c.resourceIdentifier = Manifests.identifier(o);
        ManifestWork.FeedbackRule rule = new ManifestWork.FeedbackRule();
        rule.type = ManifestWork.FEEDBACK_WELL_KNOWN_STATUS;
        c.feedbackRules = new ArrayList<>(List.of(rule));
        configs.add(c);
      }
    }
    List<ManifestWork.ManifestConfig> own = template.getSpec().agentSpec == null
        || template.getSpec().agentSpec.manifestConfigs == null ? List.of() : template.getSpec().agentSpec.manifestConfigs;
    for (ManifestWork.ManifestConfig mine : own) {
      ManifestWork.ManifestConfig existing = configs.stream()
          .filter(c -> Manifests.sameObject(c.resourceIdentifier, mine.resourceIdentifier)).findFirst().orElse(null);
      if (existing == null) {
        configs.add(Manifests.JSON.convertValue(mine, ManifestWork.ManifestConfig.class));
        continue;
      }
      for (ManifestWork.FeedbackRule rule : mine.feedbackRules == null ? List.<ManifestWork.FeedbackRule>of()
          : mine.feedbackRules) {
        mergeFeedbackRule(existing.feedbackRules, rule);
      }
    }
    return configs;
  }

  private static void mergeFeedbackRule(List<ManifestWork.FeedbackRule> rules, ManifestWork.FeedbackRule rule) {
    if (ManifestWork.FEEDBACK_WELL_KNOWN_STATUS.equals(rule.type)) {
      if (rules.stream().noneMatch(r -> ManifestWork.FEEDBACK_WELL_KNOWN_STATUS.equals(r.type))) {
        rules.add(rule);
      }
      return;
    }
    if (ManifestWork.FEEDBACK_JSON_PATHS.equals(rule.type)) {
      List<String> known = rules.stream().filter(r -> r.jsonPaths != null).flatMap(r -> r.jsonPaths.stream())
          .map(p -> p.name).toList();
      List<ManifestWork.JsonPath> added = rule.jsonPaths == null ? List.of()
          : rule.jsonPaths.stream().filter(p -> !known.contains(p.name)).toList();
      if (!added.isEmpty()) {
        ManifestWork.FeedbackRule r = new ManifestWork.FeedbackRule();
        r.type = ManifestWork.FEEDBACK_JSON_PATHS;
        r.jsonPaths = new ArrayList<>(added);
        rules.add(r);
      }
      return;
    }
    rules.add(rule);
  }

  /** Objects annotated deletion-orphan stay on the spoke when the work goes (docs/ocm-facts.md §I7.3). */
  static ManifestWork.DeleteOption deleteOption(List<Map<String, Object>> objects) {
    List<ManifestWork.ResourceIdentifier> orphans = objects.stream()
        .filter(o -> Manifests.annotations(o).containsKey(AddOnNames.DELETION_ORPHAN_ANNOTATION))
        .map(Manifests::identifier).toList();
    if (orphans.isEmpty()) {
      return null;
    }
    ManifestWork.DeleteOption option = new ManifestWork.DeleteOption();
    option.propagationPolicy = ManifestWork.DELETE_SELECTIVELY_ORPHAN;
    option.selectivelyOrphans = new ManifestWork.SelectivelyOrphan();
    option.selectivelyOrphans.orphaningRules = new ArrayList<>(orphans);
    return option;
  }

  /** The workload probe's targets: every DaemonSet, every Deployment but those with 0 replicas (§I1.6). */
  static List<ManifestWork.ResourceIdentifier> probes(List<Map<String, Object>> objects) {
    List<ManifestWork.ResourceIdentifier> probes = new ArrayList<>();
    for (Map<String, Object> o : objects) {
      if (Manifests.isDaemonSet(o)) {
        probes.add(Manifests.identifier(o));
      } else if (Manifests.isDeployment(o)) {
        Object replicas = Manifests.map(o, "spec").get("replicas");
        if (!(replicas instanceof Number n) || n.intValue() != 0) {
          probes.add(Manifests.identifier(o));
        }
      }
    }
    return probes;
  }

  private static Map<String, Object> proxyCaConfigMap(String addon, String caBundleBase64) {
    Map<String, Object> cm = new LinkedHashMap<>();
    cm.put("apiVersion", "v1");
    cm.put("kind", "ConfigMap");
    // OCM puts it in its default namespace; only an ADC install namespace moves it (§I7.1)
    cm.put("metadata", new LinkedHashMap<>(Map.of("name", AddOnNames.proxyCaConfigMap(addon),
        "namespace", AddOnNames.DEFAULT_INSTALL_NAMESPACE)));
    cm.put("data", new LinkedHashMap<>(Map.of("ca-bundle.crt",
        new String(Base64.getDecoder().decode(caBundleBase64), StandardCharsets.UTF_8))));
    return cm;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> containers(Map<String, Object> pod) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (Object c : Manifests.list(pod, "containers")) {
      if (c instanceof Map<?, ?> m) {
        result.add((Map<String, Object>) m);
      }
    }
    return result;
  }

  private static void addEnv(Map<String, Object> container, String name, String value) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("name", name);
    env.put("value", value);
    Manifests.list(container, "env").add(env);
  }

  private static void mount(Map<String, Object> pod, List<Map<String, Object>> containers, String volume, String path,
                            Map<String, Object> source) {
    for (Map<String, Object> c : containers) {
      Map<String, Object> mount = new LinkedHashMap<>();
      mount.put("name", volume);
      mount.put("mountPath", path);
      Manifests.list(c, "volumeMounts").add(mount);
    }
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", volume);
    v.putAll(Manifests.toMap(source));
    Manifests.list(pod, "volumes").add(v);
  }

  private static boolean notEmpty(String s) { return s != null && !s.isEmpty(); }
}
