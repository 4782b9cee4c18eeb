package io.flotilla.sandbox.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD dispatcher plus what kubectl and our agents need from a real API server: version and discovery
 * documents, the ServiceAccount TokenRequest subresource, and server-side printing (Tables) for kubectl.
 */
final class SandboxDispatcher extends KubernetesMixedDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxDispatcher.class);
  private static final Pattern TOKEN_REQUEST =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/serviceaccounts/([^/]+)/token$");
  /** /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}] or /api/v1[/namespaces/{ns}]/{plural}[/{name}]. */
  private static final Pattern RESOURCE = Pattern.compile(
      "^/(?:api/(v1)|apis/([^/]+)/([^/]+))(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?$");
  private static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final long DEFAULT_TOKEN_SECONDS = 3600;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ObjectMapper mapper;
  private final CrdCatalog catalog;
  private final Discovery discovery;
  private final TableRenderer tables;
  private final String gitVersion;
  private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
  /** Requests refused as RBAC would refuse them: a fault the tests inject (the sandbox enforces no RBAC otherwise). */
  private final Set<Denial> denials = ConcurrentHashMap.newKeySet();

  /** Refuse {@code method} on {@code plural} in {@code namespace} (null = every namespace) with 403 Forbidden. */
  record Denial(String method, String plural, String namespace) {
    boolean matches(String requestMethod, String requestPlural, String requestNamespace) {
      return method.equalsIgnoreCase(requestMethod) && plural.equals(requestPlural)
          && (namespace == null || namespace.equals(requestNamespace));
    }
  }

  void deny(Denial denial) { denials.add(denial); }

  /** While true every request gets 503: the API server is down for its clients (a hub outage in the tests). */
  private volatile boolean unavailable;

  void unavailable(boolean down) { unavailable = down; }

  void allow(Denial denial) { denials.remove(denial); }

  SandboxDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses, ObjectMapper mapper, CrdCatalog catalog,
                    String gitVersion) {
    super(responses);
    this.mapper = mapper;
    this.catalog = catalog;
    this.discovery = new Discovery(mapper, catalog);
    this.tables = new TableRenderer(mapper);
    this.gitVersion = gitVersion;
  }

  boolean wasIssued(String token) { return issuedTokens.contains(token); }

  CrdCatalog catalog() { return catalog; }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String fullPath = request.getPath();
    int q = fullPath.indexOf('?');
    String path = q < 0 ? fullPath : fullPath.substring(0, q);
    String query = q < 0 ? "" : fullPath.substring(q + 1);
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      if ("GET".equals(request.getMethod())) {
        if (path.equals("/version")) {
          return json(200, version());
        }
        if (path.equals("/livez") || path.equals("/healthz") || path.equals("/readyz")) {
          // what OCM's klusterlet probes (docs/ocm-facts.md §I2.1); down while the unavailable fault is on
          return unavailable ? status(503, "ServiceUnavailable", "sandbox fault: this API server is unavailable")
              : new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain").setBody("ok");
        }
        Optional<ObjectNode> document = discovery.document(path);
        if (document.isPresent()) {
          return json(200, document.get());
        }
        if (path.startsWith("/openapi/")) {
          return status(404, "NotFound", "the sandbox serves no OpenAPI document");
        }
      }
      if ("POST".equals(request.getMethod())) {
        Matcher token = TOKEN_REQUEST.matcher(path);
        if (token.matches()) {
          return tokenRequest(request, token.group(1), token.group(2));
        }
        if (path.equals(RULES_REVIEW_PATH)) {
          return rulesReview(request);
        }
      }
      if (unavailable) {
        return status(503, "ServiceUnavailable", "sandbox fault: this API server is unavailable");
      }
      if (!denials.isEmpty()) {
        Matcher resource = RESOURCE.matcher(path);
        if (resource.matches()) {
          String ns = resource.group(4);
          String plural = resource.group(5);
          String name = resource.group(6);
          if (denials.stream().anyMatch(d -> d.matches(request.getMethod(), plural, ns))) {
            return status(403, "Forbidden", plural + (name == null ? "" : " \"" + name + "\"") + " is forbidden: the"
                + " caller cannot " + request.getMethod().toLowerCase(java.util.Locale.ROOT) + " resource \"" + plural
                + "\"" + (ns == null ? "" : " in the namespace \"" + ns + "\""));
          }
        }
      }
      MockResponse response = super.dispatch(request);
      if ("POST".equals(request.getMethod()) && path.equals(CRD_PATH) && response.code() == 201) {
        rememberCrd(response);
      }
      if ("GET".equals(request.getMethod()) && response.code() == 200 && wantsTable(request, query)) {
        return asTable(path, response);
      }
      return response;
    } catch (RuntimeException e) {
      LOG.warn("mock API server failed on {} {}: {}", request.getMethod(), path, e.toString());
      return status(500, "InternalError", e.getMessage());
    }
  }

  private ObjectNode version() {
    String[] parts = gitVersion.substring(1).split("[.-]");
    return mapper.createObjectNode().put("major", parts[0]).put("minor", parts[1]).put("gitVersion", gitVersion)
        .put("gitCommit", "0000000000000000000000000000000000000000").put("gitTreeState", "clean")
        .put("buildDate", "2026-01-01T00:00:00Z").put("goVersion", "go1.22").put("compiler", "gc")
        .put("platform", "linux/amd64");
  }

  private static final String RULES_REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

  /**
   * The sandbox enforces no RBAC, so it answers a SelfSubjectRulesReview truthfully: everything is allowed. JOSDK's
   * leader election asks this before it takes its Lease; the plain CRUD mock would echo the request without status.
   */
  private MockResponse rulesReview(RecordedRequest request) {
    ObjectNode review = mapper.createObjectNode();
    review.put("apiVersion", "authorization.k8s.io/v1").put("kind", "SelfSubjectRulesReview");
    try {
      String body = request.getUtf8Body();
      if (body != null && !body.isBlank()) {
        review.set("spec", mapper.readTree(body).path("spec"));
      }
    } catch (java.io.IOException e) {
      return status(400, "BadRequest", "SelfSubjectRulesReview body is not JSON");
    }
    ObjectNode status = review.putObject("status");
    status.put("incomplete", false);
    ObjectNode rule = status.putArray("resourceRules").addObject();
    rule.putArray("apiGroups").add("*");
    rule.putArray("resources").add("*");
    rule.putArray("verbs").add("*");
    status.putArray("nonResourceRules").addObject().putArray("verbs").add("*");
    return json(201, review);
  }

  /** POST .../serviceaccounts/{sa}/token: mints a random opaque token for an existing ServiceAccount. */
  private MockResponse tokenRequest(RecordedRequest request, String namespace, String serviceAccount) {
    String saPath = "/api/v1/namespaces/" + namespace + "/serviceaccounts/" + serviceAccount;
    MockResponse sa = super.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, saPath,
        new Headers.Builder().add("Accept", "application/json").build(), new Buffer()));
    if (sa.code() != 200) {
      return status(404, "NotFound", "serviceaccounts \"" + serviceAccount + "\" not found");
    }
    long seconds = DEFAULT_TOKEN_SECONDS;
    JsonNode spec = mapper.createObjectNode();
    try {
      String body = request.getUtf8Body();
      if (body != null && !body.isBlank()) {
        spec = mapper.readTree(body).path("spec");
        if (spec.path("expirationSeconds").canConvertToLong() && spec.path("expirationSeconds").asLong() > 0) {
          seconds = spec.path("expirationSeconds").asLong();
        }
      }
    } catch (Exception e) {
      return status(400, "BadRequest", "TokenRequest body is not JSON");
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = "sandbox." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    issuedTokens.add(token);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ObjectNode response = mapper.createObjectNode().put("kind", "TokenRequest").put("apiVersion", "authentication.k8s.io/v1");
    response.putObject("metadata").put("name", serviceAccount).put("namespace", namespace)
        .put("creationTimestamp", now.toString());
    ObjectNode outSpec = response.putObject("spec");
    outSpec.set("audiences", spec.has("audiences") ? spec.get("audiences") : mapper.createArrayNode());
    outSpec.put("expirationSeconds", seconds);
    response.putObject("status").put("token", token).put("expirationTimestamp", now.plusSeconds(seconds).toString());
    return json(201, response);
  }

  private void rememberCrd(MockResponse response) {
    try {
      catalog.add(mapper.readValue(response.getBody().getBytes(), CustomResourceDefinition.class));
    } catch (Exception e) {
      LOG.warn("cannot read created CRD for discovery: {}", e.toString());
    }
  }

  private static boolean wantsTable(RecordedRequest request, String query) {
    String accept = request.getHeader("Accept");
    return accept != null && accept.contains("as=Table") && !query.contains("watch=true") && !query.contains("watch=1");
  }

  private MockResponse asTable(String path, MockResponse response) {
    Matcher m = RESOURCE.matcher(path);
    if (!m.matches()) {
      return response;
    }
    String group = m.group(1) != null ? "" : m.group(2);
    String version = m.group(1) != null ? m.group(1) : m.group(3);
    String plural = m.group(5);
    try {
      JsonNode body = mapper.readTree(response.getBody().getBytes());
      if (!body.has("metadata")) {
        return response;
      }
      Optional<CustomResourceDefinition> crd = group.isEmpty() ? Optional.empty() : catalog.find(group, plural);
      return json(200, tables.render(body, TableRenderer.columns(crd, version), Instant.now()));
    } catch (Exception e) {
      // kubectl falls back to client-side printing when the answer is not a Table.
      LOG.debug("cannot render {} as a Table: {}", path, e.toString());
      return response;
    }
  }

  private MockResponse json(int code, JsonNode body) {
    try {
      return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
          .setBody(mapper.writeValueAsBytes(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private MockResponse status(int code, String reason, String message) {
    ObjectNode status = mapper.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
        .put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    status.putObject("metadata");
    return json(code, status);
  }
}
