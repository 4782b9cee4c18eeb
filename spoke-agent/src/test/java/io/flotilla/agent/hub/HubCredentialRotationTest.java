package io.flotilla.agent.hub;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.common.Kubeconfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's hub credential is a mounted Secret (an OCM add-on's {@code <addon>-hub-kubeconfig}) that is rotated in
 * place; a running client must take the new token without a restart. A plain HTTP server stands in for the hub: it
 * refuses the old token with 401 as a kube-apiserver does once the token is revoked.
 */
class HubCredentialRotationTest {
  @TempDir
  Path dir;
  HttpServer server;
  final List<String> seen = new CopyOnWriteArrayList<>();
  volatile String valid = "old-token";

  @BeforeEach
  void up() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      seen.add(auth);
      byte[] body;
      if (("Bearer " + valid).equals(auth)) {
        body = "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
      } else {
        body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Unauthorized\","
            + "\"code\":401}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(401, body.length);
      }
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void down() {
    server.stop(0);
  }

  @Test
  void aTokenRotatedInTheMountedKubeconfigIsUsedByTheRunningClient() throws Exception {
    Path kubeconfig = dir.resolve("kubeconfig");
    write(kubeconfig, "old-token");
    try (KubernetesClient hub = new KubernetesClientBuilder()
        .withConfig(Kubeconfigs.load(kubeconfig, "hub kubeconfig")).build()) {
      assertThat(hub.namespaces().list().getItems()).isEmpty();

      // The Secret is rotated (kubelet swaps the file in place) and the old token revoked.
      write(kubeconfig, "new-token");
      valid = "new-token";
      seen.clear();

      assertThat(hub.namespaces().list().getItems()).as("the call succeeds with the rotated token").isEmpty();
      assertThat(seen).last().isEqualTo("Bearer new-token");
    }
  }

  private void write(Path kubeconfig, String token) throws Exception {
    Path tmp = dir.resolve("kubeconfig.tmp");
    Files.writeString(tmp, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: hub
          cluster: {server: "http://127.0.0.1:%d"}
        users:
        - name: agent
          user: {token: %s}
        contexts:
        - name: hub
          context: {cluster: hub, user: agent}
        current-context: hub
        """.formatted(server.getAddress().getPort(), token));
    Files.move(tmp, kubeconfig, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
