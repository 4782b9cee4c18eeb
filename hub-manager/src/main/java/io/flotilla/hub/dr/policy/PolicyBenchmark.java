package io.flotilla.hub.dr.policy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.common.CronSchedule;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Times the policy decisions on a large synthetic fleet (not a test: timings vary by machine). The hub re-places every
 * policy on every cluster in each policy's reconcile, so placement is the cost that grows with the fleet; one RPO
 * evaluation and one retention plan per policy are timed alongside. Policies overlap: "a-gold" selects gold hosted
 * clusters everywhere, "b-prod" every hosted cluster on prod clusters, the rest each one region.
 *
 * <pre>java -cp ... io.flotilla.hub.dr.policy.PolicyBenchmark [clusters] [hostedClustersPerCluster] [policies]</pre>
 */
public final class PolicyBenchmark {
  private PolicyBenchmark() {}

  static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
  static final Duration WARM_UP = Duration.ofSeconds(3);
  static final Duration MEASURE = Duration.ofSeconds(5);

  public static void main(String[] args) {
    int clusters = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
    int perCluster = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int policies = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    run(System.out, clusters, perCluster, policies);
  }

  static void run(PrintStream out, int clusterCount, int perCluster, int policyCount) {
    List<SchedulePlacement.Cluster> clusters = new ArrayList<>();
    for (int c = 0; c < clusterCount; c++) {
      List<SchedulePlacement.HostedCluster> hosted = new ArrayList<>();
      for (int h = 0; h < perCluster; h++) {
        hosted.add(new SchedulePlacement.HostedCluster(new NamespacedName("clusters", "hc-" + c + "-" + h),
            h % 4 == 0 ? Map.of("tier", "gold") : Map.of()));
      }
      clusters.add(new SchedulePlacement.Cluster("mc-" + c,
          Map.of("env", c % 3 == 0 ? "dev" : "prod", "region", "r" + (c % Math.max(1, policyCount - 2))), hosted));
    }
    List<SchedulePlacement.Policy> policies = new ArrayList<>();
    policies.add(new SchedulePlacement.Policy("a-gold", spec("*/15 * * * *", null, "tier", "gold"), true));
    policies.add(new SchedulePlacement.Policy("b-prod", spec("0 * * * *", Map.of("env", "prod")), true));
    for (int p = 0; policies.size() < policyCount; p++) {
      policies.add(new SchedulePlacement.Policy("region-" + p, spec("0 2 * * *", Map.of("region", "r" + p)), true));
    }

    SchedulePlacement.Result placement = SchedulePlacement.place(policies, clusters);
    int entries = placement.schedules().values().stream().mapToInt(s -> s.entries.size()).sum();
    out.printf("fleet: %d clusters x %d hosted clusters, %d policies -> %d schedules, %d entries%n", clusterCount,
        perCluster, policyCount, placement.schedules().size(), entries);
    time(out, "place every policy on every cluster", () -> SchedulePlacement.place(policies, clusters));

    List<RpoCompliance.Subject> subjects = new ArrayList<>();
    for (SchedulePlacement.Target t : placement.share("b-prod").backedUp()) {
      subjects.add(new RpoCompliance.Subject(t, "b", NOW.minus(Duration.ofMinutes(subjects.size() % 90))));
    }
    CronSchedule hourly = CronSchedule.parse("0 * * * *", null);
    time(out, "RPO of b-prod (" + subjects.size() + " hosted clusters)",
        () -> RpoCompliance.evaluate(hourly, Duration.ofMinutes(10), NOW.minus(Duration.ofDays(30)), subjects, NOW));

    List<RetentionPlan.Backup> backups = new ArrayList<>();
    for (int i = 0; i < 24 * 30; i++) { // a month of hourly backups of one hosted cluster
      Instant at = NOW.minus(Duration.ofHours(i));
      backups.add(new RetentionPlan.Backup("b-" + i, i % 10 == 9 ? Phase.Failed : Phase.Completed, at, at));
    }
    RetentionPlan.Rules rules = new RetentionPlan.Rules(48, Duration.ofDays(7));
    time(out, "retention plan of " + backups.size() + " backups", () -> RetentionPlan.plan(rules, backups, NOW));
    time(out, "validate one policy", () -> PolicyValidation.validate(policies.get(1).spec()));
  }

  private static BackupPolicySpec spec(String cron, Map<String, String> clusterLabels, String... hostedLabels) {
    BackupPolicySpec s = new BackupPolicySpec();
    s.schedule = cron;
    s.store = "s3";
    if (clusterLabels != null) {
      s.clusterSelector = new LabelSelectorBuilder().withMatchLabels(clusterLabels).build();
    }
    if (hostedLabels.length > 0) {
      s.hostedClusterSelector = new BackupPolicySpec.HostedClusterSelector();
      s.hostedClusterSelector.labelSelector = new LabelSelectorBuilder()
          .withMatchLabels(Map.of(hostedLabels[0], hostedLabels[1])).build();
    }
    return s;
  }

  private static void time(PrintStream out, String what, Supplier<?> work) {
    long end = System.nanoTime() + WARM_UP.toNanos();
    while (System.nanoTime() < end) {
      work.get();
    }
    int runs = 0;
    long start = System.nanoTime();
    end = start + MEASURE.toNanos();
    while (System.nanoTime() < end) {
      work.get();
      runs++;
    }
    double ms = (System.nanoTime() - start) / 1e6 / runs;
    out.printf("  %-50s %10.3f ms/op (%d runs)%n", what, ms, runs);
  }
}
