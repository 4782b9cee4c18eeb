package io.flotilla.hub;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code flotilla-hub-manager}: runs the hub-manager until terminated. */
@Command(name = "flotilla-hub-manager", mixinStandardHelpOptions = true,
    description = "Runs the Flotilla hub-manager on the hub cluster.")
public class HubManagerMain implements Callable<Integer> {
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_HUB = 4;

  @Option(names = "--kubeconfig", description = "Hub kubeconfig (default: $KUBECONFIG, then ~/.kube/config, then in-cluster).")
  Path kubeconfig;

  @Option(names = "--grace-heartbeats", defaultValue = "5", description = "Missed heartbeats before a cluster is Unknown (default: ${DEFAULT-VALUE}).")
  int graceHeartbeats;

  @Option(names = "--lease-namespace", defaultValue = "flotilla-system", description = "Namespace of the leader-election lease (default: ${DEFAULT-VALUE}).")
  String leaseNamespace;

  @Option(names = "--identity", description = "Leader-election identity (default: hostname).")
  String identity;

  @Option(names = "--no-leader-election", description = "Run without leader election.")
  boolean noLeaderElection;

  private PrintWriter err = new PrintWriter(System.err, true);
  private CountDownLatch stop = new CountDownLatch(1);

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

  /** Runs until interrupted; returns the exit code (non-zero with one line on stderr on bad input). */
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
    if (graceHeartbeats < 1) {
      err.println("error: --grace-heartbeats must be at least 1");
      return EXIT_USAGE;
    }
    Config config;
    try {
      config = loadConfig(kubeconfig);
    } catch (KubeconfigException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    HubManagerConfig hc = HubManagerConfig.defaults().withGraceHeartbeats(graceHeartbeats)
        .withLeaseNamespace(leaseNamespace).withLeaderElection(!noLeaderElection);
    if (identity != null && !identity.isBlank()) {
      hc = hc.withIdentity(identity);
    }
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
         HubManager manager = new HubManager(client, hc)) {
      try {
        manager.start();
      } catch (KubernetesClientException e) {
        err.println("error: cannot start against the hub at " + config.getMasterUrl() + ": " + oneLine(e));
        return EXIT_HUB;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "hub-manager-shutdown"));
      stop.await();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  static final class KubeconfigException extends Exception {
    KubeconfigException(String message) { super(message); }
  }

  /** An explicit path must exist and parse; otherwise $KUBECONFIG, ~/.kube/config, in-cluster (fabric8's order). */
  static Config loadConfig(Path explicit) throws KubeconfigException {
    Path path = explicit;
    if (path == null) {
      String env = System.getenv("KUBECONFIG");
      if (env != null && !env.isBlank() && !env.contains(java.io.File.pathSeparator)) {
        path = Path.of(env);
        if (!Files.exists(path)) {
          throw new KubeconfigException("kubeconfig " + path + " (from $KUBECONFIG): no such file");
        }
      }
    }
    if (path == null) {
      return Config.autoConfigure(null);
    }
    return parseKubeconfig(path, "kubeconfig");
  }

  /** Reads and parses a kubeconfig file, with one-line errors that never include the file's contents. */
  public static Config parseKubeconfig(Path path, String what) throws KubeconfigException {
    if (!Files.exists(path)) {
      throw new KubeconfigException(what + " " + path + ": no such file");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new KubeconfigException(what + " " + path + ": not a readable file");
    }
    String content;
    try {
      content = Files.readString(path);
    } catch (Exception e) {
      throw new KubeconfigException(what + " " + path + ": cannot read: " + e.getClass().getSimpleName());
    }
    try {
      Config config = Config.fromKubeconfig(null, content, path.toString());
      if (config.getMasterUrl() == null || config.getCurrentContext() == null) {
        throw new KubeconfigException(what + " " + path + ": no current context with a server");
      }
      return config;
    } catch (KubeconfigException e) {
      throw e;
    } catch (Exception e) {
      throw new KubeconfigException(what + " " + path + ": not a valid kubeconfig");
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
