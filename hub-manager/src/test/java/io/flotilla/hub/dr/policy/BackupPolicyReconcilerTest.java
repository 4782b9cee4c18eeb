package io.flotilla.hub.dr.policy;

import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Completed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Failed;
import static io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.InProgress;
import static io.flotilla.hub.dr.policy.Specs.clusters;
import static io.flotilla.hub.dr.policy.Specs.hosted;
import static io.flotilla.hub.dr.policy.Specs.labels;
import static io.flotilla.hub.dr.policy.Specs.retention;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.common.Conditions;
import io.flotilla.common.CronSchedule;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The policy reconcile pass against the CRUD mock, called directly; the test plays operator and agents. */
@EnableKubernetesMockClient(crud = true)
class BackupPolicyReconcilerTest {
  KubernetesClient client;
  PolicyHub hub;

  @BeforeEach
  void setUp() {
    hub = new PolicyHub(client);
    hub.cluster("mc1", labels("env", "prod"), "clusters/a:tier=gold", "clusters/b", "other/c");
    hub.cluster("mc2", labels("env", "prod"), "clusters/d:tier=gold");
    hub.cluster("mc3", labels("env", "dev"), "clusters/e");
  }

  Condition condition(String policy, String type) {
    return Conditions.find(hub.policy(policy).getStatus().conditions, type).orElseThrow();
  }

  @Test
  void schedulesAppearInTheClusterNamespacesWithTheOverlapSettledByName() {
    hub.policy("nightly", clusters(spec("0 2 * * *"), "env", "prod"));
    hub.policy("gold", hosted(spec("*/15 * * * *"), null, "tier", "gold"));

    hub.reconcile("nightly");
    assertThat(hub.entries("mc1")).isEqualTo(Map.of("gold", List.of("clusters/a"),
        "nightly", List.of("clusters/b", "other/c")));
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("gold", List.of("clusters/d")));
    assertThat(hub.entries("mc3")).isEmpty(); // gold selects no hosted cluster there, nightly not the cluster
    assertThat(hub.scheduleMap("mc1").getMetadata().getLabels()).containsEntry(BackupPolicyReconciler.SCHEDULE_LABEL, "true");
    EffectiveBackupSchedule.Entry gold = hub.schedule("mc2").entries.get(0);
    assertThat(gold.schedule).isEqualTo("*/15 * * * *");
    assertThat(gold.store).isEqualTo("s3");
    assertThat(hub.schedule("mc2").cluster).isEqualTo("mc2");

