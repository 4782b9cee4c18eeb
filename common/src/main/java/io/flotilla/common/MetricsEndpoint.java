package io.flotilla.common;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} for Prometheus, over plain HTTP on the JDK's server: the body is whatever {@code scrape} returns
 * (Prometheus text format), computed per request. Plain HTTP because the series carry no secrets and Prometheus
 * scrapes in-cluster Services; put a proxy in front if a cluster requires TLS for scrapes. Shared by hub-manager and
 * spoke-agent, so it knows nothing of the metrics library.
 */
public final class MetricsEndpoint implements AutoCloseable {
  public static final String PATH = "/metrics";
  /** The Prometheus text exposition format (what Micrometer's PrometheusMeterRegistry.scrape() writes). */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Supplier<String> scrape;
  private final String name;
  private HttpServer server;
  private ExecutorService executor;

  /**
   * @param name   names the serving thread, e.g. {@code hub-manager}
   * @param scrape the page, computed per request; an exception becomes a 500 with its message
   */
  public MetricsEndpoint(String name, Supplier<String> scrape) {
    this.name = Objects.requireNonNull(name, "name");
    this.scrape = Objects.requireNonNull(scrape, "scrape");
  }

  /** Listens on every interface; port 0 picks a free port (see {@link #getPort()}). */
  public void start(int port) { start(new InetSocketAddress(port)); }

  public synchronized void start(InetSocketAddress address) {
    if (server != null) {
      throw new IllegalStateException("metrics endpoint already started");
    }
    try {
      HttpServer s = HttpServer.create(address, 0);
      s.createContext("/", this::handle);
      // one thread: scrapes are rare and each one computes the whole page
      executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "flotilla-metrics-" + name);
        t.setDaemon(true);
        return t;
      });
      s.setExecutor(executor);
      s.start();
      server = s;
    } catch (IOException e) {
      if (executor != null) {
        executor.shutdownNow();
        executor = null;
      }
      throw new IllegalStateException("cannot listen on " + address + " for metrics: " + e.getMessage(), e);
    }
  }

  public synchronized int getPort() {
    if (server == null) {
      throw new IllegalStateException("metrics endpoint not started");
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
      if (!PATH.equals(path)) {
        reply(exchange, 404, "text/plain; charset=utf-8", "no page at " + path + "; metrics are at " + PATH, true);
        return;
      }
      String method = exchange.getRequestMethod();
      boolean head = "HEAD".equals(method);
      if (!head && !"GET".equals(method)) {
        exchange.getResponseHeaders().add("Allow", "GET, HEAD");
        reply(exchange, 405, "text/plain; charset=utf-8", "GET " + PATH, true);
        return;
      }
      String body;
      try {
        body = scrape.get();
      } catch (RuntimeException e) {
        reply(exchange, 500, "text/plain; charset=utf-8", "scrape failed: " + e, !head);
        return;
      }
      reply(exchange, 200, PROMETHEUS_TEXT, body, !head);
    }
  }

  private static void reply(HttpExchange exchange, int code, String contentType, String body, boolean withBody)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if (!withBody) {
      exchange.sendResponseHeaders(code, -1);
      return;
    }
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
