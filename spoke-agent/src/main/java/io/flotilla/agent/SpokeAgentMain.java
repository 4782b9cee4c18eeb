package io.flotilla.agent;

import io.fabric8.kubernetes.client.Config;
import io.flotilla.common.Kubeconfigs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.common.BuildInfo;
import io.flotilla.common.GracefulShutdown;
import io.flotilla.agent.work.AgentWork;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

/**
 * {@code flotilla-agent}. Exit codes: 0 stopped normally; 1 unexpected error; 2 bad input (missing, unreadable or
 * unparseable kubeconfig, bad option); 3 cluster unknown to the hub; 4 hub unreachable or credentials refused.
 * Errors are one line on stderr, never a stack trace, never kubeconfig contents.
 */
@Command(name = "flotilla-agent", mixinStandardHelpOptions = true,
    description = "Runs the Flotilla spoke-agent on a management cluster.")
public class SpokeAgentMain implements Callable<Integer> {
  public static final int EXIT_OK = 0;
  public static final int EXIT_ERROR = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_UNKNOWN_CLUSTER = 3;
  public static final int EXIT_HUB_UNREACHABLE = 4;

  @Option(names = "--hub-kubeconfig", required = true, description = "Kubeconfig for the hub (the agent's token).")
  Path hubKubeconfig;

  @Option(names = "--kubeconfig", description = "Kubeconfig for the local management cluster (default: in-cluster / $KUBECONFIG).")
  Path kubeconfig;

  @Option(names = "--cluster-name", required = true, description = "This cluster's name on the hub.")
  String clusterName;

  @Option(names = "--heartbeat-interval", defaultValue = "60s",
      description = "Heartbeat interval, e.g. 60s, 1m, PT30S (default: ${DEFAULT-VALUE}); the hub's spec.leaseDurationSeconds overrides it.")
  String heartbeatInterval;

  @Option(names = "--namespace", defaultValue = "flotilla-agent",
      description = "The agent's namespace on the management cluster; its backup journal lives there (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--backup-bandwidth-limit", defaultValue = "0",
      description = "Raw snapshot bytes per second read from a hosted cluster's etcd, e.g. 50Mi; 0 = unlimited (default).")
  String backupBandwidthLimit;

  @Option(names = "--relay-tls-dir",
      description = "Folder with tls.crt and tls.key (a mounted kubernetes.io/tls Secret) for the snapshot relay that serves restores to etcd-init; without it this agent cannot restore.")
  Path relayTlsDir;

  @Option(names = "--metrics-port", defaultValue = "0",
      description = "Port of the plain-HTTP Prometheus endpoint GET /metrics; 0 turns it off (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--relay-port", defaultValue = "8443", description = "Port of the snapshot relay (default: ${DEFAULT-VALUE}).")
  int relayPort;

  @Option(names = "--shutdown-grace", defaultValue = "60s",
      description = "On SIGTERM, how long work in flight has to finish or be undone (a backup resumes its hosted cluster "
          + "and aborts its upload) before the agent exits; keep the pod's terminationGracePeriodSeconds above it "
          + "(default: ${DEFAULT-VALUE}).")
  String shutdownGrace;

  @Option(names = "--relay-url", description = "Base URL etcd-init uses to reach the relay, e.g. the agent's Route (default: https://localhost:<port>).")
  String relayUrl;

  private PrintWriter err;
  /** Asks a running agent to stop: SIGTERM/SIGINT when run as a process (main), a test otherwise. */
  GracefulShutdown stop;
  /** Whether the agent started (joined the hub, or runs the local schedule). */
  private volatile boolean running;
  /** The metrics endpoint, once started; closed with the agent. */
  private final java.util.concurrent.atomic.AtomicReference<io.flotilla.agent.metrics.AgentMetrics> metrics =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** Whether SIGTERM and SIGINT stop the agent (only the process's main installs the handlers). */
  private boolean onSignals;

  static {
    // The deployable's logging config ships under its own name, so library use of this jar (the sandbox, the CLI)
    // keeps its own logback.xml; an explicit -Dlogback.configurationFile still wins.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "io/flotilla/agent/logback-spoke-agent.xml");
    }
  }

  public static void main(String... args) {
    System.exit(run(new PrintWriter(System.err, true), true, args));
  }

  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  /** Runs the agent (blocking until stopped) or fails fast; returns the exit code. */
  public static int run(PrintWriter err, String... args) {
    return run(err, false, args);
  }

  private static int run(PrintWriter err, boolean onSignals, String... args) {
    SpokeAgentMain main = new SpokeAgentMain();
    main.err = err;
    main.onSignals = onSignals;
    CommandLine cmd = new CommandLine(main);
    cmd.setErr(err);
    cmd.setParameterExceptionHandler((ex, a) -> {
      err.println("error: " + ex.getMessage());
      return EXIT_USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, c, p) -> {
      err.println("error: " + SpokeAgent.rootMessage(ex));
      return EXIT_ERROR;
    });
    return cmd.execute(args);
  }

