package io.flotilla.sandbox;

import io.flotilla.sandbox.etcd.EtcdLauncher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The sandbox's spoke-agents as OS processes, each running the deployable's main with the flags of
 * manifests/spoke/spoke-agent.yaml, so stopping one is a real SIGTERM and a stopped agent stays stopped until it is
 * started again. All state is in files under D/agents/, so whichever process comes next (`sandbox up`, `sandbox agent
 * start|stop`) can start, find and stop an agent:
 * <ul>
 *   <li>{@code <cluster>.args}: the agent's flags, one a line, written at `sandbox up`; the relay port is picked per start</li>
 *   <li>{@code <cluster>-relay/tls.crt, tls.key}: the snapshot relay's certificate, from the sandbox's relay CA</li>
 *   <li>{@code <cluster>.pid}: the agent's pid while it runs</li>
 *   <li>{@code <cluster>.exit}: "pid exit-code" of its last run</li>
 *   <li>{@code <cluster>.log}: its stdout and stderr, appended</li>
 * </ul>
 */
public final class AgentProcesses {
  public static final String MAIN = "io.flotilla.agent.SpokeAgentMain";
  /**
   * The agent JVM's first option, naming its cluster: what ps shows first, and what tells a recycled pid from the
   * agent (the operating system reports only the first 4 KiB of a command line, which the classpath fills).
   */
  public static final String MARKER_PROPERTY = "flotilla.sandbox.agent";
  /** The agent's shutdown grace (60 s by default) plus a margin: only an agent that overran it is killed. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(75);
  /** A JVM forks, and its shell writes the pid file, within milliseconds; this only bounds a broken machine. */
  private static final Duration PID_FILE_TIMEOUT = Duration.ofSeconds(10);
  /** The wrapper records the exit code right after the agent exits. */
  private static final Duration EXIT_FILE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The agent's parent: a shell that records the agent's pid, waits for it, then removes the pid file (only if it
   * still names this agent) and records the exit code. So whoever stops an agent without being its parent (`sandbox
   * agent stop`) learns how it ended, and an agent that dies on its own leaves no pid file. SIGINT is ignored (as
   * `&` in a non-interactive shell does anyway): Ctrl-C of `sandbox up` reaches its whole process group, and the
   * fleet itself stops the agents first, with SIGTERM, while the API servers they talk to still answer.
   */
  private static final String WRAPPER = """
      pid_file=$1 exit_file=$2; shift 2
      trap '' INT
      "$@" </dev/null &
      agent=$!
      echo "$agent" > "$pid_file.tmp" && mv "$pid_file.tmp" "$pid_file"
      wait "$agent"; code=$?
      [ "$(cat "$pid_file" 2>/dev/null)" = "$agent" ] && rm -f "$pid_file"
      echo "$agent $code" > "$exit_file.tmp" && mv "$exit_file.tmp" "$exit_file"
      exit "$code"
      """;

  /**
   * How an agent's JVM is started. The classpath is the running JVM's (the CLI's jar and lib/, or a test's
   * classpath: both hold the spoke-agent), unless -Dflotilla.agent.classpath says otherwise.
   */
  public record Launch(Path java, String classpath, List<String> jvmOptions) {
    public Launch {
      jvmOptions = List.copyOf(jvmOptions);
    }

    public static Launch ofThisJvm() {
      return new Launch(Path.of(System.getProperty("java.home"), "bin", "java"),
          System.getProperty("flotilla.agent.classpath", System.getProperty("java.class.path")),
          // under the deployment's 512Mi limit (manifests/spoke/spoke-agent.yaml) the JVM picks the serial collector too
          List.of("-Xmx256m", "-XX:+UseSerialGC"));
    }
  }

  /** How a stop ended: the exit code is empty only when the agent's wrapper was gone and nobody recorded it. */
  public record Stopped(String cluster, long pid, OptionalInt exitCode, boolean killed) {
    public String describe() {
      return "pid " + pid + (killed ? ", killed (SIGKILL) when the wait ran out" : "") + ", exit code "
          + (exitCode.isPresent() ? Integer.toString(exitCode.getAsInt()) : "unknown");
    }
  }

  /** A pid file names a live agent of that cluster. */
  public static final class AlreadyRunningException extends RuntimeException {
    private final long pid;