    Condition overlap = condition("nightly", BackupPolicyStatus.OVERLAPPING);
    assertThat(overlap.getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(overlap.getReason()).isEqualTo(PolicyConditions.REASON_YIELDS);
    assertThat(overlap.getMessage()).contains("the one whose name sorts first backs it up")
        .contains("clusters/a on mc1 by gold").contains("clusters/d on mc2 by gold");
    hub.reconcile("gold");
    assertThat(condition("gold", BackupPolicyStatus.OVERLAPPING).getReason())
        .isEqualTo(PolicyConditions.REASON_TAKES_PRECEDENCE);
    assertThat(hub.policy("gold").getStatus().total).isEqualTo(2);
    assertThat(hub.policy("nightly").getStatus().total).isEqualTo(2);

    // unchanged content is not written again
    String version = hub.scheduleMap("mc1").getMetadata().getResourceVersion();
    hub.reconcile("nightly");
    assertThat(hub.scheduleMap("mc1").getMetadata().getResourceVersion()).isEqualTo(version);

    // mc2 leaves every selection: its schedule goes; a hosted cluster appears on mc1: it is added
    hub.editCluster("mc2", mc -> mc.getMetadata().setLabels(labels("env", "dev")));
    hub.editPolicy("gold", s -> s.clusterSelector = clusters(spec("x"), "env", "prod").clusterSelector);
    hub.reportHostedClusters("mc1", "clusters/a:tier=gold", "clusters/b", "other/c", "clusters/f");
    hub.reconcile("gold");
    assertThat(hub.scheduleMap("mc2")).isNull();
    assertThat(hub.entries("mc1").get("nightly")).containsExactly("clusters/b", "clusters/f", "other/c");
    // a hand edit is undone
    client.configMaps().inNamespace("mc1").withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).edit(cm -> {
      cm.getData().put(EffectiveBackupSchedule.DATA_KEY, "{\"cluster\":\"mc1\",\"entries\":[]}");
      return cm;
    });
    hub.reconcile("nightly");
    assertThat(hub.entries("mc1")).containsOnlyKeys("gold", "nightly");
  }

  @Test
  void anInvalidPolicySurfacesInStatusAndSchedulesAndDeletesNothing() {
    hub.backup("mc1", "old", "clusters/a", "broken", Completed, Duration.ofDays(30));
    hub.backup("mc1", "new", "clusters/a", "broken", Completed, Duration.ofHours(1));
    BackupPolicySpec s = retention(spec("0 25 * * *"), -1, "168h");
    s.timeZone = "Europe/Atlantis";
    hub.policy("broken", s);

    BackupPolicyReconciler.Result r = hub.reconcile("broken");
    assertThat(r.problems()).hasSize(3);
    Condition valid = condition("broken", BackupPolicyStatus.VALID);
    assertThat(valid.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(valid.getReason()).isEqualTo(PolicyConditions.REASON_INVALID_SPEC);
    assertThat(valid.getMessage()).contains("time zone \"Europe/Atlantis\" is not a known IANA time zone")
        .contains("schedule \"0 25 * * *\" is not a valid cron expression")
        .contains("spec.retention.keepLast must be at least 1, got -1");
    assertThat(condition("broken", BackupPolicyStatus.COMPLIANT).getStatus()).isEqualTo(Conditions.UNKNOWN);
    assertThat(hub.policy("broken").getStatus().total).isNull();
    assertThat(hub.scheduleMap("mc1")).isNull();
    assertThat(hub.backups("mc1")).containsExactly("new", "old");

    // fixed: it schedules, and retention applies
    hub.editPolicy("broken", x -> {
      x.schedule = "0 2 * * *";
      x.timeZone = "Europe/Paris";
      x.retention.keepLast = 1;
    });
    r = hub.reconcile("broken");
    assertThat(r.problems()).isEmpty();
    assertThat(condition("broken", BackupPolicyStatus.VALID).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(hub.entries("mc1")).containsOnlyKeys("broken");
    assertThat(hub.schedule("mc1").entries.get(0).timeZone).isEqualTo("Europe/Paris");
    assertThat(r.deleted()).containsExactly("mc1/old");
    assertThat(hub.backups("mc1")).containsExactly("new");
  }

  @Test
  void retentionDeletesExactlyTheExpectedRecords() {
    hub.policy("p", retention(spec("0 * * * *"), 2, "24h"));
    Duration h = Duration.ofHours(1);
    // hosted cluster a: five Completed, one Failed before the newest, one running
    hub.backup("mc1", "a-1h", "clusters/a", "p", Completed, h);
    hub.backup("mc1", "a-2h", "clusters/a", "p", Completed, h.multipliedBy(2));
    hub.backup("mc1", "a-3h", "clusters/a", "p", Completed, h.multipliedBy(3));
    hub.backup("mc1", "a-30h", "clusters/a", "p", Completed, h.multipliedBy(30));
    hub.backup("mc1", "a-failed-5h", "clusters/a", "p", Failed, h.multipliedBy(5));
    hub.backup("mc1", "a-running", "clusters/a", "p", InProgress, null);
    // hosted cluster b: only old backups: the newest stays
    hub.backup("mc1", "b-40h", "clusters/b", "p", Completed, h.multipliedBy(40));
    hub.backup("mc1", "b-50h", "clusters/b", "p", Completed, h.multipliedBy(50));
    // not this policy's: on demand, another policy's
    hub.backup("mc1", "a-on-demand-90h", "clusters/a", null, Completed, h.multipliedBy(90));
    hub.backup("mc1", "a-other-90h", "clusters/a", "other", Completed, h.multipliedBy(90));
    // the same hosted cluster name on another cluster is another hosted cluster
    hub.backup("mc2", "mc2-a-2h", "clusters/a", "p", Completed, h.multipliedBy(2));
    hub.backup("mc2", "mc2-a-3h", "clusters/a", "p", Completed, h.multipliedBy(3));
    hub.backup("mc2", "mc2-a-4h", "clusters/a", "p", Completed, h.multipliedBy(4));
    // a lost cluster's backups are what fail-over restores from
    hub.editCluster("mc3", mc -> mc.getSpec().lost = true);
    hub.backup("mc3", "e-1h", "clusters/e", "p", Completed, h);
    hub.backup("mc3", "e-2h", "clusters/e", "p", Completed, h.multipliedBy(2));
    hub.backup("mc3", "e-3h", "clusters/e", "p", Completed, h.multipliedBy(3));

    BackupPolicyReconciler.Result r = hub.reconcile("p");
    assertThat(r.deleted()).containsExactlyInAnyOrder("mc1/a-3h", "mc1/a-30h", "mc1/a-failed-5h", "mc1/b-50h",
        "mc2/mc2-a-4h");
    assertThat(hub.backups("mc1")).containsExactly("a-1h", "a-2h", "a-on-demand-90h", "a-other-90h", "a-running",
        "b-40h");
    assertThat(hub.backups("mc2")).containsExactly("mc2-a-2h", "mc2-a-3h");
    assertThat(hub.backups("mc3")).containsExactly("e-1h", "e-2h", "e-3h");
    // the lost cluster gets no schedule
    assertThat(hub.scheduleMap("mc3")).isNull();
    assertThat(hub.reconcile("p").deleted()).isEmpty(); // nothing more to do
  }

  @Test
  void rpoReportIsInStatusAndFollowsTheClock() {
    BackupPolicySpec s = clusters(spec("0 * * * *"), "env", "prod");
    s.maxPauseWindow = "5m";
    hub.policy("hourly", s);
    hub.backup("mc1", "a1", "clusters/a", "hourly", Completed, Duration.ofMinutes(20));
    hub.backup("mc1", "b1", "clusters/b", null, Completed, Duration.ofMinutes(50)); // on demand counts too
    hub.backup("mc1", "b0", "clusters/b", "hourly", Completed, Duration.ofMinutes(70));
    hub.backup("mc2", "d1", "clusters/d", "hourly", Completed, Duration.ofHours(3));
    hub.backup("mc2", "d2", "clusters/d", "hourly", Failed, Duration.ofMinutes(10));
    // other/c has none: the policy is new, so it is not yet due

    BackupPolicyReconciler.Result r = hub.reconcile("hourly");
    BackupPolicyStatus st = hub.policy("hourly").getStatus();
    assertThat(st.total).isEqualTo(4);
    assertThat(st.compliant).isEqualTo(3);
    assertThat(st.oldestNewestBackupAge).isEqualTo("3h");
    assertThat(st.rpoTarget).isEqualTo("1h5m");
    assertThat(st.lastScheduleTime).isNotNull();
    BackupPolicyStatus.HostedClusterRpo worst = st.rpo.get(0);
    assertThat(worst.cluster).isEqualTo("mc2");
    assertThat(worst.name).isEqualTo("d");
    assertThat(worst.newestBackup).isEqualTo("d1");
    assertThat(worst.age).isEqualTo("3h");
    assertThat(worst.compliant).isFalse();
    assertThat(st.rpo).filteredOn(e -> e.name.equals("b")).singleElement()
        .satisfies(e -> assertThat(e.newestBackup).isEqualTo("b1"));
    assertThat(st.rpo).filteredOn(e -> e.name.equals("c")).singleElement()
        .satisfies(e -> assertThat(e.newestBackup).isNull());
    Condition compliant = condition("hourly", BackupPolicyStatus.COMPLIANT);
    assertThat(compliant.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(compliant.getMessage()).startsWith("1 of 4 hosted cluster(s) have no Completed backup within 1h5m")
        .contains("clusters/d on mc2 (newest 3h old)");
    // b1 (50 min old) runs out in 15 minutes, unless c's first run is due sooner; the recheck never waits beyond 30 s
    Instant cDue = CronSchedule.parse("0 * * * *", null).nextAfter(Time.parse(
        hub.policy("hourly").getMetadata().getCreationTimestamp())).orElseThrow().plus(Duration.ofMinutes(5));
    Instant b1Due = hub.clock.instant().plus(Duration.ofMinutes(15));
    assertThat(r.rpo().nextChangeAt()).isEqualTo(cDue.isBefore(b1Due) ? cDue : b1Due);
    assertThat(r.recheckAfter()).isLessThanOrEqualTo(Duration.ofSeconds(30));

    // d catches up; later b and a age out while c still has no backup past its first due run
    hub.backup("mc2", "d3", "clusters/d", "hourly", Completed, Duration.ZERO);
    hub.reconcile("hourly");
    assertThat(hub.policy("hourly").getStatus().compliant).isEqualTo(4);
    assertThat(condition("hourly", BackupPolicyStatus.COMPLIANT).getReason()).isEqualTo(PolicyConditions.REASON_WITHIN_RPO);
    // two hours on, only d has a fresh backup; c's first run is long due (created <= 1h5m before it)
    hub.clock.advance(Duration.ofHours(2));
    hub.backup("mc2", "d4", "clusters/d", "hourly", Completed, Duration.ofMinutes(1));
    hub.reconcile("hourly");
    st = hub.policy("hourly").getStatus();
    assertThat(st.rpo).filteredOn(e -> !e.compliant).extracting(e -> e.name).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(st.compliant).isEqualTo(1);
    assertThat(st.rpo.get(0).name).isEqualTo("c"); // no backup at all sorts first
  }

  @Test
  void drillsAreAskedOfEveryNthBackupAndTheirOutcomeIsTheVerifiedRpoAndTheDrillsCondition() {
    // gold hosted clusters: a on mc1, d on mc2; hourly backups, every 2nd drilled
    BackupPolicySpec s = Specs.drills(hosted(spec("0 * * * *"), null, "tier", "gold"), 2, null, null);
    s.maxPauseWindow = "5m";
    hub.policy("drilled", s);
    hub.backup("mc1", "a1", "clusters/a", "drilled", Completed, Duration.ofHours(2));
    hub.backup("mc2", "d1", "clusters/d", "drilled", Completed, Duration.ofHours(3));
    hub.backup("mc2", "d2", "clusters/d", "drilled", Failed, Duration.ofMinutes(10));
    hub.backup("mc2", "x1", "clusters/d", null, Completed, Duration.ofMinutes(5)); // on demand: never asked

    // the first backup of each is drilled; while unanswered, nothing more is asked
    assertThat(hub.reconcile("drilled").drillsAsked()).containsExactlyInAnyOrder("mc1/a1", "mc2/d1");
    assertThat(hub.drillRequest("mc1", "a1")).startsWith(HostedClusterBackup.RESTORE_DRILL_PREFIX);
    assertThat(hub.reconcile("drilled").drillsAsked()).isEmpty();
    assertThat(condition("drilled", BackupPolicyStatus.DRILLS_PASSING).getReason())
        .isEqualTo(PolicyConditions.REASON_NO_DRILLS_YET);

    // the agents answer: a1 restores, d1's stored object does not
    hub.answerDrill("mc1", "a1", true, "restore drill passed: ...");
    hub.answerDrill("mc2", "d1", false, "stored snapshot does not match its manifest: SHA-256 differs");
    BackupPolicyReconciler.Result r = hub.reconcile("drilled");
    assertThat(r.drillsAsked()).isEmpty();
    Condition drills = condition("drilled", BackupPolicyStatus.DRILLS_PASSING);
    assertThat(drills.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(drills.getReason()).isEqualTo(PolicyConditions.REASON_DRILL_FAILED);
    assertThat(drills.getMessage()).startsWith("1 backup(s) failed their restore drill: mc2/d1 (clusters/d): "
        + "stored snapshot does not match its manifest: SHA-256 differs");
    BackupPolicyStatus st = hub.policy("drilled").getStatus();
    // every 2nd hourly backup: 2 intervals + twice the 5m grace
    assertThat(st.verifiedRpoTarget).isEqualTo("2h10m");
    assertThat(st.verifiedCompliant).as("a, and d while its first drilled backup is not due").isEqualTo(2);
    assertThat(st.oldestNewestVerifiedBackupAge).isEqualTo("2h");
    assertThat(st.rpo).filteredOn(e -> e.name.equals("a")).singleElement().satisfies(e -> {
      assertThat(e.newestVerifiedBackup).isEqualTo("a1");
      assertThat(e.verifiedAge).isEqualTo("2h");
      assertThat(e.verifiedCompliant).isTrue();
      assertThat(e.newestBackup).isEqualTo("a1");
    });
    assertThat(st.rpo).filteredOn(e -> e.name.equals("d")).singleElement().satisfies(e -> {
      assertThat(e.newestVerifiedBackup).isNull();
      assertThat(e.verifiedCompliant).as("the policy is new: its first drilled backup is not due yet").isTrue();
    });
    assertThat(r.verified().nextChangeAt()).as("a1 grows too old at 2h10m")
        .isEqualTo(hub.clock.instant().plus(Duration.ofMinutes(10)));

    // every 2nd: one more backup of a is not drilled, the second is
    hub.backup("mc1", "a2", "clusters/a", "drilled", Completed, Duration.ofMinutes(61));
    assertThat(hub.reconcile("drilled").drillsAsked()).isEmpty();
    hub.backup("mc1", "a3", "clusters/a", "drilled", Completed, Duration.ofMinutes(1));
    assertThat(hub.reconcile("drilled").drillsAsked()).containsExactly("mc1/a3");
    hub.answerDrill("mc1", "a3", true, "restore drill passed: ...");

    // time passes without a drilled backup of d: outside its verified RPO
    hub.clock.advance(Duration.ofHours(3));
    hub.reconcile("drilled");
    Condition verified = condition("drilled", BackupPolicyStatus.VERIFIED_COMPLIANT);
    assertThat(verified.getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(verified.getReason()).isEqualTo(PolicyConditions.REASON_VERIFIED_RPO_EXCEEDED);
    assertThat(verified.getMessage()).contains("clusters/a on mc1 (newest drilled 3h1m old)",
        "clusters/d on mc2 (none drilled)");

    // without spec.verification the drill conditions go, and nothing more is asked
    hub.editPolicy("drilled", p -> p.verification = null);
    hub.backup("mc1", "a4", "clusters/a", "drilled", Completed, Duration.ZERO);
    hub.backup("mc1", "a5", "clusters/a", "drilled", Completed, Duration.ZERO);
    assertThat(hub.reconcile("drilled").drillsAsked()).isEmpty();
    assertThat(hub.policy("drilled").getStatus().conditions).extracting(Condition::getType)
        .doesNotContain(BackupPolicyStatus.DRILLS_PASSING, BackupPolicyStatus.VERIFIED_COMPLIANT);
    assertThat(hub.policy("drilled").getStatus().verifiedRpoTarget).isNull();
  }

  @Test
  void suspendingThePolicyThatSortsFirstHandsItsHostedClustersOn() {
    hub.policy("a-gold", hosted(spec("*/15 * * * *"), null, "tier", "gold"));
    hub.policy("b-all", retention(spec("0 2 * * *"), 1, null));
    hub.backup("mc1", "b1", "clusters/b", "b-all", Completed, Duration.ofHours(30));
    hub.backup("mc1", "b2", "clusters/b", "b-all", Completed, Duration.ofHours(6));
    hub.reconcile("a-gold");
    assertThat(hub.entries("mc2")).containsOnlyKeys("a-gold");

    hub.editPolicy("a-gold", s -> s.suspend = true);
    hub.editPolicy("b-all", s -> s.suspend = true);
    hub.editPolicy("b-all", s -> s.suspend = false);
    hub.editPolicy("b-all", s -> s.suspend = true);
    BackupPolicyReconciler.Result r = hub.reconcile("b-all");
    assertThat(r.rpo()).isNull();
    assertThat(r.deleted()).containsExactly("mc1/b1"); // retention goes on while suspended
    assertThat(hub.scheduleMap("mc1")).isNull();
    assertThat(condition("b-all", BackupPolicyStatus.SUSPENDED).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(condition("b-all", BackupPolicyStatus.COMPLIANT).getReason()).isEqualTo(PolicyConditions.REASON_SUSPENDED);

    hub.editPolicy("b-all", s -> s.suspend = false);
    hub.reconcile("a-gold");
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("b-all", List.of("clusters/d")));
    assertThat(condition("a-gold", BackupPolicyStatus.OVERLAPPING).getReason())
        .isEqualTo(PolicyConditions.REASON_NOT_ACTIVE);
    assertThat(hub.policy("a-gold").getStatus().total).isNull();
  }

  @Test
  void deletingAPolicyRePlacesWithoutIt() {
    hub.policy("a-gold", hosted(spec("*/15 * * * *"), null, "tier", "gold"));
    hub.policy("b-prod", clusters(spec("0 2 * * *"), "env", "prod"));
    hub.reconcile("a-gold");
    assertThat(hub.entries("mc2")).containsOnlyKeys("a-gold");

    BackupPolicy gold = hub.policy("a-gold");
    hub.reconciler.cleanup(gold, PolicyObjects.fromApi(client));
    assertThat(hub.entries("mc2")).isEqualTo(Map.of("b-prod", List.of("clusters/d")));
    assertThat(hub.entries("mc1")).isEqualTo(Map.of("b-prod", List.of("clusters/a", "clusters/b", "other/c")));

    client.resource(gold).delete();
    hub.reconciler.cleanup(hub.policy("b-prod"), PolicyObjects.fromApi(client));
    assertThat(hub.scheduleMap("mc1")).isNull();
    assertThat(hub.scheduleMap("mc2")).isNull();
  }

  @Test
  void requiredEncryptionRefusesAnUnencryptedStore() {
    BackupStore store = new BackupStore();
    store.getMetadata().setName("s3");
    store.getSpec().bucket = "backups";
    store.getSpec().encryption.type = BackupStoreSpec.Encryption.Type.None;
    client.resource(store).create();
    BackupPolicySpec s = spec("0 2 * * *");
    s.encryption = new BackupPolicySpec.Encryption();
    s.encryption.required = true;
    hub.policy("secure", s);

    hub.reconcile("secure");
    Condition valid = condition("secure", BackupPolicyStatus.VALID);
    assertThat(valid.getReason()).isEqualTo(PolicyConditions.REASON_STORE_NOT_ENCRYPTED);
    assertThat(valid.getMessage()).contains("BackupStore s3 has encryption type None");
    assertThat(hub.scheduleMap("mc1")).isNull();

    client.resources(BackupStore.class).withName("s3").edit(x -> {
      x.getSpec().encryption.type = BackupStoreSpec.Encryption.Type.SSEKMS;
      x.getSpec().encryption.kmsKeyId = "alias/backups";
      return x;
    });
    hub.reconcile("secure");
    assertThat(condition("secure", BackupPolicyStatus.VALID).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(hub.entries("mc1")).containsOnlyKeys("secure");
  }
}
