package io.flotilla.sandbox.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.cluster.v1alpha1.ManagementClusterStatus;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MockApiServerTest {
  static MockApiServer api;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @BeforeAll
  static void start() { api = MockApiServer.start("hub"); }

  @AfterAll
  static void stop() { api.close(); }

  @Test
  void crdsAreRegisteredAndStatusPatchWorksOverVerifiedTls() {
    assertThat(api.url()).startsWith("https://127.0.0.1:");
    assertThat(api.adminClient().apiextensions().v1().customResourceDefinitions().list().getItems())
        .extracting(c -> c.getMetadata().getName())
        .contains("managementclusters.cluster.flotilla.io", "hostedclusters.hypershift.openshift.io",
            "clusters.cluster.x-k8s.io", "agents.agent-install.openshift.io");
    try (KubernetesClient client = api.newClient("some-token")) {
      ManagementCluster mc = new ManagementCluster();
      mc.setMetadata(new ObjectMetaBuilder().withName("mc-1").build());
      mc.getSpec();
      client.resource(mc).create();
      ManagementCluster fresh = client.resources(ManagementCluster.class).withName("mc-1").get();
      fresh.setStatus(new ManagementClusterStatus());
      fresh.getStatus().agentVersion = "1.2.3";
      Conditions.set(fresh.getStatus().conditions, "Joined", "True", "Joined", "ok", null, Instant.now());
      client.resource(fresh).patchStatus();
      ManagementCluster read = client.resources(ManagementCluster.class).withName("mc-1").get();
      assertThat(read.getStatus().agentVersion).isEqualTo("1.2.3");
      assertThat(Conditions.isTrue(read.getStatus().conditions, "Joined")).isTrue();
    }
  }

  @Test
  void clientThatDoesNotTrustTheCaIsRefused() {
    var config = new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
        .withMasterUrl(api.url()).withTrustCerts(false).withRequestRetryBackoffLimit(0).build();
    try (KubernetesClient untrusting = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
      assertThatThrownBy(() -> untrusting.namespaces().list()).isInstanceOf(KubernetesClientException.class);
    }
  }

  @Test
  void discoveryDescribesCoreGroupsAndCrds() throws Exception {
    KubernetesClient client = api.adminClient();
    JsonNode groups = MAPPER.readTree(client.raw(api.url() + "/apis"));
    assertThat(groups.findValuesAsText("name")).contains("apps", "coordination.k8s.io", "rbac.authorization.k8s.io",
        "cluster.flotilla.io", "hypershift.openshift.io", "apiextensions.k8s.io");
    JsonNode hypershift = MAPPER.readTree(client.raw(api.url() + "/apis/hypershift.openshift.io/v1beta1"));
    JsonNode hc = null;
    for (JsonNode r : hypershift.get("resources")) {
      if (r.get("name").asText().equals("hostedclusters")) {
        hc = r;
      }
    }
    assertThat(hc).isNotNull();
    assertThat(hc.get("kind").asText()).isEqualTo("HostedCluster");
    assertThat(hc.get("namespaced").asBoolean()).isTrue();
    assertThat(hc.get("shortNames").toString()).contains("hc");
    JsonNode core = MAPPER.readTree(client.raw(api.url() + "/api/v1"));
    assertThat(core.get("resources").findValuesAsText("name")).contains("namespaces", "services", "secrets", "serviceaccounts");
    assertThat(MAPPER.readTree(client.raw(api.url() + "/version")).get("major").asText()).isEqualTo("1");
    assertThat(client.getApiGroups().getGroups()).isNotEmpty();
  }

  @Test
  void tokenRequestMintsDistinctTokensAndRejectsMissingServiceAccount() {
    KubernetesClient client = api.adminClient();
    client.resource(new ServiceAccountBuilder().withNewMetadata().withName("agent").withNamespace("flotilla").endMetadata()
        .build()).create();
    var request = new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(600L).endSpec().build();
    var first = client.serviceAccounts().inNamespace("flotilla").withName("agent").tokenRequest(request);
    var second = client.serviceAccounts().inNamespace("flotilla").withName("agent").tokenRequest(request);
    assertThat(first.getStatus().getToken()).isNotBlank().isNotEqualTo(second.getStatus().getToken());
    assertThat(Instant.parse(first.getStatus().getExpirationTimestamp())).isAfter(Instant.now().plusSeconds(500));
    assertThat(api.issuedToken(first.getStatus().getToken())).isTrue();
    assertThatThrownBy(() -> client.serviceAccounts().inNamespace("flotilla").withName("nobody").tokenRequest(request))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  @Test
  void kubectlGetsManagementClusters(@TempDir Path tmp) throws Exception {
    Path kubectl = Path.of("/usr/bin/kubectl");
    assumeTrue(Files.isExecutable(kubectl), "kubectl not installed");
    ManagementCluster mc = new ManagementCluster();
    mc.setMetadata(new ObjectMetaBuilder().withName("kubectl-visible").build());
    api.adminClient().resource(mc).create();
    Path config = tmp.resolve("kubeconfig");
    Files.writeString(config, api.kubeconfig("admin", "t0ken", null));
    Process p = new ProcessBuilder(kubectl.toString(), "--kubeconfig", config.toString(), "get", "managementclusters")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("kubectl-visible").contains("NAME");
  }
}