  @Override
  public Integer call() {
    if (metricsPort < 0 || metricsPort > 65535) {
      err.println("error: --metrics-port must be between 0 (off) and 65535");
      return EXIT_USAGE;
    }
    Duration interval;
    try {
      interval = parseDuration(heartbeatInterval);
    } catch (IllegalArgumentException e) {
      err.println("error: --heartbeat-interval: " + e.getMessage());
      return EXIT_USAGE;
    }
    Duration grace;
    try {
      grace = parseDuration(shutdownGrace);
    } catch (IllegalArgumentException e) {
      err.println("error: --shutdown-grace: " + e.getMessage());
      return EXIT_USAGE;
    }
    long bandwidth;
    try {
      bandwidth = parseBytes(backupBandwidthLimit);
    } catch (IllegalArgumentException e) {
      err.println("error: --backup-bandwidth-limit: " + e.getMessage());
      return EXIT_USAGE;
    }
    io.flotilla.agent.restore.RelayConfig relay = null;
    if (relayTlsDir != null) {
      try {
        relay = new io.flotilla.agent.restore.RelayConfig("0.0.0.0", relayPort, relayUrl,
            io.flotilla.agent.restore.RelayConfig.serverContext(
                java.nio.file.Files.readString(relayTlsDir.resolve("tls.crt")),
                java.nio.file.Files.readString(relayTlsDir.resolve("tls.key"))));
      } catch (java.io.IOException | IllegalArgumentException e) {
        err.println("error: --relay-tls-dir: " + e.getMessage());
        return EXIT_USAGE;
      }
    }
    Config hubConfig;
    Config localConfig;
    try {
      hubConfig = Kubeconfigs.load(hubKubeconfig, "hub kubeconfig");
      localConfig = kubeconfig == null ? null : Kubeconfigs.load(kubeconfig, "kubeconfig");
    } catch (Kubeconfigs.InvalidKubeconfigException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    // Fail fast at startup: a few quick retries, not fabric8's default backoff of minutes.
    hubConfig.setRequestRetryBackoffLimit(2);
    hubConfig.setRequestRetryBackoffInterval(200);
    hubConfig.setConnectionTimeout(5_000);
    KubernetesClient hub = new KubernetesClientBuilder().withConfig(hubConfig).build();
    KubernetesClient local = localConfig == null ? new KubernetesClientBuilder().build()
        : new KubernetesClientBuilder().withConfig(localConfig).build();
    SpokeAgent agent = new SpokeAgent(hub, local, new AgentConfig(clusterName, interval, BuildInfo.version())
        .withBackup(io.flotilla.agent.backup.BackupConfig.defaults().withAgentNamespace(namespace)
            .withBandwidthLimit(bandwidth).withRelay(relay)).withWork(AgentWork.create(grace)));
    // The work in flight gets --shutdown-grace (AgentWork); the whole close a little more, for what comes after it
    // (heartbeat, clients). Installed before start: a SIGTERM during start-up is a graceful stop too.
    Duration budget = grace.plus(CLOSE_MARGIN);
    Runnable close = () -> {
      long started = System.nanoTime();
      try {
        agent.close();
        if (running) { // a start that failed said so in its one line; nothing more to say
          org.slf4j.LoggerFactory.getLogger(SpokeAgentMain.class).info("spoke-agent stopped in {} ms",
              (System.nanoTime() - started) / 1_000_000);
        }
      } finally {
        try {
          if (metrics.get() != null) {
            metrics.get().close();
          }
        } finally {
          local.close();
          hub.close();
        }
      }
    };
    stop = onSignals ? GracefulShutdown.install("spoke-agent", budget, close)
        : GracefulShutdown.manual("spoke-agent", budget, close);
    int code;
    try {
      code = runUntilStopped(agent, hub, local);
    } catch (RuntimeException e) {
      stop.close();
      throw e;
    }
    boolean stopped = stop.close();
    return code == EXIT_OK && !stopped ? EXIT_ERROR : code;
  }

  /** What the whole close may take beyond --shutdown-grace: the heartbeat and the clients close after the work. */
  static final Duration CLOSE_MARGIN = Duration.ofSeconds(10);

  private int runUntilStopped(SpokeAgent agent, KubernetesClient hub, KubernetesClient local) {
    try {
      agent.start();
    } catch (UnknownClusterException e) {
      err.println("error: " + e.getMessage());
      return EXIT_UNKNOWN_CLUSTER;
    } catch (HubUnreachableException e) {
      err.println("error: " + e.getMessage());
      return EXIT_HUB_UNREACHABLE;
    }
    running = true;
    if (metricsPort != 0) {
      metrics.set(io.flotilla.agent.metrics.AgentMetrics.serve(hub, local, clusterName,
          new java.net.InetSocketAddress(metricsPort)));
    }
    try {
      stop.awaitStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return EXIT_OK;
  }

  /** "0", "1048576", "512Ki", "50Mi", "1Gi": a Kubernetes-style binary quantity of bytes. */
  static long parseBytes(String s) {
    String v = s == null ? "" : s.trim();
    long unit = 1;
    for (var suffix : java.util.Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30).entrySet()) {
      if (v.endsWith(suffix.getKey())) {
        unit = suffix.getValue();
        v = v.substring(0, v.length() - 2);
      }
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("not a byte count: \"" + s + "\" (use e.g. 0, 512Ki, 50Mi)");
    }
  }

  /** "60s", "2m", "1h", "500ms" or ISO-8601 ("PT30S"). */
  static Duration parseDuration(String s) {
    String v = s == null ? "" : s.trim();
    try {
      Duration d;
      if (v.startsWith("P") || v.startsWith("p")) {
        d = Duration.parse(v);
      } else if (v.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      } else if (v.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
      } else if (v.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
      } else {
        d = Duration.ofSeconds(Long.parseLong(v));
      }
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("must be positive, got \"" + s + "\"");
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("not a duration: \"" + s + "\" (use e.g. 60s, 1m, PT30S)");
    }
  }

}
