package io.flotilla.sandbox.etcd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Starts real etcd processes (Debian's etcd-server) for the sandbox, one per hosted cluster, on loopback with client
 * mTLS. Layout under the data directory given to {@link #start}: {@code data/} (etcd's --data-dir), {@code tls/}
 * (server certificate, key and CA) and {@code etcd.log}.
 */
public final class EtcdLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdLauncher.class);
  public static final String ENV_VAR = "FLOTILLA_ETCD";
  static final Path DEFAULT_BINARY = Path.of("/usr/bin/etcd");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  /** Free ports are picked by binding port 0 and releasing it, so another process may win the race; retry then. */
  private static final int START_ATTEMPTS = 3;

  private final Path binary;

  public EtcdLauncher() { this(findEtcd()); }

  public EtcdLauncher(Path binary) { this.binary = binary; }

  public Path binary() { return binary; }

  /** $FLOTILLA_ETCD, then etcd on the PATH, then /usr/bin/etcd. */
  public static Path findEtcd() {
    return findEtcd(System.getenv(ENV_VAR), System.getenv("PATH"), DEFAULT_BINARY);
  }

  /** Package-private so tests can simulate a machine without etcd. */
  static Path findEtcd(String override, String pathVariable, Path fallback) {
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      // An explicit setting that points nowhere is an error, not a reason to silently use another etcd.
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p;
      }
      throw new EtcdNotFoundException();
    }
    if (pathVariable != null) {
      for (String dir : pathVariable.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path candidate = Path.of(dir, "etcd");
          if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
            return candidate;
          }
        }
      }
    }
    if (fallback != null && Files.isExecutable(fallback)) {
      return fallback;
    }
    throw new EtcdNotFoundException();
  }

  /** Starts etcd and returns once it answers a health check over mTLS. */
  public EtcdProcess start(String memberName, Path dataDir, EtcdTls tls) {
    Path tlsDir = dataDir.resolve("tls");
    Path etcdData = dataDir.resolve("data");
    Path log = dataDir.resolve("etcd.log");
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tls.writeServerFiles(tlsDir);
    RuntimeException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      int[] ports = freePorts(2);
      Process process = launch(memberName, etcdData, tlsDir, log, ports[0], ports[1]);
      EtcdProcess etcd = new EtcdProcess(memberName, process, ports[0], dataDir, etcdData, tls);
      try {
        etcd.awaitHealthy(STARTUP_TIMEOUT);
        LOG.info("etcd {} started: pid {}, {}", memberName, process.pid(), etcd.endpoint());
        return etcd;
      } catch (RuntimeException e) {
        etcd.close();
        last = e;
        LOG.warn("etcd {} did not start (attempt {}/{}): {}", memberName, attempt, START_ATTEMPTS, e.getMessage());
      }
    }
    throw last;
  }

  private Process launch(String name, Path data, Path tlsDir, Path log, int clientPort, int peerPort) {
    String clientUrl = "https://127.0.0.1:" + clientPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--name", name,
        "--data-dir", data.toString(),
        "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl,
        // A single member on loopback: the peer URL is never dialled by anyone else, plain HTTP is enough.
        "--listen-peer-urls", peerUrl,
        "--initial-advertise-peer-urls", peerUrl,
        "--initial-cluster", name + "=" + peerUrl,
        "--initial-cluster-state", "new",
        "--cert-file", tlsDir.resolve(EtcdTls.SERVER_CERT_FILE).toString(),
        "--key-file", tlsDir.resolve(EtcdTls.SERVER_KEY_FILE).toString(),
        "--trusted-ca-file", tlsDir.resolve(EtcdTls.CA_FILE).toString(),
        "--client-cert-auth",
        // Hosted-cluster-sized seeds (hundreds of MiB) must fit; the 2 GiB default quota would be tight with history.
        "--quota-backend-bytes", String.valueOf(8L << 30)));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    String arch = System.getProperty("os.arch");
    if (!Set.of("amd64", "x86_64").contains(arch)) {
      // etcd 3.4 refuses to run on arm64 and others unless told that this is deliberate.
      env.put("ETCD_UNSUPPORTED_ARCH", "aarch64".equals(arch) ? "arm64" : arch);
    }
    try {
      Process process = builder.start();
      ProcessRegistry.register(process);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
  }

  /** Pids of every etcd this JVM started and has not stopped yet. */
  public static Set<Long> runningPids() { return ProcessRegistry.pids(); }

  /** Ports free on loopback now: bound to port 0 and released, so another process may still take one first. */
  public static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    } finally {
      sockets.forEach(s -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a probe socket cannot usefully fail
        }
      });
    }
  }

  static Optional<String> tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return Optional.of(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
