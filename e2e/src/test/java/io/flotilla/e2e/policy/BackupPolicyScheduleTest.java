package io.flotilla.e2e.policy;

import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.e2e.Cli;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A BackupPolicy on the sandbox with a seconds-level schedule: two clusters with two hosted clusters each are backed
 * up on schedule by their agents, retention keeps exactly keepLast, and while the hub's API server is down the agents
 * go on backing up into the bucket; when it is back, the records of what they did appear on the hub.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
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

  // ---- helpers

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
