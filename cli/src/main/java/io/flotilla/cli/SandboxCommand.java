package io.flotilla.cli;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.sandbox.Fleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

@Command(name = "sandbox", description = "The local fleet: a hub and management clusters on this machine.",
    subcommands = {SandboxCommand.Up.class, SandboxCommand.Demo.class, SandboxAgentCommand.class})
final class SandboxCommand {

  /** Options shared by `up` and `demo`. */
  static final class FleetOptions {
    @Option(names = "--clusters", paramLabel = "N", defaultValue = "2", description = "Management clusters (default 2).")
    int clusters;

    @Option(names = "--hosted-per-cluster", paramLabel = "M", defaultValue = "2",
        description = "Hosted clusters per management cluster (default 2).")
    int hostedPerCluster;

    @Option(names = "--etcd-size", paramLabel = "BYTES", defaultValue = "4Mi",
        description = "Kubernetes-like data seeded into each hosted cluster's etcd (e.g. 4Mi, 256Mi).")
    String etcdSize;

    @Option(names = "--hosted-names-per-cluster",
        description = "Name hosted clusters per management cluster (every cluster gets clusters/hc-1, clusters/hc-2, ...),"
            + " as real fleets do; by default names are unique across the sandbox.")
    boolean hostedNamesPerCluster;

    @Option(names = "--ocm", description = "Also simulate Open Cluster Management on the hub: a ManagedCluster per "
        + "management and hosted cluster, leases, taints, cluster sets and placements (docs/architecture.md, The sandbox).")
    boolean ocm;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "2",
        description = "Agent heartbeat interval in seconds (default 2); the hub's grace period is 5 heartbeats.")
    int heartbeatSeconds;

    Fleet.Options toOptions(Path dir) {
      if (clusters < 1 || clusters > 200) {
        throw new BadInputException("--clusters must be between 1 and 200");
      }
      if (hostedPerCluster < 0 || hostedPerCluster > 50) {
        throw new BadInputException("--hosted-per-cluster must be between 0 and 50");
      }
      if (heartbeatSeconds < 1) {
        throw new BadInputException("--heartbeat must be at least 1 second");
      }
      return Fleet.Options.defaults(dir).withClusters(clusters).withHostedPerCluster(hostedPerCluster)
          .withEtcdSeedBytes(Sizes.parse(etcdSize)).withHeartbeat(Duration.ofSeconds(heartbeatSeconds), 5)
          .withHostedNamesPerCluster(hostedNamesPerCluster).withOcm(ocm);
    }
  }

  @Command(name = "up", description = {
      "Start the fleet and keep it running until Ctrl-C. Writes D/hub.kubeconfig, D/<cluster>.kubeconfig, D/s3.env "
          + "and D/ready (when everything is up)."})
  static final class Up implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--dir", paramLabel = "D", defaultValue = ".sandbox",
        description = "Where kubeconfigs, S3 credentials and data go (default ./.sandbox).")
    Path dir;

    @Option(names = "--agent-processes", description = "Run each management cluster's agent as its own process, as "
        + "deployed (pid in D/agents/<cluster>.pid, output in D/agents/<cluster>.log); a stopped agent stays stopped "
        + "until `flotilla sandbox agent start`.")
    boolean agentProcesses;

    @picocli.CommandLine.Mixin FleetOptions fleetOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      Fleet fleet = Fleet.up(fleetOptions.toOptions(dir).withAgentProcesses(agentProcesses),
          line -> { out.println("  " + line); out.flush(); });
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = new Thread(() -> {
        // Ctrl-C: stop everything we started (agent and etcd processes, servers) before the JVM goes; agent processes
        // `sandbox agent start` started too, found by their pid files.
        fleet.close();
        stopped.countDown();
      }, "sandbox-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      Path d = dir.toAbsolutePath();
      out.printf("%nSandbox is up (%s/ready). Press Ctrl-C to stop it.%n%n", d);
      out.printf("  kubectl --kubeconfig %s/hub.kubeconfig get managementclusters%n", d);
      if (fleet.options().ocm()) {
        out.printf("  kubectl --kubeconfig %s/hub.kubeconfig get managedclusters   # OCM, simulated%n", d);
      }
      for (String c : fleet.clusterNames()) {
        out.printf("  kubectl --kubeconfig %s/%s.kubeconfig get hostedclusters -A%n", d, c);
      }
      out.printf("  bin/flotilla status --kubeconfig %s/hub.kubeconfig%n", d);
      if (agentProcesses) {
        String c = fleet.clusterNames().get(0);
        out.printf("  bin/flotilla sandbox agent stop %s --dir %s   # then: sandbox agent start|status%n", c, d);
      }
      out.printf("  set -a; . %s/s3.env; set +a   # S3 endpoint, bucket and credentials%n%n", d);
      out.print(FleetTable.of(fleet.hub().resources(ManagementCluster.class).list().getItems(), Instant.now()).render());
      out.flush();
      stopped.await();
      return 0;
    }
  }

  @Command(name = "demo", description = {
      "Flotilla's main job on the local fleet: bring a fleet up, run every flow end to end with visible progress, "
          + "print the fleet table and exit 0 on success."})
  static final class Demo implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--dir", paramLabel = "D", description = "Working directory (default: a fresh temporary one).")
    Path dir;

    @picocli.CommandLine.Mixin FleetOptions fleetOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Path workDir = dir != null ? dir : java.nio.file.Files.createTempDirectory("flotilla-demo-");
      // agents as processes, as deployed: stopping one in the health step is a real SIGTERM
      return new SandboxDemo(spec.commandLine().getOut()).run(fleetOptions.toOptions(workDir).withAgentProcesses(true));
    }
  }
}
