package io.flotilla.cli;

import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.Time;
import io.flotilla.sandbox.Fleet;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * `flotilla bench rollout`: the time a staged rollout takes on a sandbox fleet, next to its lower bound. Brings up N
 * management clusters (no hosted clusters), publishes metrics-forwarder, installs 1.0.0 everywhere (strategy All),
 * then rolls 1.1.0 out Progressive with maxConcurrency C and measures from the FleetAddOn write to the last cluster's
 * success. Lower bound: ceil(N / C) waves, each as long as one cluster's health time (its operation's completedAt -
 * startedAt as the agents report it, second precision; and as the watch saw it, millisecond precision). Not a test:
 * the figures depend on the machine.
 */
final class RolloutBench {
  static final String ADD_ON = "metrics-forwarder";
  static final String FROM = "1.0.0";
  static final String TO = "1.1.0";
  private static final Duration CONVERGE_TIMEOUT = Duration.ofMinutes(30);

  private final PrintWriter out;
  private final Instant began = Instant.now();

  RolloutBench(PrintWriter out) { this.out = out; }

  int run(Path dir, Path templates, int clusters, int maxConcurrency) {
    Runtime rt = Runtime.getRuntime();
    line("rollout benchmark: %d management clusters (0 hosted), %s %s -> %s Progressive, maxConcurrency %d; "
        + "Java %s, %d CPUs, max heap %d MiB", clusters, ADD_ON, FROM, TO, maxConcurrency,
        System.getProperty("java.version"), rt.availableProcessors(), rt.maxMemory() >> 20);
    Instant upStart = Instant.now();
    int[] joined = {0};
    try (Fleet fleet = Fleet.up(Fleet.Options.defaults(dir).withClusters(clusters).withHostedPerCluster(0), l -> {
      if (l.startsWith("mc-")) {
        if (++joined[0] % 10 == 0 || joined[0] == clusters) {
          line("  %d/%d clusters joined", joined[0], clusters);
        }
      } else {
        line("  %s", l);
      }
    })) {
      line("sandbox up: %d clusters Available in %.1fs; %d threads, %d MiB heap used", clusters,
          seconds(Duration.between(upStart, Instant.now())), Thread.activeCount(), usedHeapMiB());

      HubAddOns addOns = new HubAddOns(fleet.hub());
      List<HubAddOns.Published> published = addOns.publish(AddOnTemplates.load(templates, ADD_ON, null));
      line("published %d releases of %s", published.size(), ADD_ON);

      try (RolloutRecorder recorder = new RolloutRecorder(fleet.hub(), ADD_ON)) {
        Instant installStart = Instant.now();
        addOns.rollout(RolloutRequest.parse(ADD_ON, FROM, RolloutStrategy.Type.All, null, null, null, null, null, null));
        AddOnFollow.FleetOutcome installed = AddOnFollow.fleet(addOns, ADD_ON, CONVERGE_TIMEOUT, l -> { });
        if (!installed.complete()) {
          line("install of %s did not complete: %s", FROM, installed.line());
          return 1;
        }
        line("install %s (strategy All, %d at once): converged in %.1fs, at most %d in progress at once", FROM,
            clusters, seconds(Duration.between(installStart, Instant.now())), recorder.maxInProgress());

        recorder.reset();
        Instant start = Instant.now();
        addOns.rollout(RolloutRequest.parse(ADD_ON, TO, RolloutStrategy.Type.Progressive,
            Integer.toString(maxConcurrency), null, null, null, null, null));
        AddOnFollow.FleetOutcome upgraded = AddOnFollow.fleet(addOns, ADD_ON, CONVERGE_TIMEOUT, l -> { });
        Instant settledSeen = Instant.now();
        if (!upgraded.complete()) {
          line("rollout of %s did not complete: %s", TO, upgraded.line());
          return 1;
        }
        report(clusters, maxConcurrency, start, settledSeen, upgraded.last(), recorder);
      }
      return 0;
    }
  }

  private void report(int clusters, int maxConcurrency, Instant start, Instant settledSeen, FleetView view,
      RolloutRecorder recorder) {
    // health time as the agents report it: completedAt - startedAt of each cluster's upgrade (second precision)
    List<Double> reported = new ArrayList<>();
    for (ManagedAddOn m : view.clusters()) {
      Operation op = m.getStatus().operation;
      if (op.type == Type.Upgrade && TO.equals(op.toVersion) && op.phase == Phase.Succeeded) {
        reported.add(seconds(Duration.between(Time.parse(op.startedAt), Time.parse(op.completedAt))));
      }
    }
    // and as the watch saw it: first InProgress to Succeeded, per cluster (millisecond precision)
    Map<String, Instant> seenStart = new HashMap<>();
    List<Double> observed = new ArrayList<>();
    Instant lastSuccess = null;
    for (RolloutRecorder.Step s : recorder.steps()) {
      if (!TO.equals(s.toVersion())) {
        continue;
      }
      if (s.phase() == Phase.InProgress) {
        seenStart.putIfAbsent(s.cluster(), s.seenAt());
      } else if (s.phase() == Phase.Succeeded && seenStart.containsKey(s.cluster())) {
        observed.add(seconds(Duration.between(seenStart.get(s.cluster()), s.seenAt())));
        lastSuccess = lastSuccess == null || s.seenAt().isAfter(lastSuccess) ? s.seenAt() : lastSuccess;
      }
    }
    Instant end = Objects.requireNonNullElse(lastSuccess, settledSeen);
    double converge = seconds(Duration.between(start, end));
    int waves = (clusters + maxConcurrency - 1) / maxConcurrency;
    double healthReported = mean(reported);
    double healthObserved = mean(observed);
    line("rollout %s: %d/%d clusters Succeeded; converged in %.1fs (FleetAddOn written -> last success seen; "
        + "settled seen after %.1fs); at most %d in progress at once", TO, reported.size(), clusters, converge,
        seconds(Duration.between(start, settledSeen)), recorder.maxInProgress());
    line("health time per cluster, completedAt - startedAt (1 s resolution): mean %.2fs, median %.1fs, max %.1fs",
        healthReported, percentile(reported, 50), percentile(reported, 100));
    line("health time per cluster, as the watch saw it (InProgress -> Succeeded): mean %.2fs, median %.2fs, "
        + "p90 %.2fs, max %.2fs", healthObserved, percentile(observed, 50), percentile(observed, 90),
        percentile(observed, 100));
    double bound = waves * healthReported;
    double boundObserved = waves * healthObserved;
    line("lower bound: %d waves x %.2fs = %.1fs (x %.2fs watched = %.1fs); converged in %.1fs = %.2fx the bound, "
        + "%.2fs per wave above it", waves, healthReported, bound, healthObserved, boundObserved, converge,
        converge / bound, (converge - bound) / waves);
    line("JVM: %d threads, %d MiB heap used, load average %.1f", Thread.activeCount(), usedHeapMiB(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Nearest-rank percentile; NaN for no values. */
  static double percentile(List<Double> xs, int p) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  private static long usedHeapMiB() {
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) >> 20;
  }

  private void line(String format, Object... args) {
    out.printf("%6.1fs  %s%n", seconds(Duration.between(began, Instant.now())), String.format(format, args));
    out.flush();
  }
}