    AlreadyRunningException(String cluster, long pid) {
      super(cluster + "'s agent is already running (pid " + pid + ")");
      this.pid = pid;
    }

    public long pid() { return pid; }
  }

  private final Path dir;
  private final Launch launch;

  /** The agents of the sandbox in {@code sandboxDir} (D), started as {@link Launch#ofThisJvm()} says. */
  public AgentProcesses(Path sandboxDir) {
    this(sandboxDir, Launch.ofThisJvm());
  }

  public AgentProcesses(Path sandboxDir, Launch launch) {
    this.dir = sandboxDir.toAbsolutePath().resolve("agents");
    this.launch = launch;
  }

  /**
   * Writes what the agent of {@code cluster} is started from: its flags and the relay's certificate chain and key
   * (PEM, the key PKCS#8), as an installation mounts them from a kubernetes.io/tls Secret.
   */
  public void prepare(String cluster, Path hubKubeconfig, Path kubeconfig, Duration heartbeat, String namespace,
      String relayCertificateChainPem, String relayKeyPem) {
    Path relay = dir.resolve(cluster + "-relay");
    Fleet.writeFile(relay.resolve("tls.crt"), relayCertificateChainPem, false);
    Fleet.writeFile(relay.resolve("tls.key"), relayKeyPem, true);
    List<String> flags = List.of(
        "--hub-kubeconfig", hubKubeconfig.toAbsolutePath().toString(),
        "--kubeconfig", kubeconfig.toAbsolutePath().toString(),
        "--cluster-name", cluster,
        "--heartbeat-interval", heartbeat.toMillis() + "ms",
        "--namespace", namespace,
        "--relay-tls-dir", relay.toString());
    Fleet.writeFile(argsFile(cluster), String.join("\n", flags) + "\n", false);
  }

  /** The clusters whose agents can be started here: those prepared at `sandbox up`. */
  public List<String> clusters() {
    return files(".args").stream().map(name -> name.substring(0, name.length() - ".args".length())).toList();
  }

