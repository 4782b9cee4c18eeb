package io.flotilla.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's mock API server in CRUD mode for tests, with Flotilla's CRDs. What the mock does and does not do (SSA,
 * status resourceVersion, JSON Patch test ops) is in docs/test-stack-facts.md §4.
 */
public final class MockApiServers {
  private MockApiServers() {}

  /** A started CRUD mock; expectations ({@code server.expect()}) take precedence over CRUD. */
  public static KubernetesMockServer startCrud() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    return server;
  }

  /**
   * Registers a CRD the api jar generated (e.g. "hostedclusterbackups.dr.flotilla.io"), so /status is a subresource on
   * the mock.
   */
  public static void applyCrd(KubernetesClient client, String name) {
    try (InputStream in = MockApiServers.class.getResourceAsStream("/META-INF/fabric8/" + name + "-v1.yml")) {
      if (in == null) {
        throw new IllegalArgumentException("no generated CRD " + name + " on the classpath");
      }
      client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void applyCrds(KubernetesClient client, String... names) {
    for (String name : names) {
      applyCrd(client, name);
    }
  }

  /** The CRUD mock does not implement TokenRequest: answer it for the agent's ServiceAccount of a cluster. */
  public static void stubTokenRequest(KubernetesMockServer server, String cluster, String token) {
    server.expect().post().withPath("/api/v1/namespaces/" + cluster + "/serviceaccounts/flotilla-agent/token")
        .andReturn(201, new TokenRequestBuilder().withNewStatus().withToken(token)
            .withExpirationTimestamp("2030-01-01T00:00:00Z").endStatus().build())
        .always();
  }

  /** JOSDK's leader election checks lease permissions with a SelfSubjectRulesReview, which the mock cannot answer. */
  public static void stubLeaseAccess(KubernetesMockServer server) {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
            .withResourceRules(new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                .withVerbs("create", "update", "get").build())
            .endStatus().build())
        .always();
  }
}
