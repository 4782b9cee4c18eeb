package io.flotilla.sandbox.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Discovery documents (/api, /api/v1, /apis, /apis/group, /apis/group/version) for the built-in resources the sandbox
 * uses plus every registered CRD, so kubectl can map "get hostedclusters" or "get hc" to a URL.
 */
final class Discovery {
  /** A resource as discovery describes it. */
  record Resource(String name, String singular, String kind, boolean namespaced, List<String> shortNames, boolean status) {
    /** A built-in resource: discovery lists a status subresource for each, as the sandbox always has. */
    Resource(String name, String singular, String kind, boolean namespaced, List<String> shortNames) {
      this(name, singular, kind, namespaced, shortNames, true);
    }
  }

  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  /** Built-in group/version → resources. Core is under the empty group. */
  private static final Map<String, List<Resource>> BUILT_IN = new LinkedHashMap<>();

  static {
    BUILT_IN.put("/v1", List.of(
        new Resource("namespaces", "namespace", "Namespace", false, List.of("ns")),
        new Resource("services", "service", "Service", true, List.of("svc")),
        new Resource("secrets", "secret", "Secret", true, List.of()),
        new Resource("configmaps", "configmap", "ConfigMap", true, List.of("cm")),
        new Resource("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa")),
        new Resource("events", "event", "Event", true, List.of("ev")),
        new Resource("pods", "pod", "Pod", true, List.of("po")),
        new Resource("nodes", "node", "Node", false, List.of("no")),
        new Resource("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, List.of("pvc"))));
    BUILT_IN.put("apps/v1", List.of(
        new Resource("deployments", "deployment", "Deployment", true, List.of("deploy")),
        new Resource("statefulsets", "statefulset", "StatefulSet", true, List.of("sts")),
        new Resource("replicasets", "replicaset", "ReplicaSet", true, List.of("rs"))));
    BUILT_IN.put("coordination.k8s.io/v1", List.of(
        new Resource("leases", "lease", "Lease", true, List.of())));
    BUILT_IN.put("rbac.authorization.k8s.io/v1", List.of(
        new Resource("roles", "role", "Role", true, List.of()),
        new Resource("rolebindings", "rolebinding", "RoleBinding", true, List.of()),
        new Resource("clusterroles", "clusterrole", "ClusterRole", false, List.of()),
        new Resource("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, List.of())));
    BUILT_IN.put("events.k8s.io/v1", List.of(
        new Resource("events", "event", "Event", true, List.of("ev"))));
    BUILT_IN.put("admissionregistration.k8s.io/v1", List.of(
        new Resource("validatingwebhookconfigurations", "validatingwebhookconfiguration",
            "ValidatingWebhookConfiguration", false, List.of())));
    BUILT_IN.put("apiextensions.k8s.io/v1", List.of(
        new Resource("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false,
            List.of("crd", "crds"))));
  }

  private final ObjectMapper mapper;
  private final CrdCatalog catalog;

  Discovery(ObjectMapper mapper, CrdCatalog catalog) {
    this.mapper = mapper;
    this.catalog = catalog;
  }

  /** The document for a discovery path, or empty when the path is not a discovery path we know. */
  Optional<ObjectNode> document(String path) {
    if (path.equals("/api")) {
      ObjectNode node = mapper.createObjectNode().put("kind", "APIVersions");
      node.putArray("versions").add("v1");
      node.putArray("serverAddressByClientCIDRs");
      return Optional.of(node);
    }
    if (path.equals("/api/v1")) {
      return Optional.of(resourceList("v1", BUILT_IN.get("/v1")));
    }
    if (path.equals("/apis")) {
      ObjectNode node = mapper.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
      ArrayNode groups = node.putArray("groups");
      groups().forEach((group, versions) -> groups.add(group(group, versions)));
      return Optional.of(node);
    }
    if (path.startsWith("/apis/")) {
      String[] parts = path.substring("/apis/".length()).split("/");
      Map<String, List<String>> groups = groups();
      if (parts.length == 1 && groups.containsKey(parts[0])) {
        return Optional.of(group(parts[0], groups.get(parts[0])).put("kind", "APIGroup").put("apiVersion", "v1"));
      }
      if (parts.length == 2 && groups.getOrDefault(parts[0], List.of()).contains(parts[1])) {
        return Optional.of(resourceList(parts[0] + "/" + parts[1], resources(parts[0], parts[1])));
      }
    }
    return Optional.empty();
  }

  /** Group → versions (preferred first), built-in groups first, then CRD groups in name order. */
  private Map<String, List<String>> groups() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    BUILT_IN.keySet().stream().filter(gv -> !gv.startsWith("/")).forEach(gv -> {
      String[] parts = gv.split("/");
      groups.computeIfAbsent(parts[0], g -> new ArrayList<>()).add(parts[1]);
    });
    catalog.all().stream().sorted((a, b) -> a.getSpec().getGroup().compareTo(b.getSpec().getGroup())).forEach(crd -> {
      List<String> versions = groups.computeIfAbsent(crd.getSpec().getGroup(), g -> new ArrayList<>());
      crd.getSpec().getVersions().stream().filter(v -> !Boolean.FALSE.equals(v.getServed()))
          .sorted((a, b) -> Boolean.compare(Boolean.TRUE.equals(b.getStorage()), Boolean.TRUE.equals(a.getStorage())))
          .map(CustomResourceDefinitionVersion::getName)
          .filter(v -> !versions.contains(v))
          .forEach(versions::add);
    });
    return groups;
  }

  private List<Resource> resources(String group, String version) {
    List<Resource> resources = new ArrayList<>(BUILT_IN.getOrDefault(group + "/" + version, List.of()));
    for (CustomResourceDefinition crd : catalog.all()) {
      var served = CrdCatalog.version(crd, version);
      if (crd.getSpec().getGroup().equals(group) && served.isPresent()) {
        var names = crd.getSpec().getNames();
        // A CRD's /status is listed only where its version has the subresource, as OCM's AddOnTemplate and
        // AddOnDeploymentConfig do not (docs/ocm-facts.md §I5.1).
        boolean status = served.get().getSubresources() != null && served.get().getSubresources().getStatus() != null;
        resources.add(new Resource(names.getPlural(), names.getSingular(), names.getKind(),
            "Namespaced".equals(crd.getSpec().getScope()),
            names.getShortNames() == null ? List.of() : names.getShortNames(), status));
      }
    }
    return resources;
  }

  private ObjectNode group(String name, List<String> versions) {
    ObjectNode node = mapper.createObjectNode().put("name", name);
    ArrayNode list = node.putArray("versions");
    versions.forEach(v -> list.addObject().put("groupVersion", name + "/" + v).put("version", v));
    node.putObject("preferredVersion").put("groupVersion", name + "/" + versions.get(0)).put("version", versions.get(0));
    return node;
  }

  private ObjectNode resourceList(String groupVersion, List<Resource> resources) {
    ObjectNode node = mapper.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", groupVersion);
    ArrayNode list = node.putArray("resources");
    for (Resource r : resources) {
      ObjectNode resource = list.addObject().put("name", r.name()).put("singularName", r.singular())
          .put("namespaced", r.namespaced()).put("kind", r.kind());
      VERBS.forEach(resource.putArray("verbs")::add);
      if (!r.shortNames().isEmpty()) {
        r.shortNames().forEach(resource.putArray("shortNames")::add);
      }
      if (!r.status()) {
        continue;
      }
      // The mock honours /status for registered CRDs that declare it.
      ObjectNode status = list.addObject().put("name", r.name() + "/status").put("singularName", "")
          .put("namespaced", r.namespaced()).put("kind", r.kind());
      List.of("get", "patch", "update").forEach(status.putArray("verbs")::add);
    }
    if (groupVersion.equals("v1")) {
      ObjectNode token = list.addObject().put("name", "serviceaccounts/token").put("singularName", "")
          .put("namespaced", true).put("group", "authentication.k8s.io").put("version", "v1").put("kind", "TokenRequest");
      token.putArray("verbs").add("create");
    }
    return node;
  }
}
