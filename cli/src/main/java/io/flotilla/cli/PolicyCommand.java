package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.common.Time;
import io.flotilla.api.common.Validation;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.hub.dr.policy.PolicyValidation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "policy", description = {
    "Back up hosted clusters on a schedule: a BackupPolicy on the hub selects management clusters and their hosted "
        + "clusters; the hub places its schedule on each selected cluster's agent, applies its retention and reports "
        + "RPO compliance in the policy's status."},
    subcommands = {PolicyCommand.Create.class, PolicyCommand.ListPolicies.class, PolicyCommand.Status.class})
final class PolicyCommand {

  /**
   * The options a {@link PolicyValidation} message is about, by the spec field it names, so the user reads which flag
   * to change. Longer paths first: the first prefix that matches wins.
   */
  private static final Map<String, String> FLAGS = flags();

  private static Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("spec.hostedClusterSelector.labelSelector", "--hosted-cluster-selector");
    flags.put("spec.hostedClusterSelector.namespaces", "--namespaces");
    flags.put("spec.clusterSelector", "--cluster-selector");
    flags.put("spec.retention.keepLast", "--keep-last");
    flags.put("spec.retention.maxAge", "--max-age");
    flags.put("spec.verification.everyNth", "--verify-every");
    flags.put("spec.verification.schedule", "--verify-schedule");
    flags.put("spec.verification.maxVerifiedAge", "--max-verified-age");
    flags.put("spec.verification", "--verify-every/--verify-schedule");
    flags.put("spec.maxPauseWindow", "--max-pause-window");
    flags.put("spec.schedule", "--schedule");
    flags.put("spec.timeZone", "--time-zone");
    flags.put("spec.store", "--store");
    return flags;
  }

  @Command(name = "create", description = {
      "Create a BackupPolicy. It is checked with the hub's own rules (cron expression, time zone, retention, "
          + "durations, selectors) and the store must exist on the hub; nothing is created otherwise (exit 2)."})
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name (a DNS subdomain).")
    String name;

    @Option(names = "--schedule", required = true, paramLabel = "CRON",
        description = "Cron expression: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds "
            + "first; e.g. \"0 2 * * *\".")
    String schedule;

    @Option(names = "--time-zone", paramLabel = "TZ", description = "IANA time zone the schedule is read in, e.g. "
        + "Europe/Paris (default UTC).")
    String timeZone;

    @Option(names = "--store", paramLabel = "NAME", defaultValue = "default",
        description = "BackupStore to write to (default: default).")
    String store;

    @Option(names = "--cluster-selector", paramLabel = "K=V,...",
        description = "Management clusters with these labels (default: every cluster).")
    String clusterSelector;

    @Option(names = "--namespaces", paramLabel = "NS", split = ",",
        description = "Only hosted clusters in these namespaces of each management cluster (default: every namespace).")
    List<String> namespaces;

    @Option(names = "--hosted-cluster-selector", paramLabel = "K=V,...",
        description = "Only hosted clusters with these labels (default: every hosted cluster).")
    String hostedClusterSelector;

    @Option(names = "--keep-last", paramLabel = "N",
        description = "Keep at most N Completed backups per hosted cluster (default: no count limit).")
    Integer keepLast;

    @Option(names = "--max-age", paramLabel = "DURATION",
        description = "Delete Completed backups older than this, e.g. 168h (default: no age limit). The newest "
            + "Completed backup of a hosted cluster is always kept.")
    String maxAge;

    @Option(names = "--max-pause-window", paramLabel = "DURATION",
        description = "Longest a hosted cluster may stay paused for a backup (agent default 10m); also the grace the "
            + "RPO check allows a scheduled backup.")
    String maxPauseWindow;

    @Option(names = "--quiesce-api-servers",
        description = "Also scale the hosted cluster's API servers to zero during each snapshot.")
    boolean quiesceAPIServers;

    @Option(names = "--suspend", description = "Create it suspended: no backups are taken; retention still applies.")
    boolean suspend;

    @Option(names = "--verify-every", paramLabel = "N",
        description = "Restore drills: the agent test-restores every Nth backup of each hosted cluster (1: every one) "
            + "into a scratch etcd and compares it with its manifest.")
    Integer verifyEvery;

    @Option(names = "--verify-schedule", paramLabel = "CRON",
        description = "Restore drills on this cron schedule instead: the newest backup of each hosted cluster.")
    String verifySchedule;

    @Option(names = "--max-verified-age", paramLabel = "DURATION",
        description = "With drills: how old the newest backup that passed one may grow, e.g. 26h (default: what the "
            + "drill cadence allows).")
    String maxVerifiedAge;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requirePolicyName(name);
      BackupPolicySpec policySpec = spec();
      List<String> problems = PolicyValidation.validate(policySpec);
      if (!problems.isEmpty()) {
        throw new BadInputException("policy " + name + " is invalid: "
            + String.join("; ", problems.stream().map(PolicyCommand::withFlag).toList()));
      }
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        new HubBackups(client).requireStore(policySpec.store);
        BackupPolicy policy = new BackupPolicy();
        policy.getMetadata().setName(name);
        policy.setSpec(policySpec);
        policy.setStatus(null); // the hub's to write
        try {
          client.resource(io.flotilla.hub.acm.HubBackupLabel.stamp(policy)).create();
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            throw new BadInputException("backup policy \"" + name + "\" already exists (flotilla policy status "
                + name + ")");
          }
          throw e;
        }
        out.println("backup policy " + name + " created: " + describe(policySpec));
        out.println("the hub places its schedule on the selected clusters' agents; follow it with: flotilla policy "
            + "status " + name);
        return 0;
      }
    }

    /** The spec as given; only what was given is set, so the hub's defaults stay the hub's. */
    BackupPolicySpec spec() {
      BackupPolicySpec s = new BackupPolicySpec();
      s.schedule = schedule;
      s.timeZone = timeZone;
      s.store = store;
      s.clusterSelector = labelSelector("--cluster-selector", clusterSelector);
      LabelSelector hostedLabels = labelSelector("--hosted-cluster-selector", hostedClusterSelector);
      if (hostedLabels != null || (namespaces != null && !namespaces.isEmpty())) {
        s.hostedClusterSelector = new BackupPolicySpec.HostedClusterSelector();
        s.hostedClusterSelector.namespaces = namespaces == null || namespaces.isEmpty() ? null
            : namespaces.stream().map(String::strip).toList();
        s.hostedClusterSelector.labelSelector = hostedLabels;
      }
      if (keepLast != null || maxAge != null) {
        s.retention = new BackupPolicySpec.Retention();
        s.retention.keepLast = keepLast;
        s.retention.maxAge = maxAge;
      }
      s.maxPauseWindow = maxPauseWindow;
      s.quiesceAPIServers = quiesceAPIServers ? Boolean.TRUE : null;
      s.suspend = suspend ? Boolean.TRUE : null;
      if (verifyEvery != null || verifySchedule != null || maxVerifiedAge != null) {
        s.verification = new BackupPolicySpec.Verification();
        s.verification.everyNth = verifyEvery;
        s.verification.schedule = verifySchedule;
        s.verification.maxVerifiedAge = maxVerifiedAge;
      }
      return s;
    }
  }

  @Command(name = "list", description = "List the backup policies with their retention and RPO compliance.")
  static final class ListPolicies implements Callable<Integer> {
    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        List<BackupPolicy> policies = client.resources(BackupPolicy.class).list().getItems().stream()
            .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
        if (!output.isTable()) {
          out.println(output.render(policies));
        } else if (policies.isEmpty()) {
          out.println("No backup policies. Create one with: flotilla policy create NAME --schedule CRON");
        } else {
          out.print(table(policies, Instant.now()).render());
        }
        return 0;
      }
    }
  }

  @Command(name = "status", description = {
      "Show one policy as the hub reports it: conditions, RPO target, how many of its hosted clusters have a recent "
          + "enough backup, and one row per hosted cluster with its newest Completed backup."})
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
    String name;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      requirePolicyName(name);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        BackupPolicy policy = requirePolicy(client, name);
        out.print(output.isTable() ? status(policy, Instant.now()) : output.render(policy) + "\n");
        return 0;
      }
    }
  }

  // ---- shared with `backup prune`

  static void requirePolicyName(String name) {
    if (name == null || name.length() > 253 || !name.matches(Validation.DNS1123_SUBDOMAIN)) {
      throw new BadInputException("policy name \"" + name + "\" is not a DNS subdomain (lower-case letters, digits, "
          + "'-', '.')");
    }
  }

  /** The BackupPolicy, or a {@link BadInputException} naming the policies there are. */
  static BackupPolicy requirePolicy(KubernetesClient hub, String name) {
    requirePolicyName(name);
    BackupPolicy policy = hub.resources(BackupPolicy.class).withName(name).get();
    if (policy == null) {
      throw new BadInputException("no backup policy \"" + name + "\" on the hub (have: "
          + HubQueries.names(hub.resources(BackupPolicy.class).list().getItems()) + ")");
    }
    return policy;
  }

  // ---- views

  /** The table `policy list` prints, one row per policy in the order given. */
  static Table table(List<BackupPolicy> policies, Instant now) {
    Table table = new Table("NAME", "SCHEDULE", "TIME-ZONE", "STORE", "KEEP-LAST", "MAX-AGE", "COMPLIANT",
        "OLDEST-NEWEST-BACKUP", "SUSPENDED", "AGE");
    for (BackupPolicy p : policies) {
      BackupPolicySpec s = p.getSpec() == null ? new BackupPolicySpec() : p.getSpec();
      BackupPolicyStatus st = p.getStatus();
      Instant created = Time.parse(p.getMetadata().getCreationTimestamp());
      table.row(p.getMetadata().getName(), s.schedule, zone(s), s.store,
          s.retention == null ? null : s.retention.keepLast, s.retention == null ? null : s.retention.maxAge,
          compliance(st), st == null ? null : st.oldestNewestBackupAge, s.isSuspended(),
          created == null ? null : Ages.of(Duration.between(created, now)));
    }
    return table;
  }

  /** `policy status`: the spec in brief, then what the hub reported (conditions, RPO) or that it has not yet. */
  static String status(BackupPolicy p, Instant now) {
    StringBuilder out = new StringBuilder();
    BackupPolicySpec s = p.getSpec() == null ? new BackupPolicySpec() : p.getSpec();
    field(out, "Policy", p.getMetadata().getName());
    field(out, "Schedule", s.schedule + " (" + zone(s) + ")");
    field(out, "Store", s.store);
    field(out, "Clusters", clusters(s));
    field(out, "Hosted clusters", hostedClusters(s));
    field(out, "Retention", retention(s));
    field(out, "Restore drills", drills(s));
    field(out, "Suspended", s.isSuspended() ? "yes" : "no");
    BackupPolicyStatus st = p.getStatus();
    boolean written = st != null && (st.observedGeneration != null || (st.conditions != null && !st.conditions.isEmpty()));
    if (!written) {
      out.append("\nThe hub has not written this policy's status yet: conditions and the RPO report appear once the "
          + "hub manager has reconciled it.\n");
      return out.toString();
    }
    Long generation = p.getMetadata().getGeneration();
    if (generation != null && st.observedGeneration != null && st.observedGeneration < generation) {
      field(out, "Observed generation", st.observedGeneration + " of " + generation
          + ": the status below is of an earlier spec; the hub has not caught up yet");
    }
    field(out, "RPO target", st.rpoTarget != null ? st.rpoTarget : "none (the policy is not active)");
    field(out, "Compliant", st.total == null ? null : compliance(st) + " hosted clusters within the RPO target");
    field(out, "Oldest newest backup", st.oldestNewestBackupAge);
    if (s.verification != null) {
      field(out, "Verified RPO target", st.verifiedRpoTarget);
      field(out, "Verified compliant", st.verifiedCompliant == null || st.total == null ? null
          : st.verifiedCompliant + "/" + st.total + " hosted clusters have a backup that passed a restore drill"
              + " within the verified RPO target");
      field(out, "Verified RPO", st.oldestNewestVerifiedBackupAge == null ? null
          : st.oldestNewestVerifiedBackupAge + " (age of the oldest among the newest drilled backups)");
    }
    Instant lastScheduled = Time.parse(st.lastScheduleTime);
    field(out, "Last scheduled", lastScheduled == null ? null
        : st.lastScheduleTime + " (" + Ages.of(Duration.between(lastScheduled, now)) + " ago)");
    if (st.conditions != null && !st.conditions.isEmpty()) {
      out.append("Conditions:\n");
      Table conditions = new Table("TYPE", "STATUS", "REASON", "AGE", "MESSAGE");
      for (Condition c : st.conditions) {
        Instant since = Time.parse(c.getLastTransitionTime());
        conditions.row(c.getType(), c.getStatus(), c.getReason(),
            since == null ? null : Ages.of(Duration.between(since, now)), c.getMessage());
      }
      indent(out, conditions);
    }
    if (st.rpo != null && !st.rpo.isEmpty()) {
      out.append("RPO by hosted cluster:\n");
      boolean drills = s.verification != null;
      Table rpo = drills
          ? new Table("CLUSTER", "HOSTED-CLUSTER", "NEWEST-BACKUP", "AGE", "COMPLIANT", "NEWEST-DRILLED", "AGE",
              "VERIFIED")
          : new Table("CLUSTER", "HOSTED-CLUSTER", "NEWEST-BACKUP", "AGE", "COMPLIANT");
      for (BackupPolicyStatus.HostedClusterRpo r : st.rpo) {
        Instant completed = Time.parse(r.newestBackupTime);
        // the age now, not when the hub wrote status; compliance is the hub's judgement at that time
        String age = completed != null ? Ages.of(Duration.between(completed, now)) : r.age;
        String compliant = Boolean.TRUE.equals(r.compliant) ? "yes" : "no";
        if (drills) {
          Instant verified = Time.parse(r.newestVerifiedBackupTime);
          rpo.row(r.cluster, r.namespace + "/" + r.name, r.newestBackup, age, compliant, r.newestVerifiedBackup,
              verified != null ? Ages.of(Duration.between(verified, now)) : r.verifiedAge,
              r.verifiedCompliant == null ? null : r.verifiedCompliant ? "yes" : "no");
        } else {
          rpo.row(r.cluster, r.namespace + "/" + r.name, r.newestBackup, age, compliant);
        }
      }
      indent(out, rpo);
      if (st.rpoOmitted != null && st.rpoOmitted > 0) {
        out.append("  and ").append(st.rpoOmitted).append(" more hosted clusters (status lists at most ")
            .append(BackupPolicyStatus.MAX_RPO_ENTRIES).append(", the late and oldest first)\n");
      }
    } else if (st.total != null && st.total == 0) {
      out.append("The policy backs up no hosted cluster.\n");
    }
    return out.toString();
  }

  /** "schedule 0 2 * * * (UTC), store default, every cluster, every hosted cluster, retention: keep last 7". */
  static String describe(BackupPolicySpec s) {
    return "schedule \"" + s.schedule + "\" (" + zone(s) + "), store " + s.store + ", " + clusters(s) + ", "
        + hostedClusters(s) + ", retention: " + retention(s)
        + (s.verification == null ? "" : ", restore drills: " + drills(s)) + (s.isSuspended() ? ", suspended" : "");
  }

  /** "every backup", "every 3rd backup", "on 0 3 * * * (newest backup)", with the age bound; null without drills. */
  private static String drills(BackupPolicySpec s) {
    BackupPolicySpec.Verification v = s.verification;
    if (v == null) {
      return null;
    }
    String cadence = v.everyNth != null ? (v.everyNth == 1 ? "every backup" : "every " + v.everyNth + " backups")
        : "on \"" + v.schedule + "\" (" + zone(s) + "), the newest backup";
    return cadence + (v.maxVerifiedAge == null ? "" : ", max verified age " + v.maxVerifiedAge);
  }

  private static String zone(BackupPolicySpec s) {
    return s.timeZone == null || s.timeZone.isBlank() ? "UTC" : s.timeZone;
  }

  /** "2/3"; null before the hub has counted (or while the policy is not active). */
  private static String compliance(BackupPolicyStatus st) {
    return st == null || st.total == null ? null : (st.compliant == null ? 0 : st.compliant) + "/" + st.total;
  }

  private static String clusters(BackupPolicySpec s) {
    String labels = labels(s.clusterSelector);
    return labels == null ? "every cluster" : "clusters with " + labels;
  }

  private static String hostedClusters(BackupPolicySpec s) {
    BackupPolicySpec.HostedClusterSelector h = s.hostedClusterSelector;
    List<String> parts = new ArrayList<>();
    if (h != null && h.namespaces != null && !h.namespaces.isEmpty()) {
      parts.add("in " + String.join(",", h.namespaces));
    }
    String labels = h == null ? null : labels(h.labelSelector);
    if (labels != null) {
      parts.add("with " + labels);
    }
    return parts.isEmpty() ? "every hosted cluster" : "hosted clusters " + String.join(" ", parts);
  }

  private static String retention(BackupPolicySpec s) {
    BackupPolicySpec.Retention r = s.retention;
    List<String> parts = new ArrayList<>();
    if (r != null && r.keepLast != null) {
      parts.add("keep last " + r.keepLast);
    }
    if (r != null && r.maxAge != null) {
      parts.add("max age " + r.maxAge);
    }
    return parts.isEmpty() ? "none (backups are kept)" : String.join(", ", parts);
  }

  /** "env=prod,tier=1"; null for a selector that selects everything. */
  private static String labels(LabelSelector selector) {
    if (selector == null) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      selector.getMatchExpressions().forEach(e -> parts.add(e.getKey() + " " + e.getOperator()
          + (e.getValues() == null || e.getValues().isEmpty() ? "" : " (" + String.join(",", e.getValues()) + ")")));
    }
    return parts.isEmpty() ? null : String.join(",", parts);
  }

  /** "k=v,..." as matchLabels, read by the CLI's one label parser; null when nothing is given. */
  private static LabelSelector labelSelector(String flag, String text) {
    Map<String, String> labels;
    try {
      labels = RolloutRequest.selector(text);
    } catch (BadInputException e) {
      // that parser names --cluster-selector in its messages; the rest of the message holds for any flag
      String message = e.getMessage();
      throw new BadInputException(flag + message.substring(message.indexOf(' ')));
    }
    if (labels == null || labels.isEmpty()) {
      return null;
    }
    LabelSelector selector = new LabelSelector();
    selector.setMatchLabels(new LinkedHashMap<>(labels));
    return selector;
  }

  static String withFlag(String problem) {
    return FLAGS.entrySet().stream().filter(e -> problem.startsWith(e.getKey())).findFirst()
        .map(e -> e.getValue() + ": " + problem).orElse(problem);
  }

  private static final int LABEL = 22;

  private static void field(StringBuilder out, String label, Object value) {
    if (value != null) {
      out.append(String.format("%-" + LABEL + "s%s%n", label + ":", value));
    }
  }

  private static void indent(StringBuilder out, Table table) {
    table.render().lines().forEach(l -> out.append("  ").append(l).append('\n'));
  }
}
