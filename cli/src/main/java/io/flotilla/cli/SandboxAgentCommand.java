package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.sandbox.AgentProcesses;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/** `flotilla sandbox agent start|stop|status`: the agents of a sandbox brought up with `sandbox up --agent-processes`. */
@Command(name = "agent", description = "Start, stop and list the agents of a sandbox run with `sandbox up --agent-processes`, "
    + "where each management cluster's spoke-agent is a process of its own.",
    subcommands = {SandboxAgentCommand.Start.class, SandboxAgentCommand.Stop.class, SandboxAgentCommand.Status.class})
final class SandboxAgentCommand {
  /** A JVM starts and joins in seconds; an agent that has not renewed its lease by then is stuck (its log says why). */
  static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

  /** --dir, and what is there: the agents `sandbox up` prepared in D/agents/. */
  static final class SandboxDir {
    @Option(names = "--dir", paramLabel = "D", defaultValue = ".sandbox",
        description = "The sandbox's directory, as given to `sandbox up` (default ./.sandbox).")
    Path dir;

    Path path() { return dir.toAbsolutePath().normalize(); }

    boolean up() { return Files.exists(path().resolve("ready")); }

    /** The sandbox's agents, after checking that it has one for {@code cluster} (bad input otherwise). */
    AgentProcesses agents(String cluster) {
      AgentProcesses agents = new AgentProcesses(path());
      List<String> clusters = agents.clusters();
      if (clusters.isEmpty() && !up()) {
        throw new BadInputException(notUp());
      }
      if (clusters.isEmpty()) {
        throw new BadInputException("the sandbox in " + path() + " runs its agents inside `sandbox up` (it was started "
            + "without --agent-processes)");
      }
      if (cluster != null && !clusters.contains(cluster)) {
        throw new BadInputException("no management cluster " + cluster + " in the sandbox in " + path() + "; have "
            + String.join(", ", clusters));
      }
      return agents;
    }

    String notUp() {
      return "no sandbox is up in " + path() + " (no " + path().resolve("ready") + "); start one with "
          + "`flotilla sandbox up --agent-processes --dir " + path() + "`";
    }
  }

  @Command(name = "start", description = {"Start a management cluster's agent as a process of its own, from the "
      + "files `sandbox up --agent-processes` wrote in D, and wait until it renews its lease on the hub. The agent "
      + "keeps running after this command; its output goes to D/agents/<cluster>.log, its pid to D/agents/<cluster>.pid."})
  static final class Start implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The management cluster, e.g. mc-1.")
    String cluster;

    @Mixin SandboxDir sandbox;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (!sandbox.up()) {
        throw new BadInputException(sandbox.notUp());
      }
      AgentProcesses agents = sandbox.agents(cluster);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient hub = hubClient(sandbox.path())) {
        String before = renewTime(hub, cluster); // also fails fast, before starting anything, if the hub is gone
        ProcessHandle agent;
        try {
          agent = agents.start(cluster);
        } catch (AgentProcesses.AlreadyRunningException e) {
          throw new CommandFailedException(e.getMessage());
        }
        out.printf("agent %s started (pid %d), log %s%n", cluster, agent.pid(), agents.log(cluster));
        out.flush();
        HubQueries.Waited<String> renewed = HubQueries.poll(JOIN_TIMEOUT, () -> renewTime(hub, cluster),
            r -> !Objects.equals(r, before) || !agent.isAlive(), r -> { }, cluster + "'s lease");
        if (!agent.isAlive()) {
          throw new CommandFailedException("agent " + cluster + " exited (" + exitCode(agents, cluster) + "); see "
              + agents.log(cluster));
        }
        if (!renewed.reached()) {
          throw new CommandFailedException("agent " + cluster + " (pid " + agent.pid() + ") has not renewed its lease on "
              + "the hub within " + JOIN_TIMEOUT.toSeconds() + "s; see " + agents.log(cluster));
        }
        out.printf("agent %s joined: lease renewed at %s%n", cluster, renewed.last());
        return 0;
      }
    }
  }

  @Command(name = "stop", description = {"Stop a management cluster's agent as an operator would: SIGTERM, up to "
      + "75s for it to finish, then SIGKILL; report its exit code. It stays stopped until `sandbox agent start`."})
  static final class Stop implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The management cluster, e.g. mc-1.")
    String cluster;

    @Mixin SandboxDir sandbox;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      AgentProcesses agents = sandbox.agents(cluster);
      PrintWriter out = spec.commandLine().getOut();
      var running = agents.running(cluster);
      if (running.isEmpty()) {
        out.printf("agent %s is not running%n", cluster);
        return 0;
      }
      out.printf("stopping agent %s (pid %d): SIGTERM, SIGKILL after %ds%n", cluster, running.get().pid(),
          AgentProcesses.STOP_TIMEOUT.toSeconds());
      out.flush();
      agents.stop(cluster).ifPresentOrElse(s -> out.printf("agent %s stopped (%s)%n", cluster, s.describe()),
          () -> out.printf("agent %s had already stopped (%s)%n", cluster, exitCode(agents, cluster)));
      return 0;
    }
  }

  @Command(name = "status", description = "Each agent of the sandbox: running (with its pid) or stopped (with its last exit code).")
  static final class Status implements Callable<Integer> {
    @Mixin SandboxDir sandbox;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      AgentProcesses agents = sandbox.agents(null);
      Table table = new Table("CLUSTER", "STATE", "PID", "LAST EXIT", "LOG");
      for (String cluster : agents.clusters()) {
        var running = agents.running(cluster);
        var last = agents.lastExitCode(cluster);
        table.row(cluster, running.isPresent() ? "running" : "stopped", running.map(p -> Long.toString(p.pid())).orElse("-"),
            last.isPresent() ? Integer.toString(last.getAsInt()) : "-", agents.log(cluster));
      }
      spec.commandLine().getOut().print(table.render());
      return 0;
    }
  }

  private static String exitCode(AgentProcesses agents, String cluster) {
    var code = agents.lastExitCode(cluster);
    return code.isPresent() ? "exit code " + code.getAsInt() : "exit code unknown";
  }

  /** The sandbox's hub as its admin: D/hub.kubeconfig. */
  private static KubernetesClient hubClient(Path dir) {
    HubOptions options = new HubOptions();
    options.kubeconfig = dir.resolve("hub.kubeconfig");
    return options.client();
  }

  /** When the agent last renewed its Lease in the cluster's namespace on the hub; null before it ever did. */
  private static String renewTime(KubernetesClient hub, String cluster) {
    Lease lease = hub.leases().inNamespace(cluster).withName(ClusterRegistration.AGENT_LEASE).get();
    return lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null ? null
        : lease.getSpec().getRenewTime().toInstant().toString();
  }
}
