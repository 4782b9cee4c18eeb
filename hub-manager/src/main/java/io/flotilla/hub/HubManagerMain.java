package io.flotilla.hub;

import io.fabric8.kubernetes.client.Config;
import io.flotilla.common.Durations;
import io.flotilla.common.GracefulShutdown;
import io.flotilla.common.Kubeconfigs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code flotilla-hub-manager}: runs the hub-manager until terminated. */
@Command(name = "flotilla-hub-manager", mixinStandardHelpOptions = true,
    description = "Runs the Flotilla hub-manager on the hub cluster.")
public class HubManagerMain implements Callable<Integer> {
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_HUB = 4;
  /** Stopping failed or overran --shutdown-grace. */
  public static final int EXIT_SHUTDOWN = 5;

  @Option(names = "--kubeconfig", description = "Hub kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).")
  Path kubeconfig;

  @Option(names = "--grace-heartbeats", defaultValue = "5", description = "Missed heartbeats before a cluster is Unknown (default: ${DEFAULT-VALUE}).")
  int graceHeartbeats;

  @Option(names = "--lease-namespace", defaultValue = "flotilla-system", description = "Namespace of the leader-election lease (default: ${DEFAULT-VALUE}).")
  String leaseNamespace;

  @Option(names = "--webhook-port", defaultValue = "9443",
      description = "HTTPS port of the admission webhook; -1 turns it off (default: ${DEFAULT-VALUE}).")
  int webhookPort;

  @Option(names = "--webhook-extra-san", split = ",", description = "More DNS names/IPs for the webhook certificate.")
  java.util.List<String> webhookExtraSans = new java.util.ArrayList<>();

  @Option(names = "--webhook-url-host", description = "The API server calls https://HOST:PORT instead of the flotilla-webhook Service.")
  String webhookUrlHost;

  @Option(names = "--metrics-port", defaultValue = "0",
      description = "Port of the plain-HTTP Prometheus endpoint GET /metrics; 0 turns it off (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--identity", description = "Leader-election identity (default: hostname).")
  String identity;

  @Option(names = "--no-leader-election", description = "Run without leader election.")
  boolean noLeaderElection;

  @Option(names = "--cluster-source", defaultValue = "auto",
      description = "Where ManagementClusters come from: standalone (flotilla cluster add only), ocm (also one for"
          + " every OCM ManagedCluster that is a HyperShift hosting cluster or --cluster-placement chose; needs OCM's"
          + " cluster API) or auto (ocm when the hub serves cluster.open-cluster-management.io/v1 managedclusters,"
          + " else standalone) (default: ${DEFAULT-VALUE}).")
  String clusterSource;

  @Option(names = "--cluster-placement",
      description = "With OCM: an OCM Placement, as namespace/name (or name, in flotilla-system), whose decisions"
          + " also get ManagementClusters.")
  String clusterPlacement;

  @Option(names = "--reimport-timeout", defaultValue = "10m",
      description = "With OCM: how long a migration waits for its hosted cluster's ManagedCluster to be imported"
          + " again from the destination before it records a timeout (default: ${DEFAULT-VALUE}).")
  String reimportTimeout;

  @Option(names = "--shutdown-grace", defaultValue = "60s",
      description = "On SIGTERM or SIGINT, the whole time for stopping the controllers, releasing leadership and "
          + "stopping the webhook, e.g. 60s or 1m30s; keep it below the pod's terminationGracePeriodSeconds "
          + "(default: ${DEFAULT-VALUE}).")
  String shutdownGrace;

  private PrintWriter err = new PrintWriter(System.err, true);

