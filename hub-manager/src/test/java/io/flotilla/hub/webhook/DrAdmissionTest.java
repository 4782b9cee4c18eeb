package io.flotilla.hub.webhook;

import static io.flotilla.hub.webhook.WebhookTestSupport.secretBundle;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DR webhook at /validate-dr over real HTTPS, served next to the add-on webhook as the hub-manager runs it. */
@EnableKubernetesMockClient(crud = true)
class DrAdmissionTest {
  KubernetesClient client;
  AdmissionWebhook webhook;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    WebhookTestSupport.registerCrds(client);
    webhook = new AdmissionWebhook(client, AdmissionWebhookConfig.sandbox().withRotation(Duration.ofHours(1), null),
        Clock.systemUTC(), List.of(new DrAdmission(client.getKubernetesSerialization()).endpoint()));
    webhook.start();
    http = WebhookTestSupport.client(secretBundle(client));
  }

  @AfterEach
  void stop() {
    if (webhook != null) {
      webhook.close();
    }
  }

  static AdmissionReview review(String operation, String kind, String name, Object object, Object oldObject) {
    return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
        .withNewRequest()
        .withUid(UUID.randomUUID().toString())
        .withKind(new GroupVersionKind(BackupStore.GROUP, kind, BackupStore.VERSION))
        .withOperation(operation).withName(name)
        .withObject(object).withOldObject(oldObject)
        .endRequest().build();
  }

  AdmissionResponse admit(AdmissionReview review) throws Exception {
    var answer = WebhookTestSupport.post(http, webhook.getPort(), DrAdmission.PATH,
        client.getKubernetesSerialization().asJson(review));
    assertThat(answer.status()).isEqualTo(200);
    AdmissionReview back = client.getKubernetesSerialization().unmarshal(answer.body(), AdmissionReview.class);
    assertThat(back.getResponse().getUid()).isEqualTo(review.getRequest().getUid());
    return back.getResponse();
  }

  AdmissionResponse create(String kind, Object object) throws Exception {
    return admit(review("CREATE", kind, "x", object, null));
  }

  AdmissionResponse update(String kind, Object object, Object old) throws Exception {
    return admit(review("UPDATE", kind, "x", object, old));
  }

  static void assertDenied(AdmissionResponse r, String reason, String message) {
    assertThat(r.getAllowed()).as("allowed").isFalse();
    assertThat(r.getStatus().getCode()).isEqualTo(403);
    assertThat(r.getStatus().getReason()).isEqualTo(reason);
    assertThat(r.getStatus().getMessage()).isEqualTo(message);
  }

  static BackupPolicy policy(String schedule, String timeZone) {
    BackupPolicy p = new BackupPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName("nightly").build());
    p.getSpec().schedule = schedule;
    p.getSpec().timeZone = timeZone;
    p.getSpec().store = "default";
    return p;
  }

  static BackupPolicy withRetention(BackupPolicy p, Integer keepLast, String maxAge) {
    p.getSpec().retention = new BackupPolicySpec.Retention();
    p.getSpec().retention.keepLast = keepLast;
    p.getSpec().retention.maxAge = maxAge;
    return p;
  }

  static HostedClusterMigration migration(String hc, String source, String destination, Boolean rollback,
                                          String pointOfNoReturn) {
    HostedClusterMigration m = new HostedClusterMigration();
    m.setMetadata(new ObjectMetaBuilder().withName("move-" + hc).build());
    m.getSpec().hostedCluster = new NamespacedName("clusters", hc);
    m.getSpec().source = new HostedClusterMigrationSpec.Source();
    m.getSpec().source.cluster = source;
    m.getSpec().destination = new HostedClusterMigrationSpec.Destination();
    m.getSpec().destination.cluster = destination;
    m.getSpec().rollback = rollback;
    m.getStatus().pointOfNoReturnTime = pointOfNoReturn;
    return m;
  }

  @Test
  void aStoreThatWouldMakeAgentsReadForeignSecretsOrSendPlainTextIsRefused() throws Exception {
    io.flotilla.api.dr.v1alpha1.BackupStore ok = store("https://s3.example", "flotilla-agent");
    assertThat(create("BackupStore", ok).getAllowed()).isTrue();

    AdmissionResponse foreign = create("BackupStore", store("https://s3.example", "kube-system"));
    assertThat(foreign.getAllowed()).isFalse();
    assertThat(foreign.getStatus().getReason()).isEqualTo(DrAdmission.STORE_REFUSED);
    assertThat(foreign.getStatus().getMessage()).contains("credentialsSecret kube-system/s3 is outside the agent's "
        + "namespace flotilla-agent");

    AdmissionResponse http = create("BackupStore", store("http://minio.example:9000", "flotilla-agent"));
    assertThat(http.getAllowed()).isFalse();
    assertThat(http.getStatus().getMessage()).contains("insecureEndpoint: true");

    io.flotilla.api.dr.v1alpha1.BackupStore plain = store("https://s3.example", "flotilla-agent");
    plain.getSpec().encryption.type = io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.Type.None;
    plain.getSpec().encryption.keySecret = null;
    assertThat(create("BackupStore", plain).getStatus().getMessage()).contains("allowUnencrypted: true");
    plain.getSpec().allowUnencrypted = true;
    assertThat(create("BackupStore", plain).getAllowed()).as("said so").isTrue();
  }

  static io.flotilla.api.dr.v1alpha1.BackupStore store(String endpoint, String secretNamespace) {
    io.flotilla.api.dr.v1alpha1.BackupStore s = new io.flotilla.api.dr.v1alpha1.BackupStore();
    s.getMetadata().setName("offsite");
    s.getSpec().bucket = "backups";
    s.getSpec().endpoint = endpoint;
    s.getSpec().credentialsSecret = new io.flotilla.api.common.NamespacedName(secretNamespace, "s3");
    s.getSpec().encryption.keySecret = new io.flotilla.api.common.NamespacedName("flotilla-agent", "key");
    return s;
  }

  @Test
  void aPolicyWithAValidScheduleZoneAndRetentionIsAllowed() throws Exception {
    BackupPolicy ok = withRetention(policy("0 2 * * *", "Europe/Paris"), 7, "168h");
    ok.getSpec().maxPauseWindow = "5m";
    assertThat(create("BackupPolicy", ok).getAllowed()).isTrue();
    assertThat(create("BackupPolicy", policy("*/30 * * * * *", null)).getAllowed()).as("six fields, UTC").isTrue();
  }

  @Test
  void aPolicyChoosesItsClustersByLabelsOrByAnOcmPlacementNotBoth() throws Exception {
    BackupPolicy placed = policy("0 2 * * *", null);
    placed.getSpec().placementRef = new io.flotilla.api.common.PlacementRef("ops", "dr");
    assertThat(create("BackupPolicy", placed).getAllowed()).isTrue();

    BackupPolicy both = policy("0 2 * * *", null);
    both.getSpec().placementRef = new io.flotilla.api.common.PlacementRef("ops", "dr");
    both.getSpec().clusterSelector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
        .addToMatchLabels("env", "prod").build();
    assertDenied(create("BackupPolicy", both), "InvalidBackupPolicy", "spec.clusterSelector and spec.placementRef"
        + " are both set: choose the clusters by labels or by an OCM Placement, not both");
  }

  @Test
  void anInvalidCronIsRefusedAndTheMessageSaysWhy() throws Exception {
    assertDenied(create("BackupPolicy", policy("0 2 * *", null)), "InvalidBackupPolicy",
        "spec.schedule: schedule \"0 2 * *\" has 4 fields; a cron expression has 5 (minute hour day-of-month month"
            + " day-of-week) or 6 (seconds first)");
    AdmissionResponse outOfRange = create("BackupPolicy", policy("61 * * * *", null));
    assertThat(outOfRange.getAllowed()).isFalse();
    assertThat(outOfRange.getStatus().getReason()).isEqualTo("InvalidBackupPolicy");
    assertThat(outOfRange.getStatus().getMessage())
        .startsWith("spec.schedule: schedule \"61 * * * *\" is not a valid cron expression: ");
    assertDenied(create("BackupPolicy", policy(null, null)), "InvalidBackupPolicy",
        "spec.schedule: schedule is empty; give a cron expression such as \"0 2 * * *\"");
  }

  @Test
  void anUnknownTimeZoneIsRefusedAndABadScheduleWithItIsNamedToo() throws Exception {
    assertDenied(create("BackupPolicy", policy("0 2 * * *", "Mars/Olympus_Mons")), "InvalidBackupPolicy",
        "spec.timeZone: time zone \"Mars/Olympus_Mons\" is not a known IANA time zone (such as Europe/Paris or UTC)");
    assertDenied(create("BackupPolicy", policy("0 2 * *", "Mars/Olympus_Mons")), "InvalidBackupPolicy",
        "spec.timeZone: time zone \"Mars/Olympus_Mons\" is not a known IANA time zone (such as Europe/Paris or UTC);"
            + " spec.schedule: schedule \"0 2 * *\" has 4 fields; a cron expression has 5 (minute hour day-of-month"
            + " month day-of-week) or 6 (seconds first)");
  }

  @Test
  void negativeOrZeroRetentionAndPauseWindowAreRefused() throws Exception {
    assertDenied(create("BackupPolicy", withRetention(policy("0 2 * * *", null), -1, null)), "InvalidBackupPolicy",
        "spec.retention.keepLast must be at least 1, got -1 (the newest Completed backup is always kept; omit"
            + " keepLast for no count limit)");
    assertDenied(create("BackupPolicy", withRetention(policy("0 2 * * *", null), null, "-24h")),
        "InvalidBackupPolicy", "spec.retention.maxAge must not be negative, got -24h");
    assertDenied(create("BackupPolicy", withRetention(policy("0 2 * * *", null), null, "0s")), "InvalidBackupPolicy",
        "spec.retention.maxAge must be greater than zero, got 0s");
    BackupPolicy pause = policy("0 2 * * *", null);
    pause.getSpec().maxPauseWindow = "10 minutes";
    assertDenied(create("BackupPolicy", pause), "InvalidBackupPolicy",
        "spec.maxPauseWindow: '10 minutes' is not a duration such as 90s, 10m or 1h30m");
    BackupPolicy long_ = policy("0 2 * * *", null);
    long_.getSpec().maxPauseWindow = "90m";
    assertDenied(create("BackupPolicy", long_), "InvalidBackupPolicy", "spec.maxPauseWindow must be at most 1h, got 90m"
        + " (a paused hosted cluster is not reconciled; a longer window leaves it so after a crash)");
  }

  @Test
  void restoreDrillsNeedOneCadenceAndAPositiveAge() throws Exception {
    BackupPolicy drills = policy("0 * * * *", null);
    drills.getSpec().verification = new BackupPolicySpec.Verification();
    drills.getSpec().verification.everyNth = 1;
    drills.getSpec().verification.maxVerifiedAge = "3h";
    assertThat(create("BackupPolicy", drills).getAllowed()).isTrue();

    drills.getSpec().verification.schedule = "0 3 * * *";
    assertDenied(create("BackupPolicy", drills), "InvalidBackupPolicy", "spec.verification has both everyNth 1 and"
        + " schedule \"0 3 * * *\": drills follow one or the other, keep one");
    drills.getSpec().verification.everyNth = null;
    drills.getSpec().verification.schedule = "0 3 * *";
    assertDenied(create("BackupPolicy", drills), "InvalidBackupPolicy",
        "spec.verification.schedule: schedule \"0 3 * *\" has 4 fields; a cron expression has 5 (minute hour"
            + " day-of-month month day-of-week) or 6 (seconds first)");
    drills.getSpec().verification.schedule = "0 3 * * *";
    drills.getSpec().verification.maxVerifiedAge = "-3h";
    assertDenied(create("BackupPolicy", drills), "InvalidBackupPolicy",
        "spec.verification.maxVerifiedAge must not be negative, got -3h");
  }

  @Test
  void aPolicyUpdateIsRefusedOnlyForTheProblemsItBrings() throws Exception {
    // got in while the webhook was bypassed: it can still be suspended, and its problems are in its status
    BackupPolicy stale = withRetention(policy("0 2 * *", "Mars/Olympus_Mons"), -1, null);
    BackupPolicy suspended = withRetention(policy("0 2 * *", "Mars/Olympus_Mons"), -1, null);
    suspended.getSpec().suspend = true;
    assertThat(update("BackupPolicy", suspended, stale).getAllowed()).isTrue();

    // a valid policy made invalid
    BackupPolicy ok = withRetention(policy("0 2 * * *", null), 3, null);
    BackupPolicy negative = withRetention(policy("0 2 * * *", null), -3, null);
    assertDenied(update("BackupPolicy", negative, ok), "InvalidBackupPolicy",
        "spec.retention.keepLast must be at least 1, got -3 (the newest Completed backup is always kept; omit"
            + " keepLast for no count limit)");

    // an invalid policy given another invalid value: the new problem is refused
    BackupPolicy otherZone = withRetention(policy("0 2 * *", "Atlantis/Capital"), -1, null);
    assertDenied(update("BackupPolicy", otherZone, stale), "InvalidBackupPolicy",
        "spec.timeZone: time zone \"Atlantis/Capital\" is not a known IANA time zone (such as Europe/Paris or UTC)");
  }

  @Test
  void aMigrationNeedsTwoDifferentClusters() throws Exception {
    assertDenied(create("HostedClusterMigration", migration("hc1", "mc1", "mc1", null, null)),
        "SameSourceAndDestination", "source and destination must differ: both are mc1");
    assertThat(create("HostedClusterMigration", migration("hc1", "mc1", "mc2", null, null)).getAllowed()).isTrue();
    assertDenied(update("HostedClusterMigration", migration("hc1", "mc1", "mc1", null, null),
        migration("hc1", "mc1", "mc2", null, null)), "SameSourceAndDestination",
        "source and destination must differ: both are mc1");
  }

  @Test
  void theHostedClusterOfAMigrationNeverChanges() throws Exception {
    assertDenied(update("HostedClusterMigration", migration("hc2", "mc1", "mc2", null, null),
        migration("hc1", "mc1", "mc2", null, null)), "ImmutableHostedCluster",
        "hostedCluster is immutable: this migration moves clusters/hc1; create another HostedClusterMigration for"
            + " clusters/hc2");
  }

  @Test
  void rollbackIsAllowedBeforeThePointOfNoReturnAndRefusedAfter() throws Exception {
    assertThat(update("HostedClusterMigration", migration("hc1", "mc1", "mc2", true, null),
        migration("hc1", "mc1", "mc2", null, null)).getAllowed()).as("before the point of no return").isTrue();

    assertDenied(update("HostedClusterMigration", migration("hc1", "mc1", "mc2", true, null),
            migration("hc1", "mc1", "mc2", false, "2026-03-01T10:15:00Z")), "PointOfNoReturnPassed",
        "rollback refused: the point of no return was passed at 2026-03-01T10:15:00Z (the source of clusters/hc1 is"
            + " being or has been torn down); to go back, migrate it again");

    // other edits after the point of no return (labels, finalizers) go through
    HostedClusterMigration labelled = migration("hc1", "mc1", "mc2", null, "2026-03-01T10:15:00Z");
    labelled.getMetadata().setLabels(Map.of("ticket", "OPS-1"));
    assertThat(update("HostedClusterMigration", labelled,
        migration("hc1", "mc1", "mc2", null, "2026-03-01T10:15:00Z")).getAllowed()).isTrue();
  }

  @Test
  void anObjectThatDoesNotParseIsABadRequest() throws Exception {
    Map<String, Object> broken = Map.of("apiVersion", "dr.flotilla.io/v1alpha1", "kind", "HostedClusterMigration",
        "metadata", Map.of("name", "m"), "spec", Map.of("failurePolicy", "Sometimes"));
    AdmissionResponse r = create("HostedClusterMigration", broken);
    assertThat(r.getAllowed()).isFalse();
    assertThat(r.getStatus().getCode()).isEqualTo(400);
    assertThat(r.getStatus().getMessage()).startsWith("the HostedClusterMigration in the request cannot be read: ")
        .contains("Sometimes");
  }

  @Test
  void theConfigurationSendsBackupPoliciesMigrationsAndStoresToValidateDr() {
    List<ValidatingWebhook> hooks = client.admissionRegistration().v1().validatingWebhookConfigurations()
        .withName(WebhookConfigurations.NAME).get().getWebhooks();
    assertThat(hooks).extracting(ValidatingWebhook::getName)
        .containsExactly(AddOnAdmission.WEBHOOK_NAME, DrAdmission.WEBHOOK_NAME);
    ValidatingWebhook dr = hooks.get(1);
    assertThat(dr.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:" + webhook.getPort() + "/validate-dr");
    assertThat(dr.getFailurePolicy()).isEqualTo("Fail");
    assertThat(dr.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("dr.flotilla.io");
      assertThat(rule.getApiVersions()).containsExactly("v1alpha1");
      assertThat(rule.getOperations()).containsExactly("CREATE", "UPDATE");
      assertThat(rule.getResources()).containsExactlyInAnyOrder("backuppolicies", "hostedclustermigrations",
          "backupstores");
    });
  }
}
