package io.flotilla.hub.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTPS server the API server calls: POST {@code /validate-<something>} with an admission.k8s.io/v1
 * AdmissionReview, answered with an AdmissionReview whose response allows or denies (status.code, reason,
 * message). GET {@code /healthz} answers "ok" for probes. The TLS identity comes from an {@link SSLContext} whose key
 * manager may change underneath (see {@link RotatingKeyManager}), so certificates rotate without a restart.
 */
public final class AdmissionWebhookServer implements AutoCloseable {
  public static final String HEALTH_PATH = "/healthz";
  /** The API server's objects are at most 1.5 MiB (etcd's limit); old and new object fit well within this. */
  static final int MAX_BODY_BYTES = 8 * 1024 * 1024;
  private static final String ADMISSION_V1 = "admission.k8s.io/v1";

  private static final Logger log = LoggerFactory.getLogger(AdmissionWebhookServer.class);

  private final Map<String, AdmissionValidator> routes;
  private final SSLContext sslContext;
  private final KubernetesSerialization serialization;
  private HttpsServer server;
  private ExecutorService executor;

  /** @param routes server path ("/validate-addons") to the validator answering it */
  public AdmissionWebhookServer(Map<String, AdmissionValidator> routes, SSLContext sslContext,
                                KubernetesSerialization serialization) {
    this.routes = Map.copyOf(routes);
    this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
    this.serialization = Objects.requireNonNull(serialization, "serialization");
  }

  /** Listens on every interface; port 0 picks a free port (see {@link #getPort()}). */
  public void start(int port) { start(new InetSocketAddress(port)); }

  public synchronized void start(InetSocketAddress address) {
    if (server != null) {
      throw new IllegalStateException("webhook server already started");
    }
    try {
      HttpsServer s = HttpsServer.create(address, 0);
      s.setHttpsConfigurator(new HttpsConfigurator(sslContext) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = sslContext.getDefaultSSLParameters();
          p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
          params.setSSLParameters(p);
        }
      });
      s.createContext("/", this::handle);
      AtomicInteger n = new AtomicInteger();
      executor = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "flotilla-webhook-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      s.setExecutor(executor);
      s.start();
      server = s;
      log.info("admission webhook listening on https://{}:{} for {}", address.getHostString(), getPort(), routes.keySet());
    } catch (IOException e) {
      if (executor != null) {
        executor.shutdownNow();
      }
      throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  public synchronized int getPort() {
    if (server == null) {
      throw new IllegalStateException("webhook server not started");
    }
    return server.getAddress().getPort();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (HEALTH_PATH.equals(path)) {
        reply(exchange, 200, "text/plain", "ok");
        return;
      }
      AdmissionValidator validator = routes.get(path);
      if (validator == null) {
        reply(exchange, 404, "text/plain", "no webhook at " + path + "; known: " + routes.keySet());
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().add("Allow", "POST");
        reply(exchange, 405, "text/plain", "POST an admission.k8s.io/v1 AdmissionReview");
        return;
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readNBytes(MAX_BODY_BYTES + 1);
      }
      if (body.length > MAX_BODY_BYTES) {
        reply(exchange, 413, "text/plain", "AdmissionReview larger than " + MAX_BODY_BYTES + " bytes");
        return;
      }
      AdmissionRequest request;
      try {
        AdmissionReview review = serialization.unmarshal(new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
        request = review == null ? null : review.getRequest();
      } catch (RuntimeException e) {
        request = null;
      }
      if (request == null || request.getUid() == null) {
        reply(exchange, 400, "text/plain", "expected an " + ADMISSION_V1 + " AdmissionReview with a request and its uid");
        return;
      }
      AdmissionVerdict verdict = judge(path, validator, request);
      reply(exchange, 200, "application/json", serialization.asJson(review(request.getUid(), verdict)));
    }
  }

  private static AdmissionVerdict judge(String path, AdmissionValidator validator, AdmissionRequest request) {
    String what = request.getOperation() + " " + (request.getKind() == null ? "?" : request.getKind().getKind()) + " "
        + (request.getNamespace() == null ? "" : request.getNamespace() + "/") + request.getName();
    AdmissionVerdict verdict;
    try {
      verdict = validator.validate(request);
    } catch (RuntimeException e) {
      log.error("webhook {}: validating {} failed", path, what, e);
      verdict = new AdmissionVerdict(false, 500, "InternalError",
          "the webhook could not validate this request (" + e.getClass().getSimpleName() + "); see hub-manager logs",
          null);
    }
    if (!verdict.allowed()) {
      log.info("webhook {}: denied {}: {}: {}", path, what, verdict.reason(), verdict.message());
    } else {
      log.debug("webhook {}: allowed {}", path, what);
    }
    return verdict;
  }

  static AdmissionReview review(String uid, AdmissionVerdict verdict) {
    AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(uid).withAllowed(verdict.allowed());
    if (!verdict.allowed()) {
      response.withStatus(new StatusBuilder().withStatus("Failure").withCode(verdict.code())
          .withReason(verdict.reason()).withMessage(verdict.message()).build());
    }
    if (!verdict.warnings().isEmpty()) {
      response.withWarnings(verdict.warnings());
    }
    AdmissionResponse built = response.build();
    return new AdmissionReviewBuilder().withApiVersion(ADMISSION_V1).withKind("AdmissionReview").withResponse(built).build();
  }

  private static void reply(HttpExchange exchange, int code, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
