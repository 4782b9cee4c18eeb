package io.flotilla.sandbox.ocm.addon;

import java.util.List;

/**
 * The names OCM's addon-manager and klusterlet give the objects of a template add-on, in one place: a reader of the
 * sandbox finds the same names as on a real hub (docs/ocm-facts.md §I1.4, §I1.5, §I1.8, §I7).
 */
public final class AddOnNames {
  private AddOnNames() {}

  /** On the add-on's ManifestWorks and RoleBindings on the hub (docs/ocm-facts.md §1.2). */
  public static final String ADDON_NAME_LABEL = "open-cluster-management.io/addon-name";
  /** On the permission RoleBinding, empty value (docs/ocm-facts.md §I1.5). */
  public static final String ADDON_TEMPLATE_LABEL = "open-cluster-management.io/addon-template-name";
  /** An object of the template with this annotation stays on the spoke when the add-on goes (docs/ocm-facts.md §I7.3). */
  public static final String DELETION_ORPHAN_ANNOTATION = "addon.open-cluster-management.io/deletion-orphan";
  /** Where the addon-manager runs on a real hub; the escalation guard's binding names its ServiceAccount (§I1.5). */
  public static final String ADDON_MANAGER_NAMESPACE = "open-cluster-management-hub";
  public static final String ADDON_MANAGER_SERVICE_ACCOUNT = "addon-manager-controller-sa";
  /** Where an add-on's agent goes when nothing else says (docs/ocm-facts.md §I1.3). */
  public static final String DEFAULT_INSTALL_NAMESPACE = "open-cluster-management-agent-addon";
  /** The token driver's objects on the hub carry these labels (docs/ocm-facts.md §I7.5). */
  public static final String TOKEN_INFRASTRUCTURE_LABEL = "addon.open-cluster-management.io/token-infrastructure";
  public static final String TOKEN_ADDON_LABEL = "addon.open-cluster-management.io/name";
  public static final String TOKEN_INFRASTRUCTURE_READY = "TokenInfrastructureReady";
  public static final String REGISTRATION_APPLIED = "RegistrationApplied";
  /** Built-in variable values (docs/ocm-facts.md §I1.3, §I1.4). */
  public static final String HUB_KUBECONFIG_MOUNT = "/managed/hub-kubeconfig";
  public static final String HUB_KUBECONFIG_PATH = HUB_KUBECONFIG_MOUNT + "/kubeconfig";
  public static final String HUB_KUBECONFIG_VOLUME = "hub-kubeconfig";
  /** Keys of the hub-kubeconfig Secret on the spoke (docs/ocm-facts.md §I1.4, §I7.5). */
  public static final String SECRET_KUBECONFIG = "kubeconfig";
  public static final String SECRET_TOKEN = "token";
  public static final String SECRET_CLUSTER_NAME = "cluster-name";
  public static final String SECRET_AGENT_NAME = "agent-name";

  /** The first (and in the sandbox only) deploy work: {@code addon-<addon>-deploy-0} (docs/ocm-facts.md §1.6). */
  public static String deployWork(String addon) { return "addon-" + addon + "-deploy-0"; }

  /** The template agent's name (docs/ocm-facts.md §I1.4); also the token driver's ServiceAccount (§I7.5). */
  public static String agent(String addon) { return addon + "-agent"; }

  public static String hubKubeconfigSecret(String addon) { return addon + "-hub-kubeconfig"; }

  /** CurrentCluster binds a ClusterRole, SingleNamespace a Role or ClusterRole, under this name (docs/ocm-facts.md §I1.5). */
  public static String permissionBinding(String addon, String roleKind) {
    return "open-cluster-management:" + addon + ":" + roleKind.toLowerCase(java.util.Locale.ROOT) + ":agent";
  }

  /** The CSR driver's identity: user and groups (docs/ocm-facts.md §I1.4). */
  public static String defaultUser(String cluster, String addon) {
    return "system:open-cluster-management:cluster:" + cluster + ":addon:" + addon + ":agent:" + agent(addon);
  }

  public static List<String> defaultGroups(String cluster, String addon) {
    return List.of("system:open-cluster-management:cluster:" + cluster + ":addon:" + addon,
        "system:open-cluster-management:addon:" + addon);
  }

  /** The token driver's identity: the ServiceAccount {@code <addon>-agent} in the cluster namespace (§I7.5). */
  public static String tokenUser(String cluster, String addon) {
    return "system:serviceaccount:" + cluster + ":" + agent(addon);
  }

  public static String tokenRole(String addon) { return addon + "-token-role"; }

  /** The proxy CA bundle the template controller adds as a ConfigMap (docs/ocm-facts.md §I7.1). */
  public static String proxyCaConfigMap(String addon) { return addon + "-proxy-ca"; }
}
