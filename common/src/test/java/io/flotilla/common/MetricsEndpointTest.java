package io.flotilla.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> send(int port, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheScrapeComputedPerRequestAtMetricsOnly() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    try (MetricsEndpoint endpoint = new MetricsEndpoint("test", () -> "up " + scrapes.incrementAndGet() + "\n")) {
      endpoint.start(0);
      int port = endpoint.getPort();

      HttpResponse<String> first = send(port, "GET", "/metrics");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.PROMETHEUS_TEXT);
      assertThat(first.body()).isEqualTo("up 1\n");
      assertThat(send(port, "GET", "/metrics").body()).isEqualTo("up 2\n");

      assertThat(send(port, "GET", "/").statusCode()).isEqualTo(404);
      HttpResponse<String> post = send(port, "POST", "/metrics");
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }
  }

  @Test
  void aFailingScrapeIsA500WithTheReason() throws Exception {
    try (MetricsEndpoint endpoint = new MetricsEndpoint("test", () -> {
      throw new IllegalStateException("informer not ready");
    })) {
      endpoint.start(0);
      HttpResponse<String> r = send(endpoint.getPort(), "GET", "/metrics");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).contains("informer not ready");
    }
  }
}