  static {
    // The deployable's logging config ships under its own name, so library use of this jar (the sandbox, the CLI)
    // keeps its own logback.xml; an explicit -Dlogback.configurationFile still wins.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "io/flotilla/hub/logback-hub-manager.xml");
    }
  }

  public static void main(String... args) {
    System.exit(run(args));
  }

  /** Runs until SIGTERM or SIGINT, then stops within --shutdown-grace; returns the exit code (non-zero with one line
   * on stderr on bad input or an unclean stop). */
  public static int run(String... args) {
    return run(new PrintWriter(System.err, true), args);
  }

  static int run(PrintWriter err, String... args) {
    HubManagerMain main = new HubManagerMain();
    main.err = err;
    CommandLine cmd = new CommandLine(main);
    cmd.setErr(err);
    cmd.setParameterExceptionHandler((ex, a) -> {
      err.println("error: " + ex.getMessage());
      return EXIT_USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, c, p) -> {
      err.println("error: " + oneLine(ex));
      return 1;
    });
    return cmd.execute(args);
  }

  @Override
  public Integer call() {
    if (metricsPort < 0 || metricsPort > 65535) {
      err.println("error: --metrics-port must be between 0 (off) and 65535");
      return EXIT_USAGE;
    }
    if (graceHeartbeats < 1) {
      err.println("error: --grace-heartbeats must be at least 1");
      return EXIT_USAGE;
    }
    Duration grace;
    try {
      grace = Durations.parse(shutdownGrace);
    } catch (IllegalArgumentException e) {
      err.println("error: --shutdown-grace: " + e.getMessage());
      return EXIT_USAGE;
    }
    if (grace.isZero()) {
      err.println("error: --shutdown-grace must be more than 0s");
      return EXIT_USAGE;
    }
    io.flotilla.hub.cluster.ocm.ClusterSource source;
    io.flotilla.api.common.PlacementRef placement = null;
    Duration reimport;
    try {
      source = io.flotilla.hub.cluster.ocm.ClusterSource.parse(clusterSource);
    } catch (IllegalArgumentException e) {
      err.println("error: --cluster-source: " + e.getMessage());
      return EXIT_USAGE;
    }
    if (clusterPlacement != null) {
      if (source == io.flotilla.hub.cluster.ocm.ClusterSource.STANDALONE) {
        err.println("error: --cluster-placement needs OCM: use --cluster-source=ocm or auto");
        return EXIT_USAGE;
      }
      try {
        placement = io.flotilla.api.common.PlacementRef.parse(clusterPlacement);
      } catch (IllegalArgumentException e) {
        err.println("error: --cluster-placement: " + e.getMessage());
        return EXIT_USAGE;
      }
    }
    try {
      reimport = Durations.parse(reimportTimeout);
    } catch (IllegalArgumentException e) {
      err.println("error: --reimport-timeout: " + e.getMessage());
      return EXIT_USAGE;
    }
    if (reimport.isZero()) {
      err.println("error: --reimport-timeout must be more than 0s");
      return EXIT_USAGE;
    }
    Config config;
    try {
      config = loadConfig(kubeconfig);
    } catch (Kubeconfigs.InvalidKubeconfigException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    HubManagerConfig hc = HubManagerConfig.defaults().withGraceHeartbeats(graceHeartbeats)
        .withLeaseNamespace(leaseNamespace).withLeaderElection(!noLeaderElection).withClusterSource(source)
        .withClusterPlacement(placement).withReimportTimeout(reimport);
    if (identity != null && !identity.isBlank()) {
      hc = hc.withIdentity(identity);
    }
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    HubManager manager = new HubManager(client, hc, webhookPort < 0 ? null
        : io.flotilla.hub.webhook.AdmissionWebhookConfig.defaults().withPort(webhookPort)
            .withNamespace(leaseNamespace).withExtraNames(webhookExtraSans).withUrlHost(webhookUrlHost));
    AtomicReference<io.flotilla.hub.metrics.HubMetrics> metrics = new AtomicReference<>();
    // Installed before start, so a SIGTERM during start-up also closes what has started. GracefulShutdown, not
    // try-with-resources, closes: a close that overruns the budget keeps HubManager's lock, and main must still return.
    GracefulShutdown shutdown = GracefulShutdown.install("hub-manager", grace, () -> {
      try {
        manager.close();
      } finally {
        try {
          if (metrics.get() != null) {
            metrics.get().close();
          }
        } finally {
          client.close();
        }
      }
    });
    int code;
    try {
      code = runUntilStopped(manager, client, config, metrics, shutdown);
    } catch (RuntimeException e) {
      shutdown.close();
      throw e;
    }
    boolean stopped = shutdown.close();
    return code == 0 && !stopped ? EXIT_SHUTDOWN : code;
  }

  /** Starts, then waits for a stop request; 0, or EXIT_HUB with one line when the hub refuses the start. */
  private int runUntilStopped(HubManager manager, KubernetesClient client, Config config,
                              AtomicReference<io.flotilla.hub.metrics.HubMetrics> metrics, GracefulShutdown shutdown) {
    try {
      manager.start();
    } catch (KubernetesClientException e) {
      err.println("error: cannot start against the hub at " + config.getMasterUrl() + ": " + oneLine(e));
      return EXIT_HUB;
    } catch (io.flotilla.hub.cluster.ocm.ClusterSource.NotServedException e) {
      err.println("error: " + e.getMessage());
      return EXIT_HUB;
    }
    if (metricsPort != 0) {
      metrics.set(io.flotilla.hub.metrics.HubMetrics.serve(client, new java.net.InetSocketAddress(metricsPort)));
    }
    try {
      shutdown.awaitStop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** An explicit path must exist and parse; otherwise a single-file $KUBECONFIG, else fabric8's auto-configuration
   * (~/.kube/config, then in-cluster), because a hub-manager normally runs in-cluster. */
  static Config loadConfig(Path explicit) {
    String env = System.getenv("KUBECONFIG");
    boolean fromFile = explicit != null || env != null && !env.isBlank() && !env.contains(java.io.File.pathSeparator);
    return fromFile ? Kubeconfigs.load(Kubeconfigs.resolve(explicit), "kubeconfig") : Config.autoConfigure(null);
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
