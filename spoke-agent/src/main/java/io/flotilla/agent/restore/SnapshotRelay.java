package io.flotilla.agent.restore;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How an encrypted, compressed backup reaches HyperShift's etcd-init without plaintext ever being written to the
 * bucket: the agent serves the snapshot itself, over HTTPS, decrypting and decompressing the stored object as it
 * streams. etcd-init downloads {@code restoreSnapshotURL} with curl (docs/hypershift-facts.md §1.4), so the URL handed to the
 * HostedCluster is a one-off capability: {@code https://<relay>/snapshots/<256-bit random token>}, valid for a bounded
 * time and revoked as soon as the restore is confirmed. Unknown or expired tokens get an S3-style XML error body,
 * which etcd-init already treats as a failed download.
 *
 * <p>The token is a secret: it is never logged, and status only ever says that a relay URL was issued.
 */
public final class SnapshotRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotRelay.class);
  static final String PATH = "/snapshots/";

  /** Streams the decoded snapshot; may be called once per download (an HA etcd downloads once per member). */
  @FunctionalInterface
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** A grant: the URL to hand out, and the token that revokes it. */
  public record Grant(String token, URI url) {
    @Override
    public String toString() {
      return "Grant[redacted]";
    }
  }

  private record Entry(Content content, Instant expires, AtomicInteger downloads) {}

  private final HttpsServer server;
  private final URI base;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> grants = new ConcurrentHashMap<>();

  public SnapshotRelay(RelayConfig config, Clock clock) throws IOException {
    this.clock = Objects.requireNonNull(clock);
    server = HttpsServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(config.sslContext()));
    server.createContext(PATH, this::serve);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "snapshot-relay");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    String advertised = config.advertisedUrl() != null ? config.advertisedUrl()
        : "https://localhost:" + server.getAddress().getPort();
    base = URI.create(advertised.endsWith("/") ? advertised.substring(0, advertised.length() - 1) : advertised);
    log.info("snapshot relay listening on port {}, advertised as {}", server.getAddress().getPort(), base);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public Grant grant(Content content, Duration ttl) {
    Grant grant = issue();
    serve(grant, content, ttl);
    return grant;
  }

  /**
   * A new URL that serves nothing yet. A restore created paused (spec.resume: false) puts it into the HostedCluster,
   * whose restoreSnapshotURL cannot change later, and {@link #serve}s it only when resumed.
   */
  public Grant issue() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return new Grant(token, URI.create(base + PATH + token));
  }

  /** Serves {@code content} at the grant's URL for {@code ttl} from now. */
  public void serve(Grant grant, Content content, Duration ttl) {
    grants.put(grant.token(), new Entry(content, clock.instant().plus(ttl), new AtomicInteger()));
  }

  /** The grant behind a URL this relay issued, if it is one: the URL read back from a HostedCluster's spec. */
  public Optional<Grant> ofUrl(String url) {
    String prefix = base + PATH;
    if (url == null || !url.startsWith(prefix) || url.length() == prefix.length() || url.indexOf('/', prefix.length()) >= 0) {
      return Optional.empty();
    }
    return Optional.of(new Grant(url.substring(prefix.length()), URI.create(url)));
  }

  public void revoke(Grant grant) {
    if (grant != null) {
      grants.remove(grant.token());
    }
  }

  /** How many downloads of this grant completed. */
  public int downloads(Grant grant) {
    Entry e = grants.get(grant.token());
    return e == null ? 0 : e.downloads().get();
  }

  private void serve(HttpExchange exchange) throws IOException {
    String token = exchange.getRequestURI().getPath().substring(PATH.length());
    Entry entry = grants.get(token);
    if (!"GET".equals(exchange.getRequestMethod())) {
      try (exchange) {
        error(exchange, 405, "MethodNotAllowed", "only GET");
      }
      return;
    }
    if (entry == null || clock.instant().isAfter(entry.expires())) {
      log.warn("snapshot relay: refused a download with an unknown or expired token");
      try (exchange) {
        error(exchange, 403, "AccessDenied", "Request has expired or is not valid");
      }
      return;
    }
    exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    try {
      // the reader checks sizes and SHA-256 against the manifest once every byte is out (SnapshotReader)
      entry.content().writeTo(out);
    } catch (IOException | RuntimeException e) {
      // Neither the body nor the exchange is closed: closing writes the last chunk, and etcd-init would see a complete
      // download and restore a snapshot that failed its check. Thrown out of the handler, the exception makes the
      // server drop the connection; the client sees a truncated transfer (curl fails, etcd-init exits non-zero).
      log.warn("snapshot relay: download aborted: {}", e.getMessage());
      throw new IOException("aborted", e);
    }
    try (exchange; out) {
      entry.downloads().incrementAndGet();
    }
    log.info("snapshot relay: served a snapshot download");
  }

  private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
        + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/xml");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    grants.clear();
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
