package io.flotilla.sandbox.kube;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.flotilla.sandbox.tls.Pki;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * One sandbox Kubernetes API server: fabric8's mock in CRUD mode (real HTTP, real watches), behind real TLS with its
 * own CA, with every Flotilla and foreign CRD registered and discovery served so kubectl works against it.
 * Server-side apply and strategic merge patches are not supported (415): use JSON merge or JSON patches.
 */
public final class MockApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MockApiServer.class);
  /** What /version reports; kubectl only uses it for `kubectl version`. */
  static final String GIT_VERSION = "v1.31.0-flotilla-sandbox";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String clusterName;
  private final KubernetesMockServer server;
  private final SandboxDispatcher dispatcher;
  private final TlsFrontend frontend;
  private final Pki.Issued ca;
  private final String url;
  private final KubernetesClient adminClient;

  private MockApiServer(String clusterName, KubernetesMockServer server, SandboxDispatcher dispatcher,
                        TlsFrontend frontend, Pki.Issued ca) {
    this.clusterName = clusterName;
    this.server = server;
    this.dispatcher = dispatcher;
    this.frontend = frontend;
    this.ca = ca;
    this.url = "https://127.0.0.1:" + frontend.port();
    this.adminClient = newClient("sandbox-admin." + randomToken());
  }

  public static MockApiServer start(String clusterName) {
    io.flotilla.sandbox.QuietLogging.apply();
    Pki.Issued ca = Pki.newCa(clusterName + "-kube-apiserver-ca");
    Pki.Issued serving = Pki.newServer(ca, clusterName + "-kube-apiserver",
        List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc"));
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    CrdCatalog catalog = new CrdCatalog();
    SandboxDispatcher dispatcher = new SandboxDispatcher(responses, Serialization.jsonMapper(), catalog, GIT_VERSION);
    KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(),
        responses, dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    TlsFrontend frontend = null;
    try {
      frontend = TlsFrontend.start(serving.certificatePem(), serving.privateKeyPem(), server.getPort());
      MockApiServer api = new MockApiServer(clusterName, server, dispatcher, frontend, ca);
      for (CustomResourceDefinition crd : CrdCatalog.loadApiCrds()) {
        api.registerCrd(crd);
      }
      LOG.info("mock API server {} listening on {}", clusterName, api.url);
      return api;
    } catch (RuntimeException e) {
      if (frontend != null) {
        frontend.close();
      }
      server.destroy();
      throw e;
    }
  }

  /** Creates a CRD through the API (so the mock treats /status as a subresource) and serves it in discovery. */
  public void registerCrd(CustomResourceDefinition crd) {
    CustomResourceDefinition copy = Serialization.clone(crd);
    copy.getMetadata().setResourceVersion(null);
    adminClient.resource(copy).create();
    // The dispatcher records CRDs it sees created; adding here too makes registration synchronous for discovery.
    dispatcher.catalog().add(copy);
  }

  public String clusterName() { return clusterName; }

  /**
   * A fault for tests: from now on, answer {@code method} (GET, PATCH, PUT, DELETE, ...) on resource {@code plural}
   * in {@code namespace} (null = all) with 403 Forbidden, as an API server does when RBAC lacks the verb. Returns the
   * switch that lifts it.
   */
  /**
   * A fault for tests: while {@code down}, every request (watches re-connecting included) gets 503 Service Unavailable,
   * as from an API server that is down behind its load balancer. The stored objects survive, as etcd would. Watch
   * connections already open stay open (the mock cannot cut them); every write and every new request fails.
   */
  public void unavailable(boolean down) { dispatcher.unavailable(down); }

  public AutoCloseable deny(String method, String plural, String namespace) {
    SandboxDispatcher.Denial denial = new SandboxDispatcher.Denial(method, plural, namespace);
    dispatcher.deny(denial);
    return () -> dispatcher.allow(denial);
  }

  /** https://127.0.0.1:port */
  public String url() { return url; }

  /** The shared client with an admin token; closed by {@link #close()}. Do not close it yourself. */
  public KubernetesClient adminClient() { return adminClient; }

  /**
   * A new client that sends {@code token} as a bearer token and verifies the server against this server's CA. The
   * caller closes it. The mock does not authenticate: the token is carried as a real client would carry it.
   */
  public KubernetesClient newClient(String token) {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withCaCertData(base64(caCertificatePem()))
        .withOauthToken(token)
        .withTrustCerts(false)
        .withDisableHostnameVerification(false)
        .withRequestTimeout(30_000)
        .withConnectionTimeout(10_000)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  public String caCertificatePem() { return ca.certificatePem(); }

  /** Whether this server minted {@code token} through a TokenRequest. */
  public boolean issuedToken(String token) { return dispatcher.wasIssued(token); }

  /**
   * A kubeconfig for this server: cluster and context named after the cluster, the CA inline, a token user.
   * {@code namespace} may be null.
   */
  public String kubeconfig(String user, String token, String namespace) {
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: v1\nkind: Config\n")
        .append("clusters:\n- name: ").append(quote(clusterName)).append('\n')
        .append("  cluster:\n    server: ").append(quote(url)).append('\n')
        .append("    certificate-authority-data: ").append(base64(caCertificatePem())).append('\n')
        .append("users:\n- name: ").append(quote(user)).append('\n')
        .append("  user:\n    token: ").append(quote(token)).append('\n')
        .append("contexts:\n- name: ").append(quote(clusterName)).append('\n')
        .append("  context:\n    cluster: ").append(quote(clusterName)).append('\n')
        .append("    user: ").append(quote(user)).append('\n');
    if (namespace != null && !namespace.isBlank()) {
      y.append("    namespace: ").append(quote(namespace)).append('\n');
    }
    y.append("current-context: ").append(quote(clusterName)).append('\n')
        .append("preferences: {}\n");
    return y.toString();
  }

  @Override
  public void close() {
    try {
      adminClient.close();
    } finally {
      try {
        frontend.close();
      } finally {
        server.destroy();
      }
    }
  }

  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public String toString() { return "MockApiServer[" + clusterName + ", " + url + "]"; }
}
