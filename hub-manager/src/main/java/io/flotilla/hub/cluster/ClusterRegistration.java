package io.flotilla.hub.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamedClusterBuilder;
import io.fabric8.kubernetes.api.model.NamedContextBuilder;
import io.fabric8.kubernetes.api.model.NamedAuthInfoBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.Validation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a management cluster joins the hub (OCM's cluster-namespace model, docs/ocm-facts.md §2.2): a ManagementCluster, a
 * namespace of the same name, the agent's ServiceAccount in it, a Role + RoleBinding that lets the agent read its
 * objects there and write only their status, and a ClusterRole + ClusterRoleBinding limited by resourceNames to its
 * own ManagementCluster. Then a token for the ServiceAccount through the TokenRequest API. Idempotent.
 */
public class ClusterRegistration {
  public static final String AGENT_SERVICE_ACCOUNT = "flotilla-agent";
  public static final String AGENT_ROLE = "flotilla-agent";
  public static final String AGENT_LEASE = "flotilla-agent";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "flotilla";
  public static final String CLUSTER_LABEL = "cluster.flotilla.io/name";
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(24);

  private static final Logger log = LoggerFactory.getLogger(ClusterRegistration.class);

  public record Registration(String clusterName, String namespace, String serviceAccount, String token,
                             Instant tokenExpiry) {
    /** Never print the token. */
    @Override
    public String toString() {
      return "Registration[clusterName=" + clusterName + ", namespace=" + namespace + ", serviceAccount="
          + serviceAccount + ", token=<redacted>, tokenExpiry=" + tokenExpiry + "]";
    }
  }

  private final KubernetesClient hub;

  public ClusterRegistration(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub, "hub");
  }

  public static String clusterRoleName(String cluster) { return "flotilla:cluster:" + cluster; }

  /**
   * Sets how often the cluster's agent heartbeats. A JSON merge patch of that one field, without a resourceVersion:
   * the hub-manager writes the same object's status concurrently, and a read-modify-write would meet 409 Conflicts.
   */
  public void setLeaseDuration(String clusterName, Duration leaseDuration) {
    int seconds = (int) Math.max(1, leaseDuration.toSeconds());
    hub.resources(ManagementCluster.class).withName(clusterName).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"spec\":{\"leaseDurationSeconds\":" + seconds + "}}");
  }

  public Registration join(String clusterName, Map<String, String> labels, Duration tokenTtl) {
    validateName(clusterName);
    Map<String, String> wanted = labels == null ? Map.of() : labels;
    Duration ttl = tokenTtl == null ? DEFAULT_TOKEN_TTL : tokenTtl;

    ManagementCluster existing = hub.resources(ManagementCluster.class).withName(clusterName).get();
    if (existing == null) {
      ManagementCluster mc = new ManagementCluster();
      mc.getMetadata().setName(clusterName);
      mc.getMetadata().setLabels(new HashMap<>(wanted));
      mc.setStatus(null);
      hub.resource(io.flotilla.hub.acm.HubBackupLabel.stamp(mc)).create();
      log.info("created ManagementCluster {}", clusterName);
    } else {
      Map<String, String> current = existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
      if (!wanted.entrySet().stream().allMatch(e -> e.getValue().equals(current.get(e.getKey())))) {
        hub.resources(ManagementCluster.class).withName(clusterName).edit(mc -> {
          Map<String, String> merged = new HashMap<>(current);
          merged.putAll(wanted);
          mc.getMetadata().setLabels(merged);
          return mc;
        });
      }
    }
    if (hub.namespaces().withName(clusterName).get() == null) {
      hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(clusterName)
          .withLabels(managedLabels(clusterName)).endMetadata().build()).create();
    }
    if (hub.serviceAccounts().inNamespace(clusterName).withName(AGENT_SERVICE_ACCOUNT).get() == null) {
      hub.serviceAccounts().inNamespace(clusterName).resource(new ServiceAccountBuilder().withNewMetadata()
          .withName(AGENT_SERVICE_ACCOUNT).withNamespace(clusterName).withLabels(managedLabels(clusterName))
          .endMetadata().build()).create();
    }
    for (HasMetadata rbac : List.<HasMetadata>of(agentRole(clusterName), agentRoleBinding(clusterName),
        agentClusterRole(clusterName), agentClusterRoleBinding(clusterName))) {
      hub.resource(rbac).createOr(NonDeletingOperation::update);
    }

    TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(ttl.toSeconds()).endSpec().build();
    TokenRequest response = hub.serviceAccounts().inNamespace(clusterName).withName(AGENT_SERVICE_ACCOUNT)
        .tokenRequest(request);
    if (response == null || response.getStatus() == null || response.getStatus().getToken() == null) {
      throw new IllegalStateException("the hub returned no token for serviceaccount " + clusterName + "/"
          + AGENT_SERVICE_ACCOUNT);
    }
    String expiry = response.getStatus().getExpirationTimestamp();
    Instant tokenExpiry = expiry == null || expiry.isBlank() ? Instant.now().plus(ttl) : Instant.parse(expiry);
    log.info("cluster {} registered; agent token valid until {}", clusterName, tokenExpiry);
    return new Registration(clusterName, clusterName, AGENT_SERVICE_ACCOUNT, response.getStatus().getToken(), tokenExpiry);
  }

  private static void validateName(String clusterName) {
    if (clusterName == null || clusterName.length() > 63 || !clusterName.matches(Validation.DNS1123_LABEL)) {
      throw new IllegalArgumentException("invalid cluster name \"" + clusterName
          + "\": must be a DNS label (lower-case letters, digits and '-', at most 63 characters)");
    }
  }

  private static Map<String, String> managedLabels(String cluster) {
    return Map.of(MANAGED_BY_LABEL, MANAGED_BY, CLUSTER_LABEL, cluster);
  }

  // ---- RBAC: every rule the agent gets, in one place -------------------------------------------------------

  /** Namespaced rules for the cluster namespace: read the cluster's objects, write only their status. */
  public static List<PolicyRule> agentNamespaceRules() {
    return List.of(
        rule("addon.flotilla.io", List.of("managedaddons"), List.of("get", "list", "watch")),
        rule("addon.flotilla.io", List.of("managedaddons/status"), List.of("get", "patch", "update")),
        rule("dr.flotilla.io", List.of("hostedclusterbackups", "hostedclusterrestores", "hostedclusterpauses",
            "hostedclusterteardowns"), List.of("get", "list", "watch")),
        // metadata writes only for the agent's own finalizers: a backup record is held until its objects are deleted,
        // a hold until it is released, a ManagedAddOn until the add-on is uninstalled from the spoke
        rule("dr.flotilla.io", List.of("hostedclusterbackups", "hostedclusterpauses"), List.of("patch", "update")),
        rule("addon.flotilla.io", List.of("managedaddons"), List.of("patch", "update")),
        // scheduled backups: the agent runs its cluster's schedule and records each backup it takes
        rule("dr.flotilla.io", List.of("hostedclusterbackups"), List.of("create")),
        rule("", List.of("configmaps"), List.of("get", "list", "watch")),
        rule("dr.flotilla.io", List.of("hostedclusterbackups/status", "hostedclusterrestores/status",
            "hostedclusterpauses/status", "hostedclusterteardowns/status"), List.of("get", "patch", "update")),
        rule("coordination.k8s.io", List.of("leases"), List.of("get", "create", "update")),
        rule("", List.of("events"), List.of("create", "patch")),
        rule("events.k8s.io", List.of("events"), List.of("create", "patch")));
  }

  /** Cluster-wide rules, limited by resourceNames to the cluster's own ManagementCluster. */
  public static List<PolicyRule> agentClusterRules(String cluster) {
    return List.of(
        new PolicyRuleBuilder().withApiGroups(ManagementCluster.GROUP).withResources("managementclusters")
            .withResourceNames(cluster).withVerbs("get", "list", "watch").build(),
        new PolicyRuleBuilder().withApiGroups(ManagementCluster.GROUP).withResources("managementclusters/status")
            .withResourceNames(cluster).withVerbs("patch", "update").build(),
        rule("dr.flotilla.io", List.of("backupstores"), List.of("get", "list", "watch")),
        rule("addon.flotilla.io", List.of("addonreleases"), List.of("get", "list", "watch")));
  }

  private static PolicyRule rule(String group, List<String> resources, List<String> verbs) {
    return new PolicyRuleBuilder().withApiGroups(group).withResources(resources).withVerbs(verbs).build();
  }

  public static Role agentRole(String cluster) {
    return new RoleBuilder().withNewMetadata().withName(AGENT_ROLE).withNamespace(cluster)
        .withLabels(managedLabels(cluster)).endMetadata().withRules(agentNamespaceRules()).build();
  }

  public static RoleBinding agentRoleBinding(String cluster) {
    return new RoleBindingBuilder().withNewMetadata().withName(AGENT_ROLE).withNamespace(cluster)
        .withLabels(managedLabels(cluster)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(AGENT_ROLE).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(AGENT_SERVICE_ACCOUNT).withNamespace(cluster).endSubject()
        .build();
  }

  public static ClusterRole agentClusterRole(String cluster) {
    return new ClusterRoleBuilder().withNewMetadata().withName(clusterRoleName(cluster))
        .withLabels(managedLabels(cluster)).endMetadata().withRules(agentClusterRules(cluster)).build();
  }

  public static ClusterRoleBinding agentClusterRoleBinding(String cluster) {
    return new ClusterRoleBindingBuilder().withNewMetadata().withName(clusterRoleName(cluster))
        .withLabels(managedLabels(cluster)).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(clusterRoleName(cluster)).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(AGENT_SERVICE_ACCOUNT).withNamespace(cluster).endSubject()
        .build();
  }

  // ---- kubeconfig ------------------------------------------------------------------------------------------

  /** A kubeconfig for the agent: the hub server, its CA (if given), the token; namespace = the cluster namespace. */
  /**
   * The agent's kubeconfig for the hub that {@code hubConfig} talks to: same server, same CA (inline data or the
   * file a kubeconfig's certificate-authority names), the agent's token.
   */
  public static String agentKubeconfig(io.fabric8.kubernetes.client.Config hubConfig, String token, String clusterName) {
    String caPem = null;
    if (hubConfig.getCaCertData() != null && !hubConfig.getCaCertData().isBlank()) {
      caPem = new String(Base64.getDecoder().decode(hubConfig.getCaCertData().trim()), StandardCharsets.UTF_8);
    } else if (hubConfig.getCaCertFile() != null && !hubConfig.getCaCertFile().isBlank()) {
      try {
        caPem = java.nio.file.Files.readString(java.nio.file.Path.of(hubConfig.getCaCertFile()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot read the hub's CA " + hubConfig.getCaCertFile(), e);
      }
    }
    return agentKubeconfig(hubConfig.getMasterUrl(), caPem, token, clusterName);
  }

  public static String agentKubeconfig(String serverUrl, String caPem, String token, String clusterName) {
    Objects.requireNonNull(serverUrl, "serverUrl");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(clusterName, "clusterName");
    String user = AGENT_SERVICE_ACCOUNT + "@" + clusterName;
    var cluster = new NamedClusterBuilder().withName("flotilla-hub").withNewCluster().withServer(serverUrl);
    if (caPem != null && !caPem.isBlank()) {
      cluster = cluster.withCertificateAuthorityData(
          Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
    }
    var config = new io.fabric8.kubernetes.api.model.ConfigBuilder()
        .withApiVersion("v1").withKind("Config")
        .withClusters(cluster.endCluster().build())
        .withUsers(new NamedAuthInfoBuilder().withName(user).withNewUser().withToken(token).endUser().build())
        .withContexts(new NamedContextBuilder().withName(clusterName).withNewContext()
            .withCluster("flotilla-hub").withUser(user).withNamespace(clusterName).endContext().build())
        .withCurrentContext(clusterName)
        .build();
    return new KubernetesSerialization().asYaml(config);
  }
}
