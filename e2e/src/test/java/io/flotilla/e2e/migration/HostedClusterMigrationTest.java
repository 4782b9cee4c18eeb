package io.flotilla.e2e.migration;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.Conditions;
import io.etcd.jetcd.options.GetOption;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
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
 * Migrations on the sandbox, driven through the CLI: the hub orchestrates, mc-1's and mc-2's agents execute, HyperShift
 * (simulated, with real etcd and etcdctl) restores, and the fleet-wide host registry tells whether any worker was
 * touched. Hosted clusters: hc-1 and hc-2 start on mc-1, hc-3 and hc-4 on mc-2; each test moves a different one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostedClusterMigrationTest {
  private static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;

  @TempDir
  static Path dir;
  Fleet fleet;
  Cli cli;

  @BeforeAll
  void up() {
    fleet = SandboxFleets.upOrSkip(dir.resolve("fleet"), o -> o.withClusters(2).withHostedPerCluster(2)
        .withEtcdSeedBytes(1L << 20));
    cli = new Cli(dir.resolve("fleet").resolve("hub.kubeconfig"));
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void migrationMovesTheDataTearsTheSourceDownAndKeepsEveryWorker() throws Exception {
    EtcdDigest before = writeKeysAndDigest("mc-1", "hc-1");
    Map<String, String> workers = workersOf("hc-1");
    int deprovisions = fleet.hosts().totalDeprovisions();

    Cli.Run run = cli.run("migrate", "start", NS + "/hc-1", "--from", "mc-1", "--to", "mc-2", "--wait", "--timeout", "5m");
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out()).contains("migration hc-1-to-mc-2 Succeeded");

    HostedClusterMigration m = migration("hc-1-to-mc-2");
    assertThat(m.getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(m.getStatus().pointOfNoReturnTime).isNotNull();
    assertThat(m.getStatus().recoveryTime).isNotNull();
    assertThat(m.getStatus().steps).extracting(s -> s.name).containsSubsequence("PauseSource", "BackUpSource",
        "RestoreOnDestination", "Verify", "PointOfNoReturn", "TearDownSource");
    assertThat(m.getStatus().steps).filteredOn(s -> s.phase == StepPhase.Succeeded).allSatisfy(s -> {
      assertThat(s.startedAt).as(s.name).isNotNull();
      assertThat(s.completedAt).as(s.name).isNotNull();
    });

    // verified at the backup's revision while the restored cluster's kube-apiserver writes (docs/hypershift-facts.md §8)
    HostedClusterBackup backup = record(HostedClusterBackup.class, step(m, "BackUpSource").record);
    HostedClusterRestoreStatus.Verification v = record(HostedClusterRestore.class,
        step(m, "RestoreOnDestination").record).getStatus().verification;
    assertThat(backup.getStatus().snapshot.etcdRevision).as("the quiesced source took no write after the digest")
        .isEqualTo(before.revision());
    assertThat(v.atRevision).isEqualTo(before.revision());
    assertThat(v.hashMatches).isTrue();
    assertThat(v.matchesBackup).isTrue();
    assertThat(v.etcdRevision).as("written to before it was checked").isGreaterThan(v.atRevision);
    try (Client etcd = fleet.simulator("mc-2").etcdFor(NS, "hc-1").orElseThrow().newClient()) {
      // the writer keeps writing (every 2 s): eventually past the revision the check saw
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(EtcdState.read(etcd, Duration.ofSeconds(10)).revision()).isGreaterThan(v.etcdRevision));
      assertThat(etcd.getKVClient().get(ByteSequence.from("/registry/leases/kube-system/apiserver-", StandardCharsets.UTF_8),
          GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(10, TimeUnit.SECONDS).getCount())
          .as("the identity Lease of each of its three kube-apiservers").isEqualTo(3);
      // the destination holds, at the backup's revision, exactly what the source held before the backup
      assertThat(before.on(etcd)).isEqualTo(before);
    }
    // the source copy is gone
    KubernetesClient source = fleet.spokeClient("mc-1");
    assertThat(source.resources(HostedCluster.class).inNamespace(NS).withName("hc-1").get()).isNull();
    assertThat(source.resources(NodePool.class).inNamespace(NS).list().getItems())
        .noneMatch(np -> "hc-1".equals(np.getSpec().clusterName));
    assertThat(source.resources(HostedControlPlane.class).inNamespace(HostedCluster.controlPlaneNamespace(NS, "hc-1"))
        .list().getItems()).isEmpty();
    // every worker still bound, same identity, never rebooted into discovery
    assertThat(workersOf("hc-1")).isEqualTo(workers);
    assertThat(fleet.hosts().totalDeprovisions()).isEqualTo(deprovisions);

    // after the point of no return, rollback is refused: by the CLI, and by the hub if the spec is set anyway
    Cli.Run rollback = cli.run("migrate", "rollback", "hc-1-to-mc-2");
    assertThat(rollback.code()).as(rollback.toString()).isEqualTo(1);
    assertThat(rollback.err()).contains("rollback refused").contains("point of no return");
    fleet.hub().resources(HostedClusterMigration.class).withName("hc-1-to-mc-2")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var refused = Conditions.find(migration("hc-1-to-mc-2").getStatus().conditions,
          HostedClusterMigration.CONDITION_ROLLBACK_REFUSED);
      assertThat(refused).hasValueSatisfying(c -> {
        assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
        assertThat(c.getReason()).isEqualTo("PointOfNoReturnPassed");
      });
    });
    assertThat(migration("hc-1-to-mc-2").getStatus().phase).isEqualTo(Phase.Succeeded);
    assertThat(fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-1").get()).isNotNull();

    Cli.Run status = cli.run("status");
    assertThat(status.out()).contains("MIGRATIONS").contains("hc-1-to-mc-2");
  }

  @Test
  void autoRollbackAfterAFailedRestoreRemovesTheCopyAndResumesTheSourceExactly() {
    // a source state to put back exactly: a past pausedUntil deadline on the HostedCluster
    fleet.spokeClient("mc-1").resources(HostedCluster.class).inNamespace(NS).withName("hc-2")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"pausedUntil\":\"2020-01-01T00:00:00Z\"}}");
    HostedClusterState original = HostedClusterState.read(fleet.spokeClient("mc-1"), NS, "hc-2");
    Map<String, String> workers = workersOf("hc-2");
    int deprovisions = fleet.hosts().totalDeprovisions();

    fleet.simulator("mc-2").blockRestoreDownloads(true);
    try {
      Cli.Run run = cli.run("migrate", "start", NS + "/hc-2", "--from", "mc-1", "--to", "mc-2",
          "--failure-policy", "AutoRollback", "--wait", "--timeout", "5m");
      assertThat(run.code()).as(run.toString()).isEqualTo(1);
      assertThat(run.err()).contains("RolledBack");
    } finally {
      fleet.simulator("mc-2").blockRestoreDownloads(false);
    }
    HostedClusterMigration m = migration("hc-2-to-mc-2");
    assertThat(m.getStatus().phase).isEqualTo(Phase.RolledBack);
    assertThat(m.getStatus().pointOfNoReturnTime).isNull();
    assertThat(step(m, "RestoreOnDestination").phase).isEqualTo(StepPhase.Failed);
    assertThat(step(m, "RestoreOnDestination").message).contains("EtcdRestoreFailed");
    assertThat(step(m, "RemoveDestinationCopy").phase).isEqualTo(StepPhase.Succeeded);
    assertThat(step(m, "ResumeSource").phase).isEqualTo(StepPhase.Succeeded);
    assertRolledBack("hc-2", "mc-1", "mc-2", original, workers, deprovisions);
  }

  @Test
  void manualWaitsForTheOperatorThenRollsBackOnRequest() {
    HostedClusterState original = HostedClusterState.read(fleet.spokeClient("mc-2"), NS, "hc-3");
    Map<String, String> workers = workersOf("hc-3");
    int deprovisions = fleet.hosts().totalDeprovisions();

    fleet.simulator("mc-1").blockRestoreDownloads(true);
    try {
      Cli.Run run = cli.run("migrate", "start", NS + "/hc-3", "--from", "mc-2", "--to", "mc-1", "--wait", "--timeout", "5m");
      assertThat(run.code()).as(run.toString()).isEqualTo(1);
      assertThat(run.err()).contains("WaitingForOperator").contains("flotilla migrate rollback hc-3-to-mc-1");
    } finally {
      fleet.simulator("mc-1").blockRestoreDownloads(false);
    }
    HostedClusterMigration waiting = migration("hc-3-to-mc-1");
    assertThat(waiting.getStatus().phase).isEqualTo(Phase.WaitingForOperator);
    assertThat(Conditions.find(waiting.getStatus().conditions, HostedClusterMigration.CONDITION_WAITING_FOR_OPERATOR))
        .hasValueSatisfying(c -> {
          assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
          assertThat(c.getMessage()).contains("rollback");
        });
    // while it waits, the source stays held: paused indefinitely, API servers at 0
    HostedCluster held = fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-3").get();
    assertThat(held.getSpec().pausedUntil).isEqualTo("true");

    Cli.Run rollback = cli.run("migrate", "rollback", "hc-3-to-mc-1", "--wait", "--timeout", "3m");
    assertThat(rollback.code()).as(rollback.toString()).isZero();
    assertThat(rollback.out()).contains("migration hc-3-to-mc-1 RolledBack");
    assertRolledBack("hc-3", "mc-2", "mc-1", original, workers, deprovisions);
  }

  @Test
  void missingPreservationHaltsBeforeTeardownWithAnAlertAndDeletesNothing() throws Exception {
    Map<String, String> workers = workersOf("hc-4");
    int deprovisions = fleet.hosts().totalDeprovisions();
    String cpNs = HostedCluster.controlPlaneNamespace(NS, "hc-4");
    // mc-2's agent may not patch ClusterDeployments there (as with a missing RBAC rule): preserveOnDelete cannot be set
    AutoCloseable denial = fleet.spokeServer("mc-2").deny("PATCH", "clusterdeployments", cpNs);
    try {
      Cli.Run run = cli.run("migrate", "start", NS + "/hc-4", "--from", "mc-2", "--to", "mc-1", "--wait", "--timeout", "5m");
      assertThat(run.code()).as(run.toString()).isEqualTo(1);
      HostedClusterMigration m = migration("hc-4-to-mc-1");
      assertThat(m.getStatus().phase).isEqualTo(Phase.WaitingForOperator);
      assertThat(m.getStatus().pointOfNoReturnTime).isNotNull();
      assertThat(Conditions.find(m.getStatus().conditions, HostedClusterMigration.CONDITION_TEARDOWN_HALTED))
          .hasValueSatisfying(c -> {
            assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
            assertThat(c.getReason()).isEqualTo(HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED);
            assertThat(c.getMessage()).contains("ClusterDeployment");
          });
      List<Event> events = fleet.hub().v1().events().inAnyNamespace().list().getItems().stream()
          .filter(e -> e.getInvolvedObject() != null && "hc-4-to-mc-1".equals(e.getInvolvedObject().getName()))
          .toList();
      assertThat(events).anySatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
      // nothing deleted on the source, no worker touched
      KubernetesClient source = fleet.spokeClient("mc-2");
      assertThat(source.resources(HostedCluster.class).inNamespace(NS).withName("hc-4").get()).isNotNull();
      assertThat(source.resources(NodePool.class).inNamespace(NS).list().getItems())
          .anyMatch(np -> "hc-4".equals(np.getSpec().clusterName));
      assertThat(workersOf("hc-4")).isEqualTo(workers);
      assertThat(fleet.hosts().totalDeprovisions()).isEqualTo(deprovisions);
    } finally {
      denial.close();
    }
    // the operator fixes the cause and deletes the halted teardown record: the hub tries again and finishes
    var teardowns = fleet.hub().resources(HostedClusterTeardown.class).inNamespace("mc-2")
        .withLabel(HostedClusterMigration.MIGRATION_LABEL, "hc-4-to-mc-1").list().getItems();
    assertThat(teardowns).hasSize(1);
    fleet.hub().resource(teardowns.get(0)).delete();
    await().atMost(Duration.ofMinutes(2)).until(() -> migration("hc-4-to-mc-1").getStatus().phase == Phase.Succeeded);
    assertThat(fleet.spokeClient("mc-2").resources(HostedCluster.class).inNamespace(NS).withName("hc-4").get()).isNull();
    assertThat(workersOf("hc-4")).isEqualTo(workers);
    assertThat(fleet.hosts().totalDeprovisions()).isEqualTo(deprovisions);
  }

  // ---- helpers

  private void assertRolledBack(String hc, String source, String destination, HostedClusterState original,
      Map<String, String> workers, int deprovisions) {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(HostedClusterState.read(fleet.spokeClient(source), NS, hc)).isEqualTo(original));
    KubernetesClient dest = fleet.spokeClient(destination);
    assertThat(dest.resources(HostedCluster.class).inNamespace(NS).withName(hc).get()).as("destination copy").isNull();
    assertThat(dest.resources(NodePool.class).inNamespace(NS).list().getItems())
        .noneMatch(np -> hc.equals(np.getSpec().clusterName));
    assertThat(dest.resources(HostedControlPlane.class).inNamespace(HostedCluster.controlPlaneNamespace(NS, hc))
        .list().getItems()).isEmpty();
    assertThat(workersOf(hc)).isEqualTo(workers);
    assertThat(fleet.hosts().totalDeprovisions()).isEqualTo(deprovisions);
  }

  /** The hosts that work for {@code hc}: UUID -> the ClusterDeployment they are installed into. */
  private Map<String, String> workersOf(String hc) {
    Map<String, String> bound = fleet.hosts().hosts().stream()
        .filter(h -> h.hostname().startsWith(hc + "-worker"))
        .collect(Collectors.toMap(Host::uuid, h -> h.boundTo().orElse("<unbound>"), (a, b) -> a, TreeMap::new));
    assertThat(bound).as("workers of " + hc).isNotEmpty().doesNotContainValue("<unbound>");
    return bound;
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T record(Class<T> kind, String namespacedName) {
    String[] ref = namespacedName.split("/", 2);
    return fleet.hub().resources(kind).inNamespace(ref[0]).withName(ref[1]).get();
  }

  private EtcdDigest writeKeysAndDigest(String cluster, String hc) throws Exception {
    try (Client etcd = fleet.simulator(cluster).etcdFor(NS, hc).orElseThrow().newClient()) {
      for (int i = 0; i < 50; i++) {
        etcd.getKVClient().put(ByteSequence.from("/flotilla-test/migrate-" + i, StandardCharsets.UTF_8),
            ByteSequence.from("value-" + i + "-" + System.nanoTime(), StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      }
      return EtcdDigest.of(etcd);
    }
  }

  private HostedClusterMigration migration(String name) {
    return fleet.hub().resources(HostedClusterMigration.class).withName(name).get();
  }

  private static Step step(HostedClusterMigration m, String name) {
    return m.getStatus().steps.stream().filter(s -> name.equals(s.name)).findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + m.getStatus().steps));
  }
}
