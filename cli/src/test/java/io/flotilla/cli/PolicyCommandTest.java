package io.flotilla.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.hub.dr.policy.BackupPolicyReconciler;
import io.flotilla.hub.dr.policy.PolicyObjects;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `flotilla policy` in-process against a CRUD mock hub with the Flotilla CRDs (no hub manager runs: where a test needs
 * a status, it writes it as the hub does, or runs the hub's reconciler once by hand).
 */
class PolicyCommandTest {
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
    BackupStore store = new BackupStore();
    store.getMetadata().setName("default");
    store.getSpec().bucket = "flotilla-backups";
    store.getSpec().credentialsSecret = new NamespacedName("flotilla-system", "s3");
    hub.resource(store).create();
  }

  @AfterEach
  void down() {
    api.close();
  }

  @Test
  void createMakesThePolicyAsGiven() {
    Run run = flotilla("policy", "create", "nightly", "--schedule", "0 2 * * *", "--time-zone", "Europe/Paris",
        "--store", "default", "--cluster-selector", "env=prod,tier=1", "--namespaces", "clusters,team-a",
        "--hosted-cluster-selector", "backup=yes", "--keep-last", "7", "--max-age", "168h", "--max-pause-window", "5m",
        "--quiesce-api-servers", "--suspend");

    assertThat(run.code).as(run.err).isZero();
    BackupPolicySpec s = policy("nightly").getSpec();
    assertThat(s.schedule).isEqualTo("0 2 * * *");
    assertThat(s.timeZone).isEqualTo("Europe/Paris");
    assertThat(s.store).isEqualTo("default");
    assertThat(s.clusterSelector.getMatchLabels()).isEqualTo(Map.of("env", "prod", "tier", "1"));
    assertThat(s.hostedClusterSelector.namespaces).containsExactly("clusters", "team-a");
    assertThat(s.hostedClusterSelector.labelSelector.getMatchLabels()).isEqualTo(Map.of("backup", "yes"));
    assertThat(s.retention.keepLast).isEqualTo(7);
    assertThat(s.retention.maxAge).isEqualTo("168h");
    assertThat(s.maxPauseWindow).isEqualTo("5m");
    assertThat(s.quiesceAPIServers).isTrue();
    assertThat(s.isSuspended()).isTrue();
    assertThat(run.out).startsWith("backup policy nightly created: schedule \"0 2 * * *\" (Europe/Paris), store "
        + "default, clusters with env=prod,tier=1, hosted clusters in clusters,team-a with backup=yes, retention: keep "
        + "last 7, max age 168h, suspended\n").contains("flotilla policy status nightly");
  }

  @Test
  void createWithOnlyAScheduleLeavesTheRestToTheHubsDefaults() {
    Run run = flotilla("policy", "create", "hourly", "--schedule", "0 * * * *");

    assertThat(run.code).as(run.err).isZero();
    BackupPolicySpec s = policy("hourly").getSpec();
    assertThat(s.store).isEqualTo("default");
    assertThat(s.timeZone).isNull();
    assertThat(s.clusterSelector).isNull();
    assertThat(s.hostedClusterSelector).isNull();
    assertThat(s.retention).isNull();
    assertThat(s.maxPauseWindow).isNull();
    assertThat(s.quiesceAPIServers).isNull();
    assertThat(s.suspend).isNull();
    assertThat(policy("hourly").getStatus()).satisfiesAnyOf(
        st -> assertThat(st).isNull(), st -> assertThat(st.conditions).isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "invalid cron          | 61 * * * * | --store=default                  | --schedule: spec.schedule: schedule \"61 * * * *\" is not a valid cron expression",
      "wrong field count     | 0 2 * *    | --store=default                  | --schedule: spec.schedule: schedule \"0 2 * *\" has 4 fields",
      "unknown time zone     | 0 2 * * *  | --time-zone=Mars/Olympus         | --time-zone: spec.timeZone: time zone \"Mars/Olympus\" is not a known IANA time zone",
      "keepLast 0            | 0 2 * * *  | --keep-last=0                    | --keep-last: spec.retention.keepLast must be at least 1, got 0",
      "negative maxAge       | 0 2 * * *  | --max-age=-1h                    | --max-age: spec.retention.maxAge must not be negative, got -1h",
      "malformed maxAge      | 0 2 * * *  | --max-age=week                   | --max-age: spec.retention.maxAge: 'week' is not a duration",
      "zero pause window     | 0 2 * * *  | --max-pause-window=0s            | --max-pause-window: spec.maxPauseWindow must be greater than zero, got 0s",
      "bad namespace         | 0 2 * * *  | --namespaces=Clusters            | --namespaces: spec.hostedClusterSelector.namespaces[0] \"Clusters\" is not a namespace name",
      "selector not k=v      | 0 2 * * *  | --hosted-cluster-selector=backup | --hosted-cluster-selector \"backup\": \"backup\" is not key=value",
      "unknown store         | 0 2 * * *  | --store=nope                     | no BackupStore \"nope\" on the hub (have: default)",
      "drills every 0th      | 0 2 * * *  | --verify-every=0                 | --verify-every: spec.verification.everyNth must be at least 1 (1 drills every backup), got 0",
      "drill schedule        | 0 2 * * *  | --verify-schedule=daily          | --verify-schedule: spec.verification.schedule: schedule \"daily\" has 1 fields",
      "age without cadence   | 0 2 * * *  | --max-verified-age=2h            | --verify-every/--verify-schedule: spec.verification needs everyNth",
  })
  void badInputExitsTwoNamingTheProblemAndCreatesNothing(String what, String schedule, String option, String message) {
    Run run = flotilla("policy", "create", "bad-input", "--schedule", schedule, option);

    assertThat(run.code).as(run.err).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(run.err).startsWith("error: ").contains(message).hasLineCount(1);
    assertThat(run.out).isEmpty();
    assertThat(hub.resources(BackupPolicy.class).list().getItems()).isEmpty();
  }

  @Test
  void createWithRestoreDrills() {
    Run every = flotilla("policy", "create", "drilled", "--schedule", "0 * * * *", "--verify-every", "1",
        "--max-verified-age", "3h");
    Run scheduled = flotilla("policy", "create", "weekly-drill", "--schedule", "0 * * * *", "--verify-schedule",
        "0 3 * * 6");
    Run both = flotilla("policy", "create", "both", "--schedule", "0 * * * *", "--verify-every", "2",
        "--verify-schedule", "0 3 * * 6");

    assertThat(every.code).as(every.err).isZero();
    assertThat(every.out).contains("restore drills: every backup, max verified age 3h");
    BackupPolicySpec.Verification v = policy("drilled").getSpec().verification;
    assertThat(v.everyNth).isEqualTo(1);
    assertThat(v.schedule).isNull();
    assertThat(v.maxVerifiedAge).isEqualTo("3h");
    assertThat(scheduled.code).as(scheduled.err).isZero();
    assertThat(policy("weekly-drill").getSpec().verification.schedule).isEqualTo("0 3 * * 6");
    assertThat(both.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(both.err).contains("--verify-every/--verify-schedule: spec.verification has both everyNth 2 and"
        + " schedule").hasLineCount(1);
  }

  @Test
  void everyProblemIsNamedAtOnce() {
    Run run = flotilla("policy", "create", "bad-input", "--schedule", "61 * * * *", "--time-zone", "Mars/Olympus",
        "--keep-last", "0");

    assertThat(run.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(run.err).startsWith("error: policy bad-input is invalid: ")
        .contains("--time-zone: ", "--schedule: ", "--keep-last: ").hasLineCount(1);
    assertThat(hub.resources(BackupPolicy.class).list().getItems()).isEmpty();
  }

  @Test
  void creatingAPolicyThatExistsExitsTwo() {
    assertThat(flotilla("policy", "create", "hourly", "--schedule", "0 * * * *").code).isZero();

    Run again = flotilla("policy", "create", "hourly", "--schedule", "30 * * * *");

    assertThat(again.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(again.err.strip()).isEqualTo("error: backup policy \"hourly\" already exists (flotilla policy status hourly)");
    assertThat(policy("hourly").getSpec().schedule).isEqualTo("0 * * * *");
  }

  @Test
  void listShowsEachPolicyWithItsRetentionAndCompliance() throws Exception {
    assertThat(flotilla("policy", "create", "a-hourly", "--schedule", "0 * * * *", "--keep-last", "3").code).isZero();
    assertThat(flotilla("policy", "create", "b-daily", "--schedule", "0 2 * * *", "--time-zone", "Asia/Tokyo",
        "--max-age", "72h", "--suspend").code).isZero();
    BackupPolicyStatus status = new BackupPolicyStatus();
    status.observedGeneration = 1L;
    status.compliant = 1;
    status.total = 2;
    status.oldestNewestBackupAge = "2h5m";
    status.rpoTarget = "1h10m";
    writeStatus("a-hourly", status);

    Run run = flotilla("policy", "list");
    Run json = flotilla("policy", "list", "-o", "json");

    assertThat(run.code).as(run.err).isZero();
    List<String> lines = run.out.lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(cells(lines.get(0))).containsExactly("NAME", "SCHEDULE", "TIME-ZONE", "STORE", "KEEP-LAST", "MAX-AGE",
        "COMPLIANT", "OLDEST-NEWEST-BACKUP", "SUSPENDED", "AGE");
    assertThat(cells(lines.get(1))).startsWith("a-hourly", "0 * * * *", "UTC", "default", "3", "<none>", "1/2",
        "2h5m", "false");
    assertThat(cells(lines.get(2))).startsWith("b-daily", "0 2 * * *", "Asia/Tokyo", "default", "<none>", "72h",
        "<none>", "<none>", "true");
    assertThat(cells(lines.get(1)).get(9)).matches("\\d+s");
    assertThat(json.code).isZero();
    List<BackupPolicy> parsed = Serialization.jsonMapper().readValue(json.out, new TypeReference<List<BackupPolicy>>() { });
    assertThat(parsed).extracting(p -> p.getMetadata().getName()).containsExactly("a-hourly", "b-daily");
    assertThat(parsed.get(0).getStatus().compliant).isEqualTo(1);
  }

  @Test
  void listWithoutPoliciesSaysHowToCreateOne() {
    Run run = flotilla("policy", "list");

    assertThat(run.code).isZero();
    assertThat(run.out.strip()).isEqualTo("No backup policies. Create one with: flotilla policy create NAME --schedule CRON");
  }

  @Test
  void statusShowsTheRpoReportTheHubWrote() {
    assertThat(flotilla("policy", "create", "hourly", "--schedule", "0 */4 * * *", "--keep-last", "24").code).isZero();
    Instant now = Instant.now();
    BackupPolicyStatus status = new BackupPolicyStatus();
    status.observedGeneration = policy("hourly").getMetadata().getGeneration();
    status.compliant = 1;
    status.total = 3;
    status.rpoTarget = "4h10m";
    status.oldestNewestBackupAge = "5h";
    status.lastScheduleTime = Time.format(now.minus(Duration.ofHours(3)));
    status.conditions = new ArrayList<>(List.of(
        condition(BackupPolicyStatus.COMPLIANT, "False", "RPOExceeded", "2 of 3 hosted cluster(s) have no Completed "
            + "backup within 4h10m (interval 4h + grace 10m): clusters/hc-2 on mc-1 (no backup), clusters/hc-9 on "
            + "mc-2 (newest 5h old)", now),
        condition(BackupPolicyStatus.VALID, "True", "ValidSpec", "the spec is valid", now)));
    // as the hub orders them: non-compliant first, then oldest backup first
    status.rpo = new ArrayList<>(List.of(
        rpo("mc-1", "clusters/hc-2", null, null, false),
        rpo("mc-2", "clusters/hc-9", "hc-9-old", now.minus(Duration.ofHours(5)), false),
        rpo("mc-1", "clusters/hc-1", "hc-1-new", now.minus(Duration.ofHours(2)), true)));
    writeStatus("hourly", status);

    Run run = flotilla("policy", "status", "hourly");

    assertThat(run.code).as(run.err).isZero();
    assertThat(field(run, "Schedule")).isEqualTo("0 */4 * * * (UTC)");
    assertThat(field(run, "Retention")).isEqualTo("keep last 24");
    assertThat(field(run, "RPO target")).isEqualTo("4h10m");
    assertThat(field(run, "Compliant")).isEqualTo("1/3 hosted clusters within the RPO target");
    assertThat(field(run, "Oldest newest backup")).isEqualTo("5h");
    assertThat(field(run, "Last scheduled")).endsWith("(3h ago)");
    assertThat(tableRows(run, "Conditions:")).extracting(r -> r.subList(0, 3)).containsExactly(
        List.of("TYPE", "STATUS", "REASON"), List.of("Compliant", "False", "RPOExceeded"), List.of("Valid", "True", "ValidSpec"));
    List<List<String>> rows = tableRows(run, "RPO by hosted cluster:");
    assertThat(rows).containsExactly(
        List.of("CLUSTER", "HOSTED-CLUSTER", "NEWEST-BACKUP", "AGE", "COMPLIANT"),
        List.of("mc-1", "clusters/hc-2", "<none>", "<none>", "no"),
        List.of("mc-2", "clusters/hc-9", "hc-9-old", "5h", "no"),
        List.of("mc-1", "clusters/hc-1", "hc-1-new", "2h", "yes"));
  }

  @Test
  void statusShowsWhatTheHubsReconcilerWrites() {
    cluster("mc-1", "clusters/hc-1", "clusters/hc-2");
    assertThat(flotilla("policy", "create", "daily", "--schedule", "0 2 * * *").code).isZero();
    completedBackup("mc-1", "hc-1-recent", "clusters/hc-1", Duration.ofHours(5));
    new BackupPolicyReconciler(hub).reconcile(policy("daily"), PolicyObjects.fromApi(hub));

    Run run = flotilla("policy", "status", "daily");

    assertThat(run.code).as(run.err).isZero();
    assertThat(field(run, "RPO target")).isEqualTo("24h10m");
    // hc-2 has no backup yet but the policy's first run is still ahead: compliant, as the hub judges it
    assertThat(field(run, "Compliant")).isEqualTo("2/2 hosted clusters within the RPO target");
    assertThat(tableRows(run, "RPO by hosted cluster:")).contains(
        List.of("mc-1", "clusters/hc-1", "hc-1-recent", "5h", "yes"),
        List.of("mc-1", "clusters/hc-2", "<none>", "<none>", "yes"));
    assertThat(tableRows(run, "Conditions:")).extracting(r -> r.get(0))
        .contains("Compliant", "Overlapping", "Suspended", "Valid");
  }

  @Test
  void statusShowsTheVerifiedRpoBesideTheRpo() {
    cluster("mc-1", "clusters/hc-1", "clusters/hc-2");
    assertThat(flotilla("policy", "create", "drilled", "--schedule", "0 * * * *", "--verify-every", "1").code)
        .isZero();
    completedBackup("mc-1", "hc-1-a", "clusters/hc-1", Duration.ofMinutes(30));
    drilled("mc-1", "hc-1-a", true, "restore drill passed: ...");
    completedBackup("mc-1", "hc-2-a", "clusters/hc-2", Duration.ofMinutes(20));
    drilled("mc-1", "hc-2-a", false, "stored snapshot does not match its manifest: SHA-256 differs");
    new BackupPolicyReconciler(hub).reconcile(policy("drilled"), PolicyObjects.fromApi(hub));

    Run run = flotilla("policy", "status", "drilled");

    assertThat(run.code).as(run.err).isZero();
    assertThat(field(run, "Restore drills")).isEqualTo("every backup");
    assertThat(field(run, "RPO target")).isEqualTo("1h10m");
    assertThat(field(run, "Verified RPO target")).isEqualTo("1h20m");
    assertThat(field(run, "Verified RPO")).startsWith("30m");
    List<List<String>> rows = tableRows(run, "RPO by hosted cluster:");
    assertThat(rows.get(0)).containsExactly("CLUSTER", "HOSTED-CLUSTER", "NEWEST-BACKUP", "AGE", "COMPLIANT",
        "NEWEST-DRILLED", "AGE", "VERIFIED");
    // ages are of now, so a slow machine may print 30m1s
    assertThat(rows).filteredOn(r -> r.get(1).equals("clusters/hc-1")).singleElement().satisfies(r -> {
      assertThat(r).element(2).isEqualTo("hc-1-a");
      assertThat(r).element(3).asString().startsWith("30m");
      assertThat(r).element(5).isEqualTo("hc-1-a");
      assertThat(r).element(6).asString().startsWith("30m");
      assertThat(r).element(7).isEqualTo("yes");
    });
    // hc-2's only backup failed its drill: it is neither its newest good backup nor a drilled one
    assertThat(rows).filteredOn(r -> r.get(1).equals("clusters/hc-2")).singleElement()
        .satisfies(r -> assertThat(r).containsSubsequence("<none>", "<none>", "yes", "<none>"));
    assertThat(tableRows(run, "Conditions:")).filteredOn(r -> r.get(0).equals("DrillsPassing")).singleElement()
        .satisfies(r -> assertThat(String.join(" ", r)).contains("False", "DrillFailed", "mc-1/hc-2-a",
            "SHA-256 differs"));
  }

  @Test
  void statusBeforeTheHubWroteAnySaysSo() {
    assertThat(flotilla("policy", "create", "hourly", "--schedule", "0 * * * *").code).isZero();

    Run run = flotilla("policy", "status", "hourly");

    assertThat(run.code).as(run.err).isZero();
    assertThat(field(run, "Policy")).isEqualTo("hourly");
    assertThat(run.out).contains("The hub has not written this policy's status yet")
        .doesNotContain("RPO target:", "RPO by hosted cluster:");
  }

  @Test
  void statusOfAPolicyThatDoesNotExistExitsTwo() {
    assertThat(flotilla("policy", "create", "hourly", "--schedule", "0 * * * *").code).isZero();

    Run run = flotilla("policy", "status", "nope");

    assertThat(run.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(run.err.strip()).isEqualTo("error: no backup policy \"nope\" on the hub (have: hourly)");
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

  private BackupPolicy policy(String name) {
    return hub.resources(BackupPolicy.class).withName(name).get();
  }

  /** As the hub writes status: replaced whole with a JSON patch on the status subresource. */
  private void writeStatus(String policy, BackupPolicyStatus status) {
    hub.resources(BackupPolicy.class).withName(policy).subresource("status").patch(PatchContext.of(PatchType.JSON),
        Serialization.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status))));
  }

  private static Condition condition(String type, String status, String reason, String message, Instant now) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(Time.format(now)).build();
  }

  private static BackupPolicyStatus.HostedClusterRpo rpo(String cluster, String hostedCluster, String backup,
                                                         Instant completed, boolean compliant) {
    BackupPolicyStatus.HostedClusterRpo r = new BackupPolicyStatus.HostedClusterRpo();
    r.cluster = cluster;
    r.namespace = hostedCluster.split("/")[0];
    r.name = hostedCluster.split("/")[1];
    r.newestBackup = backup;
    r.newestBackupTime = Time.format(completed);
    r.compliant = compliant;
    return r;
  }

  /** A registered cluster whose agent reports these hosted clusters. */
  private void cluster(String name, String... hostedClusters) {
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc = hub.resource(mc).create();
    mc.getStatus().hostedClusterNames = List.of(hostedClusters);
    mc.getStatus().hostedClusters = hostedClusters.length;
    hub.resource(mc).updateStatus();
  }

  private void completedBackup(String cluster, String name, String hostedCluster, Duration ago) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace(cluster);
    b.getSpec().hostedCluster = new NamespacedName(hostedCluster.split("/")[0], hostedCluster.split("/")[1]);
    b.getSpec().store = "default";
    b = hub.resource(b).create();
    if (b.getStatus() == null) {
      b.setStatus(new HostedClusterBackupStatus());
    }
    b.getStatus().phase = Phase.Completed;
    b.getStatus().completedAt = Time.format(Instant.now().minus(ago));
    hub.resource(b).updateStatus();
  }

  /** The agent's answer to a restore drill of the record, as BackupVerifier writes it. */
  private void drilled(String cluster, String name, boolean passed, String message) {
    HostedClusterBackup b = hub.resources(HostedClusterBackup.class).inNamespace(cluster).withName(name).get();
    b.getStatus().verification = new HostedClusterBackupStatus.Verification();
    b.getStatus().verification.request = HostedClusterBackup.restoreDrillRequest(Instant.now());
    b.getStatus().verification.passed = passed;
    b.getStatus().verification.message = message;
    hub.resource(b).updateStatus();
  }

  /** The value of a "Label:   value" line of `policy status`. */
  private static String field(Run run, String label) {
    return run.out.lines().filter(l -> l.startsWith(label + ":")).findFirst()
        .map(l -> l.substring(label.length() + 1).strip())
        .orElseThrow(() -> new AssertionError("no " + label + " in\n" + run.out));
  }

  /** The cells of the indented table under {@code heading}, header row included. */
  private static List<List<String>> tableRows(Run run, String heading) {
    List<String> lines = run.out.lines().toList();
    int start = lines.indexOf(heading);
    assertThat(start).as("%s in\n%s", heading, run.out).isNotNegative();
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (!line.startsWith("  ") || line.startsWith("  and ")) {
        break;
      }
      rows.add(cells(line.strip()));
    }
    return rows;
  }

  /** Table cells: columns are at least three spaces apart, cells hold at most single spaces. */
  private static List<String> cells(String line) {
    return Arrays.asList(line.strip().split(" {3,}"));
  }
}
