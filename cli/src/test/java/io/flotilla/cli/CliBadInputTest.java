package io.flotilla.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CliBadInputTest {
  @Test
  void statusWithAMissingKubeconfigExitsTwoWithOneLine(@TempDir Path tmp) {
    Captured c = run("status", "--kubeconfig", tmp.resolve("missing").toString());
    assertThat(c.code).isEqualTo(2);
    assertThat(c.err.strip()).isEqualTo("error: kubeconfig " + tmp.resolve("missing") + ": no such file");
  }

  @Test
  void statusWithAnUnparseableKubeconfigExitsTwo(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("bad");
    Files.writeString(file, "clusters: [");
    Captured c = run("status", "--kubeconfig", file.toString());
    assertThat(c.code).isEqualTo(2);
    assertThat(c.err.strip()).isEqualTo("error: kubeconfig " + file + ": not a valid kubeconfig").doesNotContain("\tat ");
  }

  @Test
  void clusterAddRefusesANameThatIsNotADnsLabel(@TempDir Path tmp) {
    Captured c = run("cluster", "add", "MC_1", "--kubeconfig", tmp.resolve("k").toString());
    assertThat(c.code).isEqualTo(2);
    assertThat(c.err).contains("MC_1").contains("DNS label");
  }

  @Test
  void anUnreachableHubIsExitFourWithOneLineNamingTheServer(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("dead");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters: [{name: hub, cluster: {server: "https://127.0.0.1:%d"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: hub, context: {cluster: hub, user: u}}]
        current-context: hub
        """.formatted(port));
    long started = System.nanoTime();
    Captured c = run("status", "--kubeconfig", file.toString());
    System.out.printf("unreachable hub reported in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(c.code).isEqualTo(4);
    assertThat(c.err.strip()).startsWith("error: cannot reach the API server https://127.0.0.1:" + port)
        .doesNotContain("\n").doesNotContain("Operation: [list]");
  }

  private record Captured(int code, String err) {}

  private static Captured run(String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true));
    try {
      int code = FlotillaCli.run(args);
      return new Captured(code, err.toString());
    } finally {
      System.setErr(original);
    }
  }
}
