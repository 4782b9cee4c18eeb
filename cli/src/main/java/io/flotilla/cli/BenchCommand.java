package io.flotilla.cli;

import io.flotilla.hub.addon.rollout.PlannerBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "bench", description = "Benchmarks (figures depend on the machine; not tests).",
    subcommands = {BenchCommand.Backup.class, BenchCommand.Drill.class, BenchCommand.Rollout.class,
        BenchCommand.Planner.class})
final class BenchCommand {

  @Command(name = "rollout", description = {
      "Bring up a sandbox of N management clusters (no hosted clusters), roll metrics-forwarder 1.0.0 -> 1.1.0 "
          + "out Progressive, and print the time to converge next to its lower bound (waves x health time)."})
  static final class Rollout implements Callable<Integer> {
    @Option(names = "--clusters", paramLabel = "N", defaultValue = "100", description = "Management clusters (default 100).")
    int clusters;

    @Option(names = "--max-concurrency", paramLabel = "C", defaultValue = "10",
        description = "Clusters in progress at once (default 10).")
    int maxConcurrency;

    @Option(names = "--dir", paramLabel = "D", description = "Working directory (default: a fresh temporary one).")
    Path dir;

    @Option(names = "--templates", paramLabel = "DIR", description = "Release sources (default: addon-templates).")
    Path templates;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (clusters < 1 || clusters > 500) {
        throw new BadInputException("--clusters must be between 1 and 500");
      }
      if (maxConcurrency < 1) {
        throw new BadInputException("--max-concurrency must be at least 1");
      }
      Path source = AddOnTemplates.locate(templates);
      AddOnTemplates.load(source, RolloutBench.ADD_ON, null); // bad sources fail before a fleet is started
      Path workDir = dir != null ? dir : Files.createTempDirectory("flotilla-bench-");
      return new RolloutBench(spec.commandLine().getOut()).run(workDir, source, clusters, maxConcurrency);
    }
  }

  @Command(name = "backup", description = {
      "Seed a real etcd with Kubernetes-shaped data (256 and 512 MiB by default), then time etcdctl snapshot save "
          + "against Flotilla's pipeline (snapshot, SHA-256, zstd, AES-256-GCM, multipart upload to S3Proxy), "
          + "interleaved; print the ratio, stored/raw, heap growth, and the pause window of the agent's whole backup."})
  static final class Backup implements Callable<Integer> {
    /** Passed to the benchmark as they are: --sizes MiB[,MiB...] --rounds N --work-dir DIR --seed N --etcdctl PATH */
    @picocli.CommandLine.Unmatched
    java.util.List<String> args = new java.util.ArrayList<>();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      io.flotilla.sandbox.bench.BackupBenchmark.Options options;
      try {
        options = io.flotilla.sandbox.bench.BackupBenchmark.Options.parse(args.toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
      spec.commandLine().getOut().flush();
      io.flotilla.sandbox.bench.BackupBenchmark.run(options, System.out);
      System.out.flush();
      return 0;
    }
  }

  @Command(name = "drill", description = {
      "Seed a real etcd with Kubernetes-shaped data (256 MiB of values by default), back it up through the agent's "
          + "pipeline into S3Proxy, then time the agent's restore drill (download, decrypt, SHA-256, snapshot status, "
          + "snapshot restore, etcd started on loopback, revision/keys/hash compared, stopped) against etcdctl "
          + "snapshot restore alone on the same snapshot, interleaved; print both, the ratio and the drill's phases."})
  static final class Drill implements Callable<Integer> {
    /** Passed to the benchmark as they are: --size MiB --rounds N --work-dir DIR --seed N */
    @picocli.CommandLine.Unmatched
    java.util.List<String> args = new java.util.ArrayList<>();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      io.flotilla.sandbox.bench.DrillBenchmark.Options options;
      try {
        options = io.flotilla.sandbox.bench.DrillBenchmark.Options.parse(args.toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new BadInputException(e.getMessage());
      }
      spec.commandLine().getOut().flush();
      io.flotilla.sandbox.bench.DrillBenchmark.run(options, System.out);
      System.out.flush();
      return 0;
    }
  }

  @Command(name = "planner", description = {
      "Plan a synthetic fleet mid-rollout (clusters x add-ons, mixed strategies) over and over and print the time "
          + "and the allocation per full plan."})
  static final class Planner implements Callable<Integer> {
    @Option(names = "--clusters", paramLabel = "N", defaultValue = "10000", description = "Clusters (default 10000).")
    int clusters;

    @Option(names = "--addons", paramLabel = "A", defaultValue = "3", description = "Add-ons (default 3).")
    int addOns;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (clusters < 1 || addOns < 1) {
        throw new BadInputException("--clusters and --addons must be at least 1");
      }
      spec.commandLine().getOut().flush();
      PlannerBenchmark.run(System.out, clusters, addOns);
      System.out.flush();
      return 0;
    }
  }
}
