package io.flotilla.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ClusterRegistrationTest {
  KubernetesMockServer server;
  KubernetesClient client;

  static final String[] CRDS = {"managementclusters.cluster.flotilla.io", "managedaddons.addon.flotilla.io",
      "hostedclusterbackups.dr.flotilla.io", "hostedclusterrestores.dr.flotilla.io", "backupstores.dr.flotilla.io",
      "hostedclusterpauses.dr.flotilla.io", "hostedclusterteardowns.dr.flotilla.io"};

  static CustomResourceDefinition crd(KubernetesClient client, String name) throws Exception {
    try (InputStream in = ClusterRegistrationTest.class.getResourceAsStream("/META-INF/fabric8/" + name + "-v1.yml")) {
      assertThat(in).as(name).isNotNull();
      return client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    }
  }

  static void stubTokenRequest(KubernetesMockServer server, String cluster, String token) {
    server.expect().post().withPath("/api/v1/namespaces/" + cluster + "/serviceaccounts/flotilla-agent/token")
        .andReturn(201, new TokenRequestBuilder().withNewStatus().withToken(token)
            .withExpirationTimestamp("2030-01-01T00:00:00Z").endStatus().build())
        .always();
  }

  @BeforeEach
  void crds() throws Exception {
    client.resource(crd(client, CRDS[0])).create();
  }

  @Test
  void joinIsIdempotentAndKeepsSpec() {
    stubTokenRequest(server, "mc1", "tok-1");
    var reg = new ClusterRegistration(client);
    var first = reg.join("mc1", Map.of("env", "dev"), Duration.ofHours(1));
    assertThat(first.token()).isEqualTo("tok-1");
    assertThat(first.namespace()).isEqualTo("mc1");
    assertThat(first.serviceAccount()).isEqualTo("flotilla-agent");
    assertThat(first.tokenExpiry()).hasToString("2030-01-01T00:00:00Z");
    assertThat(first.toString()).doesNotContain("tok-1");

    // an operator edits the spec in between; a second join must not undo it
    client.resources(ManagementCluster.class).withName("mc1").edit(mc -> {
      mc.getSpec().leaseDurationSeconds = 30;
      return mc;
    });
    var second = reg.join("mc1", Map.of("env", "dev", "region", "eu"), Duration.ofHours(1));
    assertThat(second.clusterName()).isEqualTo("mc1");

    assertThat(client.resources(ManagementCluster.class).list().getItems()).hasSize(1);
    var mc = client.resources(ManagementCluster.class).withName("mc1").get();
    assertThat(mc.getMetadata().getLabels()).containsEntry("env", "dev").containsEntry("region", "eu");
    assertThat(mc.getSpec().leaseDurationSeconds).isEqualTo(30);
    assertThat(client.namespaces().withName("mc1").get()).isNotNull();
    assertThat(client.serviceAccounts().inNamespace("mc1").list().getItems()).hasSize(1);
    assertThat(client.rbac().roles().inNamespace("mc1").list().getItems()).hasSize(1);
    assertThat(client.rbac().roleBindings().inNamespace("mc1").list().getItems()).hasSize(1);
    var role = client.rbac().roles().inNamespace("mc1").withName("flotilla-agent").get();
    assertThat(role.getRules()).isEqualTo(ClusterRegistration.agentRole("mc1").getRules());
    var crb = client.rbac().clusterRoleBindings().withName("flotilla:cluster:mc1").get();
    assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getNamespace()).isEqualTo("mc1");
      assertThat(s.getName()).isEqualTo("flotilla-agent");
    });
  }

  @Test
  void roleOnlyGrantsNamespacedResourcesInTheClusterNamespace() throws Exception {
    Set<String> namespaced = new HashSet<>(Set.of("coordination.k8s.io/leases", "/events", "events.k8s.io/events",
        "/configmaps"));
    Set<String> clusterScoped = new HashSet<>();
    for (String name : CRDS) {
      var crd = crd(client, name);
      String key = crd.getSpec().getGroup() + "/" + crd.getSpec().getNames().getPlural();
      ("Namespaced".equals(crd.getSpec().getScope()) ? namespaced : clusterScoped).add(key);
    }
    var role = ClusterRegistration.agentRole("mc7");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("mc7");
    assertThat(ClusterRegistration.agentRoleBinding("mc7").getMetadata().getNamespace()).isEqualTo("mc7");
    for (PolicyRule rule : role.getRules()) {
      assertThat(rule.getResourceNames()).isNullOrEmpty();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          assertThat(resource).isNotEqualTo("*");
          String base = resource.contains("/") ? resource.substring(0, resource.indexOf('/')) : resource;
          assertThat(namespaced).as("rule %s/%s", group, resource).contains(group + "/" + base);
        }
      }
      if (rule.getResources().stream().anyMatch(r -> r.startsWith("managedaddons") || r.startsWith("hostedcluster"))) {
        // the agent reads its objects and writes their status; on the records it executes it also patches metadata
        // (its own finalizer, which holds a record until the agent has cleaned up); the only records it creates are
        // the backups its schedule takes — it never deletes any
        assertThat(rule.getVerbs()).isSubsetOf("get", "list", "watch", "patch", "update", "create");
        if (rule.getVerbs().contains("patch") && rule.getResources().stream().noneMatch(r -> r.endsWith("/status"))) {
          assertThat(rule.getResources()).isSubsetOf("hostedclusterbackups", "hostedclusterpauses", "managedaddons");
        }
        if (rule.getVerbs().contains("create")) {
          assertThat(rule.getResources()).containsExactly("hostedclusterbackups");
          assertThat(rule.getVerbs()).containsExactly("create");
        }
      }
    }
    // cluster-wide rules: only its own ManagementCluster (by name), and read-only backupstores and addonreleases
    for (PolicyRule rule : ClusterRegistration.agentClusterRole("mc7").getRules()) {
      if (rule.getResources().get(0).startsWith("managementclusters")) {
        assertThat(rule.getResourceNames()).containsExactly("mc7");
      } else {
        assertThat(rule.getResources()).hasSize(1).isSubsetOf("backupstores", "addonreleases");
        assertThat(rule.getVerbs()).containsExactly("get", "list", "watch");
      }
      assertThat(rule.getVerbs()).doesNotContain("delete", "create", "*");
    }
    assertThat(clusterScoped).contains("cluster.flotilla.io/managementclusters", "dr.flotilla.io/backupstores");
  }

  @Test
  void kubeconfigRoundTripsThroughFabric8() {
    String ca = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
    String yaml = ClusterRegistration.agentKubeconfig("https://hub.example:6443", ca, "s3cr3t", "mc1");
    Config config = Config.fromKubeconfig(yaml);
    assertThat(config.getMasterUrl()).startsWith("https://hub.example:6443");
    assertThat(config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken()).isEqualTo("s3cr3t");
    assertThat(config.getNamespace()).isEqualTo("mc1");
    assertThat(new String(Base64.getDecoder().decode(config.getCaCertData()), StandardCharsets.UTF_8)).isEqualTo(ca);

    Config noCa = Config.fromKubeconfig(ClusterRegistration.agentKubeconfig("http://127.0.0.1:1234", null, "t", "mc2"));
    assertThat(noCa.getCaCertData()).isNull();
    assertThat(noCa.getNamespace()).isEqualTo("mc2");
    assertThat(noCa.getCurrentContext().getName()).isEqualTo("mc2");
  }

  @Test
  void agentKubeconfigCarriesTheHubCaWhetherInlineOrInAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    String ca = "-----BEGIN CERTIFICATE-----\nMIIBfile\n-----END CERTIFICATE-----\n";
    java.nio.file.Path caFile = dir.resolve("hub-ca.crt");
    java.nio.file.Files.writeString(caFile, ca);
    Config byFile = Config.fromKubeconfig("""
        apiVersion: v1
        kind: Config
        clusters: [{name: hub, cluster: {server: "https://hub.example:6443", certificate-authority: "%s"}}]
        users: [{name: admin, user: {token: admin-token}}]
        contexts: [{name: hub, context: {cluster: hub, user: admin}}]
        current-context: hub
        """.formatted(caFile));
    Config inline = Config.fromKubeconfig(ClusterRegistration.agentKubeconfig("https://hub.example:6443", ca, "t", "mc0"));

    for (Config hub : List.of(byFile, inline)) {
      Config agent = Config.fromKubeconfig(ClusterRegistration.agentKubeconfig(hub, "agent-token", "mc1"));
      assertThat(agent.getMasterUrl()).startsWith("https://hub.example:6443");
      assertThat(new String(Base64.getDecoder().decode(agent.getCaCertData()), StandardCharsets.UTF_8)).isEqualTo(ca);
    }
  }

  @Test
  void rejectsBadNames() {
    assertThatThrownBy(() -> new ClusterRegistration(client).join("Bad_Name", Map.of(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad_Name");
    assertThat(client.resources(ManagementCluster.class).list().getItems()).isEmpty();
  }

  @Test
  void noTokenIsAnError() {
    // no TokenRequest stub: the CRUD mock stores the request and returns it without a token
    assertThatThrownBy(() -> new ClusterRegistration(client).join("mc3", Map.of(), null))
        .isInstanceOf(RuntimeException.class);
    assertThat(client.namespaces().withName("mc3").get()).as("namespace created before the token request").isNotNull();
  }
}