  /**
   * Starts the agent as a process of its own that outlives the caller, and returns it once its pid file is written.
   *
   * @throws AlreadyRunningException when the pid file names a live agent
   * @throws IllegalArgumentException when the cluster was not prepared here
   */
  public ProcessHandle start(String cluster) {
    List<String> flags = flags(cluster);
    Optional<ProcessHandle> running = running(cluster);
    if (running.isPresent()) {
      throw new AlreadyRunningException(cluster, running.get().pid());
    }
    int relayPort = EtcdLauncher.freePorts(1)[0];
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, "flotilla-agent-" + cluster,
        pidFile(cluster).toString(), exitFile(cluster).toString(), launch.java().toString(), marker(cluster)));
    command.addAll(launch.jvmOptions());
    command.addAll(List.of("-cp", launch.classpath(), MAIN));
    command.addAll(flags);
    // The main listens on 0.0.0.0; the simulators on this machine reach it on loopback, which its certificate names.
    command.addAll(List.of("--relay-port", Integer.toString(relayPort), "--relay-url", "https://127.0.0.1:" + relayPort));
    Path log = log(cluster);
    try {
      Fleet.deleteIfExists(pidFile(cluster)); // stale: it named no live agent
      Files.writeString(log, "--- " + Instant.now() + " starting the agent of " + cluster + ", relay port " + relayPort
          + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      Process wrapper = new ProcessBuilder(command).directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      Instant deadline = Instant.now().plus(PID_FILE_TIMEOUT);
      OptionalLong pid;
      while ((pid = readPid(pidFile(cluster))).isEmpty()) {
        if (!wrapper.isAlive() || Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("the agent of " + cluster + " did not start; see " + log);
        }
        Thread.sleep(20);
      }
      long agentPid = pid.getAsLong();
      return ProcessHandle.of(agentPid).orElseThrow(() -> new IllegalStateException("the agent of " + cluster
          + " exited at once (exit code " + awaitExitCode(cluster, agentPid).stream().mapToObj(Integer::toString)
          .findFirst().orElse("unknown") + "); see " + log));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the agent of " + cluster, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the agent of " + cluster, e);
    }
  }

  /** The live agent its pid file names; a pid file naming no live agent (the wrapper was killed) is stale. */
  public Optional<ProcessHandle> running(String cluster) {
    OptionalLong pid = readPid(pidFile(cluster));
    if (pid.isEmpty()) {
      return Optional.empty();
    }
    // A recycled pid is some other program: its command line does not start with the marker.
    return ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(" " + marker(cluster) + " ")).orElse(true));
  }

  private static String marker(String cluster) { return "-D" + MARKER_PROPERTY + "=" + cluster; }

  /** The exit code of the agent's last run, if it was recorded. */
  public OptionalInt lastExitCode(String cluster) {
    String[] pidAndCode = readExit(cluster);
    return pidAndCode == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(pidAndCode[1]));
  }

  /** Stops the agent if it runs: SIGTERM, up to {@link #STOP_TIMEOUT}, then SIGKILL. Never restarts it. */
  public Optional<Stopped> stop(String cluster) {
    List<Stopped> stopped = stop(List.of(cluster), STOP_TIMEOUT);
    return stopped.stream().findFirst();
  }

  /** Stops these clusters' agents together (SIGTERM to all, then one shared wait), so N agents take one grace period. */
  public List<Stopped> stop(Collection<String> clusters, Duration timeout) {
    Map<String, ProcessHandle> agents = new LinkedHashMap<>();
    for (String cluster : clusters) {
      running(cluster).ifPresentOrElse(p -> agents.put(cluster, p), () -> Fleet.deleteIfExists(pidFile(cluster)));
    }
    agents.values().forEach(ProcessHandle::destroy);
    Instant deadline = Instant.now().plus(timeout);
    List<Stopped> stopped = new ArrayList<>();
    for (var agent : agents.entrySet()) {
      String cluster = agent.getKey();
      ProcessHandle process = agent.getValue();
      boolean killed = !awaitExit(process, Duration.between(Instant.now(), deadline));
      if (killed) {
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(5));
      }
      OptionalInt code = awaitExitCode(cluster, process.pid());
      if (readPid(pidFile(cluster)).equals(OptionalLong.of(process.pid()))) {
        Fleet.deleteIfExists(pidFile(cluster)); // its wrapper is gone too
      }
      stopped.add(new Stopped(cluster, process.pid(), code, killed));
    }
    return stopped;
  }

  /**
   * Makes way for a new sandbox in D: agents an earlier one left running (its `up` was killed) serve a hub that is
   * gone, so they get only a short grace; their files go, so only the new sandbox's agents are known here.
   */
  public void reset() {
    TreeSet<String> clusters = new TreeSet<>();
    files(".pid").forEach(name -> clusters.add(name.substring(0, name.length() - ".pid".length())));
    stop(clusters, Duration.ofSeconds(5));
    for (String suffix : List.of(".args", ".pid", ".exit")) {
      files(suffix).forEach(name -> Fleet.deleteIfExists(dir.resolve(name)));
    }
  }

  public Path log(String cluster) { return dir.resolve(cluster + ".log"); }

  public Path pidFile(String cluster) { return dir.resolve(cluster + ".pid"); }

  private Path argsFile(String cluster) { return dir.resolve(cluster + ".args"); }

  private Path exitFile(String cluster) { return dir.resolve(cluster + ".exit"); }

  private List<String> flags(String cluster) {
    try {
      return Files.readAllLines(argsFile(cluster)).stream().filter(l -> !l.isBlank()).toList();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalArgumentException("no management cluster " + cluster + " in the sandbox in " + dir.getParent()
          + "; have " + clusters());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> files(String suffix) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static OptionalLong readPid(Path file) {
    try {
      return OptionalLong.of(Long.parseLong(Files.readString(file).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty(); // none, or (never, as it is renamed into place) half written
    }
  }

  private String[] readExit(String cluster) {
    try {
      String[] pidAndCode = Files.readString(exitFile(cluster)).strip().split(" ");
      return pidAndCode.length == 2 ? pidAndCode : null;
    } catch (IOException e) {
      return null;
    }
  }

  private OptionalInt awaitExitCode(String cluster, long pid) {
    Instant deadline = Instant.now().plus(EXIT_FILE_TIMEOUT);
    while (true) {
      String[] pidAndCode = readExit(cluster);
      if (pidAndCode != null && pidAndCode[0].equals(Long.toString(pid))) {
        return OptionalInt.of(Integer.parseInt(pidAndCode[1]));
      }
      if (Instant.now().isAfter(deadline)) {
        return OptionalInt.empty();
      }
      sleep(50);
    }
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return true;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
