package io.flotilla.agent.drill;

import io.etcd.jetcd.Client;
import io.flotilla.agent.work.StopSignal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A single-member etcd on a restored data directory, on loopback ports picked free, for the seconds a drill needs it.
 * The agent's own launcher: spoke-agent cannot depend on the sandbox's EtcdLauncher, and a drill needs less (no TLS, no
 * seeding). Plain HTTP on 127.0.0.1: in a pod only the agent's own containers share that address; the data is the
 * hosted cluster's own snapshot, which the agent already holds in plaintext to verify it.
 *
 * <p>{@link #close()} stops it (SIGTERM, then SIGKILL after {@link #STOP_GRACE}) and waits until it has exited.
 */
public final class ScratchEtcd implements AutoCloseable {
  static final String MEMBER = "drill";
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  /** Free ports are picked by binding port 0 and releasing it, so another process may take one first: retry then. */
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final int clientPort;

  private ScratchEtcd(Process process, int clientPort) {
    this.process = process;
    this.clientPort = clientPort;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  public long pid() {
    return process.pid();
  }

  /** A client of this etcd; the caller closes it. */
  public Client client() {
    return Client.builder().endpoints(endpoint()).build();
  }

  /**
   * Starts etcd on {@code dataDir} (restored with {@link #peerUrl} as its member's peer URL) and returns once it
   * answers {@code /health}. Its output goes to {@code log}.
   *
   * @throws StopSignal.Stopped when the agent stops meanwhile (etcd is stopped first)
   * @throws IOException        when it does not start within {@code timeout}, with the end of its log
   */
  static ScratchEtcd start(EtcdBinaries binaries, ScratchDirectory scratch, Path dataDir, Path log, int peerPort,
      StopSignal stop, Duration timeout) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int clientPort = freePort();
      Process process = launch(binaries.etcd(), dataDir, log, clientPort, peerPort);
      ScratchEtcd etcd = new ScratchEtcd(process, clientPort);
      try {
        scratch.recordEtcd(process.pid());
        etcd.awaitHealthy(stop, timeout, log);
        return etcd;
      } catch (StopSignal.Stopped e) {
        etcd.close();
        throw e;
      } catch (IOException e) {
        etcd.close();
        last = e;
        if (!e.getMessage().contains("address already in use")) {
          break;
        }
        peerPort = freePort();
      }
    }
    throw last;
  }

  /** The peer URL a restore records and etcd then listens on; a single member never dials it. */
  static String peerUrl(int port) {
    return "http://127.0.0.1:" + port;
  }

  private static Process launch(Path etcd, Path dataDir, Path log, int clientPort, int peerPort) throws IOException {
    String client = "http://127.0.0.1:" + clientPort;
    List<String> command = new ArrayList<>(List.of(etcd.toString(),
        "--name", MEMBER,
        "--data-dir", dataDir.toString(),
        "--listen-client-urls", client,
        "--advertise-client-urls", client,
        "--listen-peer-urls", peerUrl(peerPort),
        "--initial-advertise-peer-urls", peerUrl(peerPort),
        "--initial-cluster", MEMBER + "=" + peerUrl(peerPort),
        // a hosted cluster's etcd may hold more than the 2 GiB default quota; a drill only reads
        "--quota-backend-bytes", String.valueOf(8L << 30)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    String arch = System.getProperty("os.arch");
    if (!Set.of("amd64", "x86_64").contains(arch)) {
      // etcd 3.4 refuses to run on arm64 and others unless told that this is deliberate
      builder.environment().put("ETCD_UNSUPPORTED_ARCH", "aarch64".equals(arch) ? "arm64" : arch);
    }
    return builder.start();
  }

  private void awaitHealthy(StopSignal stop, Duration timeout, Path log) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create(endpoint() + "/health")).timeout(Duration.ofSeconds(2))
        .build();
    long until = System.nanoTime() + timeout.toNanos();
    String lastAnswer = "no answer";
    while (System.nanoTime() < until) {
      stop.check("the restore drill's etcd was starting");
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + ": " + tail(log));
      }
      try {
        HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) {
          return;
        }
        lastAnswer = "HTTP " + r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        lastAnswer = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while the restore drill's etcd was starting");
      }
      sleep(100);
    }
    throw new IOException("etcd did not become healthy within " + timeout.toSeconds() + " s (" + lastAnswer + "): "
        + tail(log));
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The last lines of a log, one line, for a message. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long millis) throws java.io.InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
  }
}
