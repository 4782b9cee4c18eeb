package io.flotilla.e2e.migration;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.Durations;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.e2e.Cli;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.e2e.EtcdDigest;
import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.workers.Host;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fail-over of a lost management cluster: mc-1's three hosted clusters are backed up, more is written after the
 * backups, then mc-1's agent goes silent. `flotilla failover mc-1 --to mc-2 --confirm-lost` recovers all three on mc-2
 * from their newest Completed backups: each destination etcd holds exactly what its backup held (not what came later),
 * every worker stays bound to the same cluster, and each hosted cluster's recovery time is reported.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverTest {
  private static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;
  private static final List<String> LOST = List.of("hc-1", "hc-2", "hc-3");

  @TempDir
  static Path dir;
  Fleet fleet;
  Cli cli;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(3)
        .withEtcdSeedBytes(1L << 20).withHeartbeat(Duration.ofSeconds(1), 3));
    cli = new Cli(dir.resolve("fleet").resolve("hub.kubeconfig"));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void failoverOfALostClusterBringsEveryHostedClusterUpOnTheDestination() throws Exception {
    Map<String, EtcdDigest> atBackup = new TreeMap<>();
    for (String hc : LOST) {
      write(hc, "before-backup");
      atBackup.put(hc, digest("mc-1", hc));
      Cli.Run backup = cli.run("backup", "create", "mc-1", NS + "/" + hc, "--wait", "--timeout", "2m");
      assertThat(backup.code()).as(backup.toString()).isZero();
      write(hc, "after-backup"); // lost in the fail-over: it came after the newest backup
    }
    Map<String, String> workers = workers();
    int deprovisions = fleet.hosts().totalDeprovisions();

    Cli.Run live = cli.run("failover", "mc-1", "--to", "mc-2");
    assertThat(live.code()).as(live.toString()).isEqualTo(2);
    assertThat(live.err()).contains("mc-1 is Available").contains("flotilla migrate start");

    fleet.stopAgent("mc-1");
    await().atMost(Duration.ofSeconds(30)).until(() -> !fleet.isAvailable("mc-1"));
    Cli.Run unconfirmed = cli.run("failover", "mc-1", "--to", "mc-2");
    assertThat(unconfirmed.code()).as(unconfirmed.toString()).isEqualTo(2);
    assertThat(unconfirmed.err()).contains("not declared lost").contains("--confirm-lost");
    assertThat(fleet.hub().resources(HostedClusterMigration.class).list().getItems()).isEmpty();

    java.time.Instant failoverStarted = java.time.Instant.now();
    Cli.Run run = cli.run("failover", "mc-1", "--to", "mc-2", "--confirm-lost", "--wait", "--timeout", "10m");
    Duration observed = Duration.between(failoverStarted, java.time.Instant.now());
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out()).contains("mc-1 declared lost").contains("3/3 hosted clusters recovered");
    assertThat(fleet.hub().resources(ManagementCluster.class).withName("mc-1").get().getSpec().isLost()).isTrue();

    for (String hc : LOST) {
      HostedClusterMigration m = fleet.hub().resources(HostedClusterMigration.class).withName("failover-mc-1-" + hc).get();
      assertThat(m.getStatus().phase).as(hc).isEqualTo(Phase.Succeeded);
      assertThat(m.getSpec().source.lost).isTrue();
      assertThat(m.getStatus().steps).filteredOn(s -> List.of("PauseSource", "BackUpSource", "TearDownSource")
          .contains(s.name)).allSatisfy(s -> assertThat(s.phase).isEqualTo(StepPhase.Skipped));
      Duration rto = Durations.parse(m.getStatus().recoveryTime);
      // whole seconds (creationTimestamp and conditions have no more): 0s is a reading, more than the wall clock is not
      assertThat(rto).isBetween(Duration.ZERO, observed.plusSeconds(1));
      assertThat(run.out()).contains("failover-mc-1-" + hc).contains(m.getStatus().recoveryTime);
      assertThat(on("mc-2", hc, atBackup.get(hc))).as(hc + " holds what its backup held").isEqualTo(atBackup.get(hc));
      System.out.printf("fail-over RTO %s: %s (%d ms)%n", hc, m.getStatus().recoveryTime, rto.toMillis());
    }
    assertThat(workers()).isEqualTo(workers);
    assertThat(fleet.hosts().totalDeprovisions()).isEqualTo(deprovisions);
  }

  private void write(String hc, String tag) throws Exception {
    try (Client etcd = fleet.simulator("mc-1").etcdFor(NS, hc).orElseThrow().newClient()) {
      for (int i = 0; i < 20; i++) {
        etcd.getKVClient().put(ByteSequence.from("/flotilla-test/" + tag + "-" + i, StandardCharsets.UTF_8),
            ByteSequence.from(tag + "-" + System.nanoTime(), StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
    }
  }

  private EtcdDigest digest(String cluster, String hc) throws Exception {
    try (Client etcd = fleet.simulator(cluster).etcdFor(NS, hc).orElseThrow().newClient()) {
      return EtcdDigest.of(etcd);
    }
  }

  /** What {@code hc} on {@code cluster} held at the revision of {@code source}: its restored kube-apiserver writes. */
  private EtcdDigest on(String cluster, String hc, EtcdDigest source) throws Exception {
    try (Client etcd = fleet.simulator(cluster).etcdFor(NS, hc).orElseThrow().newClient()) {
      return source.on(etcd);
    }
  }

  /** Every host of mc-1's hosted clusters: UUID -> the ClusterDeployment it is installed into. */
  private Map<String, String> workers() {
    Map<String, String> bound = fleet.hosts().hosts().stream()
        .filter(h -> LOST.stream().anyMatch(hc -> h.hostname().startsWith(hc + "-worker")))
        .collect(Collectors.toMap(Host::uuid, h -> h.boundTo().orElse("<unbound>"), (a, b) -> a, TreeMap::new));
    assertThat(bound).hasSize(2 * LOST.size()).doesNotContainValue("<unbound>");
    return bound;
  }
}
