package io.flotilla.sandbox.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class EtcdLauncherTest {
  @TempDir Path tmp;

  @Test
  void missingBinaryGivesOneClearLine() {
    assertThatThrownBy(() -> EtcdLauncher.findEtcd(tmp.resolve("nope/etcd").toString(), "/usr/bin", Path.of("/usr/bin/etcd")))
        .isInstanceOf(EtcdNotFoundException.class)
        .hasMessage("etcd not found: install it with 'sudo apt-get install -y etcd-server' (Debian/Ubuntu)"
            + " or set FLOTILLA_ETCD to the etcd binary");
    assertThatThrownBy(() -> EtcdLauncher.findEtcd(null, tmp.toString(), tmp.resolve("etcd")))
        .isInstanceOf(EtcdNotFoundException.class);
  }

  @Test
  void startsSeedsAndStopsARealEtcdWithMutualTls() throws Exception {
    assumeThat(Files.isExecutable(EtcdLauncher.DEFAULT_BINARY) || System.getenv(EtcdLauncher.ENV_VAR) != null).isTrue();
    EtcdTls tls = EtcdTls.generate("test");
    EtcdProcess etcd = new EtcdLauncher().start("test", tmp.resolve("etcd"), tls);
    long pid = etcd.pid();
    try {
      assertThat(EtcdLauncher.runningPids()).contains(pid);
      assertThat(etcd.endpoint()).isEqualTo("https://127.0.0.1:" + etcd.port());
      try (Client client = etcd.newClient()) {
        SeedResult result = EtcdSeeder.seed(client, 2L << 20, 42);
        assertThat(result.bytes()).isGreaterThanOrEqualTo(2L << 20);
        assertThat(result.revision()).isPositive();
        var all = client.getKVClient().get(bytes("/registry/"),
            GetOption.builder().isPrefix(true).withKeysOnly(true).withCountOnly(true).build()).get(30, TimeUnit.SECONDS);
        assertThat(all.getCount()).isEqualTo(result.keys());
        var configmaps = client.getKVClient().get(bytes("/registry/configmaps/"),
            GetOption.builder().isPrefix(true).withLimit(1).build()).get(30, TimeUnit.SECONDS);
        String value = configmaps.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
        assertThat(value).startsWith("{\"kind\":\"ConfigMap\"").contains("\"managedFields\"");
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(value); // valid JSON
      }
      // Without the client certificate the server refuses the TLS handshake; with it, /health answers.
      var health = java.net.http.HttpRequest.newBuilder(java.net.URI.create(etcd.endpoint() + "/health"))
          .timeout(java.time.Duration.ofSeconds(10)).build();
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(io.flotilla.sandbox.tls.Pki.trustStore(io.flotilla.sandbox.tls.Pki.parseCertificate(tls.caPem())));
      javax.net.ssl.SSLContext trustOnly = javax.net.ssl.SSLContext.getInstance("TLS");
      trustOnly.init(null, tmf.getTrustManagers(), null);
      // A raw TLS socket, not java.net.http: with TLS 1.3 etcd rejects the missing certificate after the handshake,
      // and the JDK HTTP client can miss that alert and wait forever. Reading surfaces it; a timeout is no refusal.
      try (var anonymous = (javax.net.ssl.SSLSocket) trustOnly.getSocketFactory().createSocket("127.0.0.1", etcd.port())) {
        anonymous.setSoTimeout(10_000);
        assertThatThrownBy(() -> {
          anonymous.startHandshake();
          anonymous.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          anonymous.getOutputStream().flush();
          if (anonymous.getInputStream().read() < 0) {
            throw new java.io.EOFException("connection closed without an answer");
          }
        }).isInstanceOf(java.io.IOException.class).isNotInstanceOf(java.net.SocketTimeoutException.class);
      }
      var authenticated = java.net.http.HttpClient.newBuilder().sslContext(etcd.mtlsContext())
          .connectTimeout(java.time.Duration.ofSeconds(10)).build();
      assertThat(authenticated.send(health, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    } finally {
      etcd.close();
      etcd.close(); // idempotent
    }
    assertThat(EtcdLauncher.runningPids()).doesNotContain(pid);
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(Files.readString(etcd.logFile())).isNotEmpty();
  }

  @Test
  void seedIsDeterministic() {
    ObjectGenerator a = new ObjectGenerator(7);
    ObjectGenerator b = new ObjectGenerator(7);
    for (int i = 0; i < 200; i++) {
      assertThat(a.next()).isEqualTo(b.next());
    }
    assertThat(new ObjectGenerator(8).next()).isNotEqualTo(new ObjectGenerator(7).next());
  }

  private static ByteSequence bytes(String s) { return ByteSequence.from(s, StandardCharsets.UTF_8); }
}
