package io.flotilla.agent;

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
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/** CRUD-mode mock API servers for tests: hub and spoke. */
public final class MockServers {
  private MockServers() {}

  public static KubernetesMockServer startCrud() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    var server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init();
    return server;
  }

  /** Registers a CRD from the flotilla-api jar, so /status is a subresource on the mock. */
  public static void applyCrd(KubernetesClient client, String name) throws Exception {
    try (InputStream in = MockServers.class.getResourceAsStream("/META-INF/fabric8/" + name + "-v1.yml")) {
      client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
    }
  }

  /** The CRUD mock does not implement TokenRequest. */
  static void stubTokenRequest(KubernetesMockServer server, String cluster, String token) {
    server.expect().post().withPath("/api/v1/namespaces/" + cluster + "/serviceaccounts/flotilla-agent/token")
        .andReturn(201, new TokenRequestBuilder().withNewStatus().withToken(token)
            .withExpirationTimestamp("2030-01-01T00:00:00Z").endStatus().build())
        .always();
  }

  /** JOSDK's leader election checks lease permissions with a SelfSubjectRulesReview, which the mock cannot answer. */
  static void stubLeaseAccess(KubernetesMockServer server) {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
            .withResourceRules(new ResourceRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                .withVerbs("create", "update", "get").build())
            .endStatus().build())
        .always();
  }
}
