package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.hub.dr.policy.PolicyValidation;
import io.flotilla.hub.dr.policy.RetentionPlan;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `flotilla backup prune` in-process against a CRUD mock hub holding backup records as agents write them (scheduled
 * ones labelled with their policy, each holding the agent's objects finalizer). What it lists and deletes must be
 * exactly what the hub's {@link RetentionPlan} decides.
 */
class BackupPruneTest {
  @TempDir
  Path dir;
  private MockApiServer api;
  private KubernetesClient hub;
  private Path kubeconfig;

  @BeforeEach
  void up() throws Exception {
    api = MockApiServer.start("hub");
    hub = api.adminClient();
    kubeconfig = dir.resolve("hub.kubeconfig");
    Files.writeString(kubeconfig, api.kubeconfig("admin", "test-token", null));
    cluster("mc-1", false);
    cluster("mc-2", false);
    cluster("mc-lost", true);

    policy("daily", "0 2 * * *", 2, null);
    policy("weekly", "0 3 * * 0", null, "24h");
    policy("no-limits", "0 4 * * *", null, null);
    // the mock has no admission webhook: a policy the webhook would refuse can reach it, as on a hub without one
    policy("broken", "not a cron", 1, null);

    // daily keeps 2 Completed per hosted cluster, and drops the Failed one that the newest Completed superseded
    backup("mc-1", "d-1", "clusters/hc-1", "daily", Phase.Completed, Duration.ofHours(4));
    backup("mc-1", "d-2", "clusters/hc-1", "daily", Phase.Completed, Duration.ofHours(3));
    backup("mc-1", "d-3", "clusters/hc-1", "daily", Phase.Completed, Duration.ofHours(2));
    backup("mc-1", "d-4", "clusters/hc-1", "daily", Phase.Completed, Duration.ofHours(1));
    backup("mc-1", "d-failed", "clusters/hc-1", "daily", Phase.Failed, Duration.ofMinutes(210));
    backup("mc-1", "d-running", "clusters/hc-1", "daily", Phase.InProgress, null);
    backup("mc-2", "e-1", "clusters/hc-2", "daily", Phase.Completed, Duration.ofHours(5));
    // beyond keepLast, but on a lost cluster: fail-over restores from these
    backup("mc-lost", "l-1", "clusters/hc-3", "daily", Phase.Completed, Duration.ofHours(6));
    backup("mc-lost", "l-2", "clusters/hc-3", "daily", Phase.Completed, Duration.ofHours(5));
    backup("mc-lost", "l-3", "clusters/hc-3", "daily", Phase.Completed, Duration.ofHours(4));
    // on demand: no policy's retention touches it
    backup("mc-1", "on-demand", "clusters/hc-1", null, Phase.Completed, Duration.ofHours(48));
    // weekly drops what completed more than 24h ago, but never the newest Completed
    backup("mc-2", "w-1", "clusters/hc-4", "weekly", Phase.Completed, Duration.ofHours(48));
    backup("mc-2", "w-2", "clusters/hc-4", "weekly", Phase.Completed, Duration.ofHours(30));
    backup("mc-2", "w-3", "clusters/hc-4", "weekly", Phase.Completed, Duration.ofHours(1));
    backup("mc-2", "w-lone", "clusters/hc-5", "weekly", Phase.Completed, Duration.ofHours(50));
    // an invalid policy deletes nothing; a policy without limits neither
    backup("mc-1", "x-1", "clusters/hc-6", "broken", Phase.Completed, Duration.ofHours(5));
    backup("mc-1", "x-2", "clusters/hc-6", "broken", Phase.Completed, Duration.ofHours(1));
    backup("mc-1", "n-1", "clusters/hc-7", "no-limits", Phase.Completed, Duration.ofHours(500));
    backup("mc-1", "n-2", "clusters/hc-7", "no-limits", Phase.Completed, Duration.ofHours(1));
  }

  @AfterEach
  void down() {
    api.close();
  }

  /** What the fixture's retention deletes, worked out by hand from the rules. */
  private static final Set<String> EXPECTED = Set.of("mc-1/d-1", "mc-1/d-2", "mc-1/d-failed", "mc-2/w-1", "mc-2/w-2");

  @Test
  void dryRunListsExactlyWhatRetentionPlanDeletesAndDeletesNothing() {
    Map<String, String> planned = retentionPlan(null);
    assertThat(planned.keySet()).isEqualTo(EXPECTED);
    Map<String, HostedClusterBackup> before = records();

    Run run = flotilla("backup", "prune", "--dry-run");

    assertThat(run.code).as(run.err).isZero();
    List<List<String>> rows = rows(run);
    assertThat(rows.get(0)).containsExactly("CLUSTER", "BACKUP", "HOSTED-CLUSTER", "COMPLETED", "REASON");
    Map<String, String> listed = rows.subList(1, rows.size()).stream()
        .collect(Collectors.toMap(r -> r.get(0) + "/" + r.get(1), r -> r.get(4)));
    assertThat(listed).isEqualTo(planned);
    assertThat(row(rows, "d-2")).containsExactly("mc-1", "d-2", "clusters/hc-1", "3h ago",
        "beyond keepLast 2: it is Completed backup number 3, newest first");
    assertThat(row(rows, "w-1").subList(0, 4)).containsExactly("mc-2", "w-1", "clusters/hc-4", "2d ago");
    assertThat(run.out.lines().reduce((a, b) -> b).orElseThrow())
        .isEqualTo("5 backup(s) of 4 policies would be deleted (dry run: nothing deleted)");
    assertThat(run.err).contains("warning: policy broken is invalid, so its retention deletes nothing (as on the hub): "
        + "spec.schedule: ").contains("note: 3 backup(s) on lost clusters (mc-lost) are left alone");
    Map<String, HostedClusterBackup> after = records();
    assertThat(after.keySet()).isEqualTo(before.keySet());
    assertThat(after.values()).allMatch(b -> b.getMetadata().getDeletionTimestamp() == null);
  }

  @Test
  void dryRunOfOnePolicyListsOnlyItsBackups() {
    Run run = flotilla("backup", "prune", "--policy", "weekly", "--dry-run");

    assertThat(run.code).as(run.err).isZero();
    List<List<String>> rows = rows(run);
    assertThat(rows.subList(1, rows.size())).extracting(r -> r.get(0) + "/" + r.get(1))
        .containsExactlyInAnyOrderElementsOf(retentionPlan("weekly").keySet())
        .containsExactly("mc-2/w-2", "mc-2/w-1"); // per hosted cluster, newest first as the plan orders them
    assertThat(row(rows, "w-2").get(4)).startsWith("older than maxAge 24h: taken at ");
    assertThat(run.out).endsWith("2 backup(s) of policy weekly would be deleted (dry run: nothing deleted)\n");
    assertThat(run.err).isEmpty();
  }

  @Test
  void pruneDeletesExactlyThoseRecordsAndTheAgentsFinishTheJob() {
    Map<String, String> planned = retentionPlan(null);

    Run run = flotilla("backup", "prune");

    assertThat(run.code).as(run.err).isZero();
    assertThat(rows(run).subList(1, 6)).extracting(r -> r.get(0) + "/" + r.get(1))
        .containsExactlyInAnyOrderElementsOf(planned.keySet());
    assertThat(run.out.lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("deletion of 5 backup(s) requested: "
        + "each cluster's agent removes their objects from the bucket, then the records go");
    // each record waits for its agent (the finalizer) with its deletion requested; nothing else was touched
    Map<String, HostedClusterBackup> after = records();
    assertThat(after.values().stream().filter(b -> b.getMetadata().getDeletionTimestamp() != null)
        .map(BackupDescription::id).collect(Collectors.toSet())).isEqualTo(EXPECTED);
    assertThat(after).hasSize(19);

    // records being deleted neither count nor are deleted again, as on the hub
    Run again = flotilla("backup", "prune", "--dry-run");
    assertThat(again.code).isZero();
    assertThat(again.out.strip()).isEqualTo("Nothing to prune: the retention of 4 policies deletes no backup.");
  }

  @Test
  void withoutTheAgentsFinalizerTheRecordsAreGone() {
    for (HostedClusterBackup b : records().values()) {
      hub.resources(HostedClusterBackup.class).inNamespace(b.getMetadata().getNamespace())
          .withName(b.getMetadata().getName()).edit(x -> {
            x.getMetadata().setFinalizers(List.of());
            return x;
          });
    }

    Run run = flotilla("backup", "prune", "--policy", "daily");

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out.lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("3 backup(s) deleted");
    assertThat(records().keySet()).hasSize(16).doesNotContain("mc-1/d-1", "mc-1/d-2", "mc-1/d-failed")
        .contains("mc-1/d-3", "mc-1/d-4", "mc-1/d-running", "mc-2/w-1", "mc-lost/l-1");
  }

  @Test
  void aPolicyWithoutLimitsPrunesNothingAndSaysWhy() {
    Run run = flotilla("backup", "prune", "--policy", "no-limits");

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out.strip()).isEqualTo("Nothing to prune: the retention of policy no-limits deletes no backup.");
    assertThat(run.err.strip()).isEqualTo("note: policy no-limits has no retention limits (keepLast, maxAge): it "
        + "deletes no backups");
    assertThat(records().values()).allMatch(b -> b.getMetadata().getDeletionTimestamp() == null);
  }

  @Test
  void anUnknownPolicyExitsTwo() {
    Run run = flotilla("backup", "prune", "--policy", "nope", "--dry-run");

    assertThat(run.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(run.err.strip()).isEqualTo("error: no backup policy \"nope\" on the hub (have: broken, daily, no-limits, weekly)");
  }

  // ---- helpers

  private record Run(int code, String out, String err) {}

  private Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * "cluster/backup" → reason, for every record the hub's retention deletes now: each valid policy (or one), its
   * records grouped by {@link RetentionPlan#forPolicy}, lost clusters left out, as the reconciler calls it.
   */
  private Map<String, String> retentionPlan(String onlyPolicy) {
    List<HostedClusterBackup> records = List.copyOf(records().values());
    Set<String> lost = hub.resources(ManagementCluster.class).list().getItems().stream()
        .filter(mc -> mc.getSpec().isLost()).map(mc -> mc.getMetadata().getName()).collect(Collectors.toSet());
    Map<String, String> out = new TreeMap<>();
    for (BackupPolicy p : hub.resources(BackupPolicy.class).list().getItems()) {
      String name = p.getMetadata().getName();
      if ((onlyPolicy != null && !onlyPolicy.equals(name)) || !PolicyValidation.validate(p.getSpec()).isEmpty()) {
        continue;
      }
      RetentionPlan.forPolicy(name, RetentionPlan.Rules.of(p.getSpec().retention), records, lost, Instant.now())
          .forEach((target, plan) -> plan.deletions().forEach(
              d -> out.put(target.cluster() + "/" + d.backup().name(), d.reason())));
    }
    return out;
  }

  private Map<String, HostedClusterBackup> records() {
    Map<String, HostedClusterBackup> out = new HashMap<>();
    hub.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems()
        .forEach(b -> out.put(BackupDescription.id(b), b));
    return out;
  }

  private void cluster(String name, boolean lost) {
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getSpec().lost = lost ? Boolean.TRUE : null;
    hub.resource(mc).create();
  }

  private void policy(String name, String schedule, Integer keepLast, String maxAge) {
    BackupPolicy p = new BackupPolicy();
    p.getMetadata().setName(name);
    p.getSpec().schedule = schedule;
    p.getSpec().store = "default";
    if (keepLast != null || maxAge != null) {
      p.getSpec().retention = new BackupPolicySpec.Retention();
      p.getSpec().retention.keepLast = keepLast;
      p.getSpec().retention.maxAge = maxAge;
    }
    p.setStatus(null);
    hub.resource(p).create();
  }

  /** A record as an agent writes it: labelled with the policy that scheduled it, holding the objects finalizer. */
  private void backup(String cluster, String name, String hostedCluster, String policy, Phase phase, Duration endedAgo) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace(cluster);
    b.getMetadata().setFinalizers(List.of(HostedClusterBackup.OBJECTS_FINALIZER));
    String[] hc = hostedCluster.split("/");
    b.getSpec().hostedCluster = new NamespacedName(hc[0], hc[1]);
    b.getSpec().store = "default";
    if (policy != null) {
      b.getSpec().policy = policy;
      b.getMetadata().setLabels(Map.of(EffectiveBackupSchedule.POLICY_LABEL, policy));
      // the cron slot it ran for, a few minutes before it ended (retention orders and ages by this, not the spoke's clock)
      Instant slot = Instant.now().minus(endedAgo == null ? Duration.ZERO : endedAgo).minus(Duration.ofMinutes(5));
      b.getMetadata().setAnnotations(Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, Time.format(slot)));
    }
    b = hub.resource(b).create();
    if (b.getStatus() == null) {
      b.setStatus(new HostedClusterBackupStatus());
    }
    b.getStatus().phase = phase;
    b.getStatus().completedAt = endedAgo == null ? null : Time.format(Instant.now().minus(endedAgo));
    hub.resource(b).updateStatus();
  }

  private static List<List<String>> rows(Run run) {
    // the table's lines: five cells; the summary line after it has one
    return run.out.lines().map(l -> Arrays.asList(l.strip().split(" {3,}"))).filter(r -> r.size() == 5).toList();
  }

  private static List<String> row(List<List<String>> rows, String backup) {
    return rows.stream().filter(r -> r.size() > 1 && r.get(1).equals(backup)).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + backup + " in " + rows));
  }
}
