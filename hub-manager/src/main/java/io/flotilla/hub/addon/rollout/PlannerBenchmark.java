package io.flotilla.hub.addon.rollout;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.hub.addon.rollout.ClusterState.Operation;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Times {@link RolloutPlanner} on a large synthetic fleet (not a test: timings vary by machine). Each add-on has its
 * own strategy (Progressive with a mandatory canary group, ProgressivePerGroup, All) and a fleet mid-rollout: some
 * clusters updated, some in progress or soaking, some failed, Unknown or pinned, the rest pending. One "full plan"
 * plans every add-on once, as the hub does when every fleet reconciles.
 *
 * <pre>java -cp ... io.flotilla.hub.addon.rollout.PlannerBenchmark [clusters] [addOns]</pre>
 */
public final class PlannerBenchmark {
  private PlannerBenchmark() {}

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final List<String> RELEASED = List.of("1.0.0", "1.1.0", "1.2.0");
  static final Duration WARM_UP = Duration.ofSeconds(3);
  static final Duration MEASURE = Duration.ofSeconds(5);

  public static void main(String[] args) {
    int clusters = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int addOns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    run(System.out, clusters, addOns);
  }

  /** Plans {@code clusters} × {@code addOns} repeatedly (warm-up, then measurement) and prints the figures. */
  public static void run(PrintStream out, int clusters, int addOns) {
    if (clusters < 1 || addOns < 1) {
      throw new IllegalArgumentException("clusters and addOns must be at least 1");
    }
    Random rnd = new Random(42);
    List<FleetRollout> fleets = new ArrayList<>();
    List<List<ClusterState>> states = new ArrayList<>();
    for (int a = 0; a < addOns; a++) {
      fleets.add(fleet(a));
      states.add(clusters(rnd, clusters));
    }
    RolloutPlanner planner = new RolloutPlanner();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();

    long sink = 0;
    long warmUpEnd = System.nanoTime() + WARM_UP.toNanos();
    int warmUps = 0;
    while (System.nanoTime() < warmUpEnd || warmUps < 5) {
      sink += fullPlan(planner, fleets, states);
      warmUps++;
    }

    List<Long> times = new ArrayList<>();
    long cpuBefore = threads.getCurrentThreadCpuTime();
    long bytesBefore = threads.getThreadAllocatedBytes(tid);
    long measureEnd = System.nanoTime() + MEASURE.toNanos();
    while (System.nanoTime() < measureEnd || times.size() < 5) {
      long t0 = System.nanoTime();
      sink += fullPlan(planner, fleets, states);
      times.add(System.nanoTime() - t0);
    }
    long bytes = threads.getThreadAllocatedBytes(tid) - bytesBefore;
    double cpuMs = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e6 / times.size();

    long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
    Plan sample = planner.plan(fleets.get(0), RELEASED, states.get(0), NOW);
    out.printf("planner benchmark: %d clusters x %d add-ons (Java %s, %d CPUs)%n", clusters, addOns,
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    out.printf("  warm-up %d full plans, measured %d full plans%n", warmUps, sorted.length);
    out.printf("  time per full plan: mean %.2f ms, min %.2f ms, p50 %.2f ms, p90 %.2f ms, max %.2f ms%n", mean,
        sorted[0] / 1e6, percentile(sorted, 50) / 1e6, percentile(sorted, 90) / 1e6, sorted[sorted.length - 1] / 1e6);
    // CPU time of this thread: what the planning costs, without the waits of a busy machine
    out.printf("  CPU time per full plan: %.2f ms (%.2f ms per add-on, %.0f ns per cluster)%n", cpuMs,
        cpuMs / addOns, cpuMs * 1e6 / addOns / clusters);
    out.printf("  machine load average while measuring: %.1f%n", ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
    out.printf("  allocated per full plan: %.2f MB (%d bytes per cluster per add-on)%n",
        bytes / (double) sorted.length / (1 << 20), bytes / sorted.length / ((long) clusters * addOns));
    out.printf("  sample (add-on 0): %s; %s%n", sample.counts(), sample.condition(RolloutPlanner.PROGRESSING)
        .map(c -> c.reason()).orElse("?"));
    if (sink == 42) {
      out.println(); // keeps the results observable so the JIT cannot drop the planning
    }
  }

  static long fullPlan(RolloutPlanner planner, List<FleetRollout> fleets, List<List<ClusterState>> states) {
    long n = 0;
    for (int a = 0; a < fleets.size(); a++) {
      Plan p = planner.plan(fleets.get(a), RELEASED, states.get(a), NOW);
      n += p.counts().progressing() + p.clusters().size();
    }
    return n;
  }

  static long percentile(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  static FleetRollout fleet(int index) {
    RolloutStrategy s = new RolloutStrategy();
    switch (index % 3) {
      case 0 -> {
        s.type = RolloutStrategy.Type.Progressive;
        s.maxConcurrency = new IntOrString("5%");
        s.maxFailures = new IntOrString("2%");
        s.groups = new ArrayList<>(List.of(group("canary", true, "canary")));
      }
      case 1 -> {
        s.type = RolloutStrategy.Type.ProgressivePerGroup;
        s.maxConcurrency = new IntOrString("25%");
        s.maxFailures = new IntOrString(10);
        s.groups = new ArrayList<>(List.of(group("canary", true, "canary"), group("prod", false, "prod"),
            group("dev", false, "dev")));
      }
      default -> s.type = RolloutStrategy.Type.All;
    }
    s.minSuccessTime = "5m";
    s.progressDeadline = "30m";
    return new FleetRollout("addon-" + index, "1.1.0", s,
        index % 2 == 0 ? FailureStrategy.Pause : FailureStrategy.Rollback, false, "1.0.0", null);
  }

  static RolloutStrategy.Group group(String name, boolean mandatory, String env) {
    RolloutStrategy.Group g = new RolloutStrategy.Group();
    g.name = name;
    g.mandatory = mandatory;
    g.clusterSelector = new LabelSelectorBuilder().addNewMatchExpression().withKey("env").withOperator("In")
        .withValues(env).endMatchExpression().build();
    return g;
  }

  /** A fleet mid-rollout from 1.0.0 to 1.1.0. */
  static List<ClusterState> clusters(Random rnd, int n) {
    String[] envs = {"canary", "prod", "prod", "prod", "dev", "edge"};
    List<ClusterState> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, String> labels = Map.of("env", envs[rnd.nextInt(envs.length)], "region", "r" + rnd.nextInt(8));
      String name = "mc-" + i;
      int dice = rnd.nextInt(100);
      Instant started = NOW.minus(Duration.ofMinutes(1 + rnd.nextInt(40)));
      Operation installed = Operation.succeeded(Type.Install, "1.0.0", NOW.minusSeconds(86_400), NOW.minusSeconds(86_000));
      ClusterState c;
      if (dice < 40) {
        c = new ClusterState(name, labels, true, null, "1.1.0", "1.1.0", "1.1.0",
            Operation.succeeded(Type.Upgrade, "1.1.0", started, started.plusSeconds(60)), List.of(installed));
      } else if (dice < 45) {
        c = new ClusterState(name, labels, true, null, "1.1.0", "1.0.0", "1.0.0",
            Operation.inProgress(Type.Upgrade, "1.1.0", started), List.of(installed));
      } else if (dice < 47) {
        c = new ClusterState(name, labels, true, null, "1.1.0", "1.1.0", "1.0.0",
            Operation.failed(Type.Upgrade, "1.1.0", started, started.plusSeconds(120)), List.of(installed));
      } else {
        c = new ClusterState(name, labels, true, null, "1.0.0", "1.0.0", "1.0.0", installed, List.of());
      }
      if (dice >= 47 && dice < 50) {
        c = c.withAvailable(false);
      } else if (dice >= 50 && dice < 52) {
        c = c.withPin("1.0.0");
      }
      out.add(c);
    }
    return out;
  }
}
