package io.flotilla.e2e.backup;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.hostedcluster.HostedClusterPauser;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.flotilla.e2e.backup.BackupHarness.CLUSTER;
import static io.flotilla.e2e.backup.BackupHarness.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Work that overlaps on one hosted cluster (the agent's per-hosted-cluster lock): afterwards every value a piece of
 * work changed is exactly what it was before, whichever came first. Real etcd, real S3, at 1 MiB/s so each backup
 * streams for seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentWorkTest {
  private static final String PRIOR = "2020-01-01T00:00:00Z";

  @TempDir
  static Path dir;
  Fleet fleet;
  BackupHarness h;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(1).withHostedPerCluster(2)
        .withEtcdSeedBytes(4L << 20));
    fleet.stopAgent(CLUSTER);
    fleet.startAgent(CLUSTER, c -> c.withBackup(c.backup().withBandwidthLimit(1L << 20)),
        io.flotilla.agent.backup.StoreConnector.AWS_SDK);
    h = new BackupHarness(fleet);
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void twoBackupsWithDifferentPauseWindowsPutBackExactlyWhatWasThereInBothOrders() {
    String hc = "hc-1";
    Before before = prepare(hc);
    for (List<String> windows : List.of(List.of("10m", "5m"), List.of("5m", "10m"))) {
      try (var pause = new BackupHarness.PauseRecorder(h.spoke(), hc)) {
        HostedClusterBackup first = h.create(hc, s -> {
          s.maxPauseWindow = windows.get(0);
          s.quiesceAPIServers = true;
        });
        HostedClusterBackup second = h.create(hc, s -> {
          s.maxPauseWindow = windows.get(1);
          s.quiesceAPIServers = true;
        });
        HostedClusterBackup a = h.awaitEnd(first);
        HostedClusterBackup b = h.awaitEnd(second);
        assertThat(List.of(a, b)).as(windows.toString()).allSatisfy(x -> assertThat(x.getStatus().phase)
            .as(String.valueOf(x.getStatus().conditions)).isEqualTo(Phase.Completed));
        // one of them waited for the other, and said so naming it
        List<HostedClusterBackup> waited = new ArrayList<>();
        for (HostedClusterBackup x : List.of(a, b)) {
          Conditions.find(x.getStatus().conditions, Conditions.WAITING).ifPresent(c -> waited.add(x));
        }
        assertThat(waited).as("exactly one waited").hasSize(1);
        assertThat(before.equalsNow()).as("every value back after " + windows).isTrue();
        // the pauses never overlapped: between two deadlines the prior value was always back
        List<String> seen = pause.values();
        for (int i = 1; i < seen.size(); i++) {
          if (!PRIOR.equals(seen.get(i))) {
            assertThat(seen.get(i - 1)).as("pausedUntil history " + seen).isEqualTo(PRIOR);
          }
        }
        assertThat(seen.stream().filter(v -> !PRIOR.equals(v)).distinct()).as("two deadlines " + seen).hasSize(2);
      }
    }
  }

  @Test
  void aQuiescedScheduledBackupRunningWhenAMigrationHoldStartsLeavesTheAPIServersDownUntilTheRelease() {
    String hc = "hc-2";
    Before before = prepare(hc);
    h.spoke().resources(HostedCluster.class).inNamespace(NS).withName(hc).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"flotilla.test/selected\":\"yes\"}}}");
    BackupPolicy policy = new BackupPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("quiesced-every-2s").build());
    BackupPolicySpec spec = policy.getSpec();
    spec.schedule = "*/2 * * * * *";
    spec.store = Fleet.BACKUP_STORE;
    spec.quiesceAPIServers = true;
    spec.maxPauseWindow = "5m";
    spec.hostedClusterSelector = new BackupPolicySpec.HostedClusterSelector();
    spec.hostedClusterSelector.labelSelector = new LabelSelectorBuilder().addToMatchLabels("flotilla.test/selected", "yes")
        .build();
    fleet.hub().resource(policy).create();
    String cpNs = HostedCluster.controlPlaneNamespace(NS, hc);
    HostedClusterBackup running;
    HostedClusterPause hold;
    try {
      // a scheduled backup of hc-2 streaming, its API servers at 0
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> streaming(hc) != null);
      running = streaming(hc);
      assertThat(running.getMetadata().getAnnotations()).containsKey(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION);
      assertThat(running(cpNs)).as("quiesced by the scheduled backup").isEmpty();

      // the migration's hold arrives now
      hold = new HostedClusterPause();
      hold.setMetadata(new ObjectMetaBuilder().withName("hc-2-hold").withNamespace(CLUSTER).build());
      hold.getSpec().hostedCluster = new NamespacedName(NS, hc);
      fleet.hub().resource(hold).create();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        HostedClusterPause p = pause("hc-2-hold");
        assertThat(p.getStatus()).isNotNull();
        var waiting = Conditions.find(p.getStatus().conditions, Conditions.WAITING);
        assertThat(waiting).get().satisfies(c -> assertThat(c.getMessage()).contains(running.getMetadata().getName()));
      });
      suspend(policy.getMetadata().getName());
    } catch (RuntimeException | AssertionError e) {
      fleet.hub().resources(BackupPolicy.class).withName(policy.getMetadata().getName()).delete();
      throw e;
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      HostedClusterBackup b = scheduledRecord(running.getMetadata().getName());
      return b != null && b.getStatus() != null && b.getStatus().phase == Phase.Completed;
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> phase("hc-2-hold") == HostedClusterPauseStatus.Phase.Paused);
    // held: the API servers stay at 0 (the backup's resume came before the hold recorded them)
    for (int i = 0; i < 15; i++) {
      assertThat(running(cpNs)).as("API servers while held").isEmpty();
      assertThat(h.pausedUntil(hc)).isEqualTo("true");
      sleep(200);
    }
    HostedClusterPause held = pause("hc-2-hold");
    assertThat(held.getStatus().saved).as("what the hold recorded").anySatisfy(v -> {
      assertThat(v.name).isEqualTo("kube-apiserver");
      assertThat(v.value).isEqualTo(String.valueOf(before.replicas.get("kube-apiserver")));
    });

    fleet.hub().resources(HostedClusterPause.class).inNamespace(CLUSTER).withName("hc-2-hold")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"release\":true}}");
    await().atMost(Duration.ofSeconds(30)).until(() -> phase("hc-2-hold") == HostedClusterPauseStatus.Phase.Released);
    fleet.hub().resources(BackupPolicy.class).withName(policy.getMetadata().getName()).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> streaming(hc) == null);
    assertThat(before.equalsNow()).as("every value back after the release").isTrue();
  }

  // ---- helpers

  /** Sets the hosted cluster's and its NodePools' pausedUntil to a past date and remembers every value a pause touches. */
  private Before prepare(String hc) {
    h.setPausedUntil(hc, PRIOR);
    for (NodePool np : nodePools(hc)) {
      h.spoke().resources(NodePool.class).inNamespace(NS).withName(np.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":\"" + PRIOR + "\"}}");
    }
    Before b = new Before(hc);
    assertThat(b.replicas).isNotEmpty();
    return b;
  }

  private final class Before {
    final String hc;
    final Map<String, Integer> replicas;
    final Map<String, String> nodePools;
    final String pausedUntil;

    Before(String hc) {
      this.hc = hc;
      this.replicas = running(HostedCluster.controlPlaneNamespace(NS, hc));
      this.nodePools = nodePoolPauses(hc);
      this.pausedUntil = h.pausedUntil(hc);
    }

    boolean equalsNow() {
      assertThat(h.pausedUntil(hc)).isEqualTo(pausedUntil);
      assertThat(nodePoolPauses(hc)).isEqualTo(nodePools);
      assertThat(running(HostedCluster.controlPlaneNamespace(NS, hc))).isEqualTo(replicas);
      return true;
    }
  }

  private List<NodePool> nodePools(String hc) {
    return h.spoke().resources(NodePool.class).inNamespace(NS).list().getItems().stream()
        .filter(np -> hc.equals(np.getSpec().clusterName)).toList();
  }

  private Map<String, String> nodePoolPauses(String hc) {
    Map<String, String> m = new TreeMap<>();
    nodePools(hc).forEach(np -> m.put(np.getMetadata().getName(), String.valueOf(np.getSpec().pausedUntil)));
    return m;
  }

  private Map<String, Integer> running(String cpNs) {
    Map<String, Integer> m = new TreeMap<>();
    for (String d : HostedClusterPauser.API_SERVERS) {
      var dep = h.spoke().apps().deployments().inNamespace(cpNs).withName(d).get();
      if (dep != null && dep.getSpec().getReplicas() != null && dep.getSpec().getReplicas() > 0) {
        m.put(d, dep.getSpec().getReplicas());
      }
    }
    return m;
  }

  /** The scheduled backup of {@code hc} streaming its snapshot on the spoke, or null. */
  private HostedClusterBackup streaming(String hc) {
    return h.spoke().resources(HostedClusterBackup.class).inNamespace(Fleet.AGENT_NAMESPACE).list().getItems().stream()
        .filter(b -> b.getSpec().hostedCluster != null && hc.equals(b.getSpec().hostedCluster.name))
        .filter(b -> b.getStatus() != null && b.getStatus().phase == Phase.InProgress && b.getStatus().progress != null
            && "Snapshot".equals(b.getStatus().progress.step))
        .findFirst().orElse(null);
  }

  /** A scheduled record: on the spoke until it is forwarded, then on the hub in the cluster namespace. */
  private HostedClusterBackup scheduledRecord(String name) {
    HostedClusterBackup b = h.spoke().resources(HostedClusterBackup.class).inNamespace(Fleet.AGENT_NAMESPACE)
        .withName(name).get();
    return b != null ? b : h.get(name);
  }

  private HostedClusterPause pause(String name) {
    return fleet.hub().resources(HostedClusterPause.class).inNamespace(CLUSTER).withName(name).get();
  }

  private HostedClusterPauseStatus.Phase phase(String name) {
    HostedClusterPause p = pause(name);
    return p == null || p.getStatus() == null ? null : p.getStatus().phase;
  }

  private void suspend(String policy) {
    fleet.hub().resources(BackupPolicy.class).withName(policy).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"suspend\":true}}");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
