package io.flotilla.e2e.policy;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.agent.metrics.AgentMetrics;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.e2e.Cli;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A BackupPolicy on the sandbox with a seconds-level schedule: two clusters with two hosted clusters each are backed
 * up on schedule by their agents, retention keeps exactly keepLast, and while the hub's API server is down the agents
 * go on backing up into the bucket; when it is back, the records of what they did appear on the hub.
 *
 * <p>Then, on the same fleet, a policy with restore drills takes one hosted cluster over: each of its backups is
 * drilled by the agent, the policy's status and the agent's metric show the verified RPO, and the stored object with
 * one byte flipped fails its drill, which the policy's condition names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupPolicyScheduleTest {
  private static final String POLICY = "every-10s";
  private static final int KEEP_LAST = 4;
  private static final List<String> CLUSTERS = List.of("mc-1", "mc-2");

  @TempDir
  static Path dir;
  Fleet fleet;
  Cli cli;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(2)
        .withEtcdSeedBytes(256L << 10));
    cli = new Cli(dir.resolve("fleet").resolve("hub.kubeconfig"));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.hubServer().unavailable(false);
      fleet.close();
    }
  }

  @Test
  @Order(1)
  void scheduledBackupsKeepRunningThroughAHubOutageAndRetentionKeepsKeepLast() {
    Cli.Run create = cli.run("policy", "create", POLICY, "--schedule", "*/10 * * * * *", "--keep-last",
        String.valueOf(KEEP_LAST));
    assertThat(create.code()).as(create.toString()).isZero();

    // the hub places each cluster's schedule in its namespace: both hosted clusters of each cluster
    for (String cluster : CLUSTERS) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        var cm = fleet.hub().configMaps().inNamespace(cluster).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get();
        assertThat(cm).isNotNull();
        EffectiveBackupSchedule schedule = fleet.hub().getKubernetesSerialization()
            .unmarshal(cm.getData().get(EffectiveBackupSchedule.DATA_KEY), EffectiveBackupSchedule.class);
        assertThat(schedule.entries).singleElement().satisfies(e -> {
          assertThat(e.policy).isEqualTo(POLICY);
          assertThat(e.hostedClusters).extracting(h -> h.name).containsExactlyInAnyOrderElementsOf(
              fleet.hostedClusters(cluster));
        });
      });
    }

    // on schedule: every hosted cluster gets Completed scheduled backups, with the policy's label
    Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      record(seen);
      assertThat(hostedClusters()).allSatisfy(hc -> assertThat(completed(hc)).as(hc).hasSizeGreaterThanOrEqualTo(1));
    });

    // hub outage for several intervals: the agents keep backing up into the bucket
    Map<String, Integer> manifestsBefore = manifestsPerHostedCluster();
    Set<String> onHubBefore = allRecordNames();
    fleet.hubServer().unavailable(true);
    try {
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        Map<String, Integer> now = manifestsPerHostedCluster();
        for (String hc : hostedClusters()) {
          assertThat(now.getOrDefault(hc, 0) - manifestsBefore.getOrDefault(hc, 0)).as(hc + " backups during the outage")
              .isGreaterThanOrEqualTo(3);
        }
      });
    } finally {
      fleet.hubServer().unavailable(false);
    }
    // back: the records of the backups taken during the outage appear on the hub
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      record(seen);
      for (String hc : hostedClusters()) {
        long fromOutage = seen.getOrDefault(hc, Set.of()).stream().filter(n -> !onHubBefore.contains(n)).count();
        assertThat(fromOutage).as(hc + " records that arrived after the outage").isGreaterThanOrEqualTo(3);
      }
    });

    // retention: exactly keepLast Completed scheduled backups per hosted cluster, though more were taken
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      record(seen);
      for (String hc : hostedClusters()) {
        assertThat(seen.get(hc)).as(hc + " backups taken").hasSizeGreaterThan(KEEP_LAST);
        assertThat(completed(hc)).as(hc + " kept").hasSize(KEEP_LAST);
      }
    });

    // the RPO report: in the policy's status and in `flotilla policy status`
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      BackupPolicy p = fleet.hub().resources(BackupPolicy.class).withName(POLICY).get();
      assertThat(p.getStatus().total).isEqualTo(4);
      assertThat(p.getStatus().compliant).isEqualTo(4);
    });
    Cli.Run status = cli.run("policy", "status", POLICY);
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out()).contains("hc-1").contains("hc-4").contains("4/4");
  }

  /** Runs after the schedule scenario: its policy would otherwise back up the hosted cluster this one takes. */
  @Test
  @Order(2)
  void aPolicyWithDrillsDrillsEachBackupAndAFlippedByteFailsItsDrillNamedByThePolicy() throws Exception {
    // one hosted cluster of mc-2, labelled: the drill policy's name sorts first, so it takes it from every-10s
    String cluster = "mc-2";
    String hc = fleet.hostedClusters(cluster).get(0);
    fleet.spokeClient(cluster).resources(HostedCluster.class).inNamespace(Fleet.HOSTED_CLUSTER_NAMESPACE)
        .withName(hc).edit(h -> {
          Map<String, String> labels = new HashMap<>(Objects.requireNonNullElse(h.getMetadata().getLabels(), Map.of()));
          labels.put("drills", "yes");
          h.getMetadata().setLabels(labels);
          return h;
        });
    Cli.Run create = cli.run("policy", "create", DRILLS, "--schedule", "*/10 * * * * *", "--hosted-cluster-selector",
        "drills=yes", "--verify-every", "1");
    assertThat(create.code()).as(create.toString()).isZero();
    assertThat(create.out()).contains("restore drills: every backup");

    // every backup the policy takes is drilled by the agent and passes; the newest may still be on its way
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      List<HostedClusterBackup> done = drillPolicyBackups().stream()
          .filter(b -> b.getStatus() != null && b.getStatus().phase == HostedClusterBackupStatus.Phase.Completed)
          .sorted(java.util.Comparator.comparing(b -> b.getMetadata().getAnnotations()
              .get(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION)))
          .toList();
      assertThat(done).as("completed backups of " + DRILLS).hasSizeGreaterThanOrEqualTo(3);
      assertThat(done.subList(0, done.size() - 1)).allSatisfy(b -> {
        var v = b.getStatus().verification;
        assertThat(v).as(b.getMetadata().getName() + " drilled").isNotNull();
        assertThat(v.request).startsWith(HostedClusterBackup.RESTORE_DRILL_PREFIX);
        assertThat(v.passed).as(v.message).isTrue();
        assertThat(v.drill.keysMatch).isTrue();
        assertThat(v.drill.hashMatches).isTrue();
      });
    });
    // the policy's status: the verified RPO beside the RPO, and drills passing
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      BackupPolicy p = fleet.hub().resources(BackupPolicy.class).withName(DRILLS).get();
      assertThat(p.getStatus().total).isEqualTo(1);
      assertThat(p.getStatus().verifiedCompliant).isEqualTo(1);
      assertThat(p.getStatus().oldestNewestVerifiedBackupAge).isNotNull();
      assertThat(p.getStatus().rpo).singleElement().satisfies(r -> assertThat(r.newestVerifiedBackup).isNotNull());
      assertThat(condition(p, BackupPolicyStatus.DRILLS_PASSING).getStatus()).isEqualTo("True");
    });
    // the agent's metric: when the newest drilled backup completed
    try (AgentMetrics metrics = AgentMetrics.serve(fleet.hub(), fleet.spokeClient(cluster), cluster,
        new InetSocketAddress("127.0.0.1", 0))) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(scrape(metrics.getPort()))
          .containsPattern("flotilla_backup_last_verified_timestamp_seconds\\{[^}]*hosted_cluster=\"" + hc
              + "\"[^}]*} 1\\.[0-9]+E9"));
    }

    // one byte of a drilled backup's stored snapshot flipped: its drill on demand fails, exit 1, one line
    HostedClusterBackup victim = drillPolicyBackups().stream()
        .filter(b -> b.getStatus() != null && b.getStatus().verification != null
            && Boolean.TRUE.equals(b.getStatus().verification.passed)).findFirst().orElseThrow();
    String name = victim.getMetadata().getName();
    flipOneByte(victim.getStatus().location.keyPrefix);
    Cli.Run drill = cli.run("backup", "verify", "--restore", cluster, name);
    assertThat(drill.code()).as(drill.toString()).isEqualTo(1);
    assertThat(drill.err()).contains("error: backup " + cluster + "/" + name + " failed its restore drill");
    // the policy's condition says which backup
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Condition c = condition(fleet.hub().resources(BackupPolicy.class).withName(DRILLS).get(),
          BackupPolicyStatus.DRILLS_PASSING);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("DrillFailed");
      assertThat(c.getMessage()).contains(cluster + "/" + name + " (" + Fleet.HOSTED_CLUSTER_NAMESPACE + "/" + hc + ")");
    });
    Cli.Run status = cli.run("policy", "status", DRILLS);
    assertThat(status.out()).contains("DrillFailed", cluster + "/" + name, "Verified RPO target:");
  }

  // ---- helpers

  private static final String DRILLS = "a-drills";

  private List<HostedClusterBackup> drillPolicyBackups() {
    return fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace()
        .withLabel(EffectiveBackupSchedule.POLICY_LABEL, DRILLS).list().getItems();
  }

  private static Condition condition(BackupPolicy p, String type) {
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }

  /** One byte in the middle of the backup's stored snapshot object flipped, in place. */
  private void flipOneByte(String folder) {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      String bucket = fleet.objectStore().bucket();
      String key = s3.listObjectsV2(r -> r.bucket(bucket).prefix(folder + BackupLayout.SNAPSHOT_BASE)).contents()
          .get(0).key();
      byte[] stored = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
      stored[stored.length / 2] ^= 0x01;
      s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(stored));
    }
  }

  private static String scrape(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private List<String> hostedClusters() {
    return CLUSTERS.stream().flatMap(c -> fleet.hostedClusters(c).stream()).toList();
  }

  private List<HostedClusterBackup> scheduled() {
    return fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace()
        .withLabel(EffectiveBackupSchedule.POLICY_LABEL, POLICY).list().getItems();
  }

  private List<HostedClusterBackup> completed(String hc) {
    return scheduled().stream().filter(b -> hc.equals(b.getSpec().hostedCluster.name))
        .filter(b -> b.getMetadata().getDeletionTimestamp() == null)
        .filter(b -> b.getStatus() != null && b.getStatus().phase == HostedClusterBackupStatus.Phase.Completed).toList();
  }

  private Set<String> allRecordNames() {
    Set<String> names = new TreeSet<>();
    scheduled().forEach(b -> names.add(b.getMetadata().getName()));
    return names;
  }

  /** Remembers every scheduled record ever seen on the hub, by hosted cluster (retention deletes the old ones). */
  private void record(Map<String, Set<String>> seen) {
    for (HostedClusterBackup b : scheduled()) {
      seen.computeIfAbsent(b.getSpec().hostedCluster.name, k -> ConcurrentHashMap.newKeySet()).add(b.getMetadata().getName());
    }
  }

  /** Committed backups in the bucket (one manifest.json each), by hosted cluster: the source of truth. */
  private Map<String, Integer> manifestsPerHostedCluster() {
    Map<String, Integer> counts = new HashMap<>();
    try (S3Client s3 = fleet.objectStore().newClient()) {
      for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(fleet.objectStore().bucket())).contents()) {
        if (!o.key().endsWith("/manifest.json")) {
          continue;
        }
        for (String hc : hostedClusters()) {
          if (o.key().contains("/" + hc + "/")) {
            counts.merge(hc, 1, Integer::sum);
          }
        }
      }
    }
    return counts;
  }
}
