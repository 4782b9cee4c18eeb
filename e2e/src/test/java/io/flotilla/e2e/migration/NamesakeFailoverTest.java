package io.flotilla.e2e.migration;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.e2e.Cli;
import io.flotilla.e2e.EtcdDigest;
import io.flotilla.e2e.SandboxFleets;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hosted-cluster names repeat across management clusters, as in real fleets (`sandbox up --hosted-names-per-cluster`):
 * mc-1 and mc-2 both run clusters/hc-1, two different clusters with backups under their own folders. A restore of "the
 * newest hc-1" that does not say whose is refused; a fail-over of mc-1 restores mc-1's hc-1, never its namesake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamesakeFailoverTest {
  private static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;

  @TempDir
  static Path dir;
  Fleet fleet;
  Cli cli;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(1)
        .withHostedNamesPerCluster(true).withEtcdSeedBytes(1L << 20).withHeartbeat(Duration.ofSeconds(1), 3));
    cli = new Cli(dir.resolve("fleet").resolve("hub.kubeconfig"));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aFailoverRestoresTheLostClustersOwnHostedClusterNeverItsNamesake() throws Exception {
    assertThat(fleet.hostedClusters("mc-1")).containsExactly("hc-1");
    assertThat(fleet.hostedClusters("mc-2")).containsExactly("hc-1");
    write("mc-1", "tenant-a");
    EtcdDigest mc1AtBackup = digest("mc-1");
    Cli.Run a = cli.run("backup", "create", "mc-1", NS + "/hc-1", "--wait", "--timeout", "2m");
    assertThat(a.code()).as(a.toString()).isZero();
    write("mc-2", "tenant-b");
    EtcdDigest mc2AtBackup = digest("mc-2");
    Cli.Run b = cli.run("backup", "create", "mc-2", NS + "/hc-1", "--wait", "--timeout", "2m"); // the newer one
    assertThat(b.code()).as(b.toString()).isZero();
    assertThat(mc2AtBackup.value()).isNotEqualTo(mc1AtBackup.value());

    // "the newest backup of clusters/hc-1" without saying whose: refused, naming both folders
    Cli.Run ambiguous = cli.run("restore", "create", "mc-2", "--latest", NS + "/hc-1", "--name", "which-one", "--wait",
        "--timeout", "2m");
    assertThat(ambiguous.code()).as(ambiguous.toString()).isEqualTo(1);
    HostedClusterRestore refused = fleet.hub().resources(HostedClusterRestore.class).inNamespace("mc-2")
        .withName("which-one").get();
    var condition = Conditions.find(refused.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED).orElseThrow();
    assertThat(condition.getReason()).isEqualTo("AmbiguousSource");
    assertThat(condition.getMessage()).contains("mc-1").contains("mc-2").contains("spec.sourceCluster");

    // mc-2's own hc-1 goes (so mc-1's can come), then mc-1 is lost
    fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-1").delete();
    await().atMost(Duration.ofSeconds(60)).until(() ->
        fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-1").get() == null);
    fleet.stopAgent("mc-1");
    await().atMost(Duration.ofSeconds(30)).until(() -> !fleet.isAvailable("mc-1"));
    Cli.Run failover = cli.run("failover", "mc-1", "--to", "mc-2", "--confirm-lost", "--wait", "--timeout", "5m");
    assertThat(failover.code()).as(failover.toString()).isZero();

    EtcdDigest restored;
    try (Client etcd = fleet.simulator("mc-2").etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      restored = mc1AtBackup.on(etcd); // at the backup's revision: the restored kube-apiserver writes since
    }
    assertThat(restored).as("mc-2's hc-1 now holds mc-1's backup").isEqualTo(mc1AtBackup);
    assertThat(restored.value()).as("never the namesake's").isNotEqualTo(mc2AtBackup.value());
  }

  private void write(String cluster, String tag) throws Exception {
    try (Client etcd = fleet.simulator(cluster).etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      for (int i = 0; i < 20; i++) {
        etcd.getKVClient().put(ByteSequence.from("/flotilla-test/" + tag + "-" + i, StandardCharsets.UTF_8),
            ByteSequence.from(tag, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
    }
  }

  private EtcdDigest digest(String cluster) throws Exception {
    try (Client etcd = fleet.simulator(cluster).etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      return EtcdDigest.of(etcd);
    }
  }
}
