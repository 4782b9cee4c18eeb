package io.flotilla.cli;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.common.Conditions;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `flotilla backup` run in-process against a sandbox fleet whose agent really executes the backups (real etcd,
 * S3Proxy): what a person sees, and what ends up on the hub and in the bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackupCommandTest {
  private static final String CLUSTER = "mc-1";
  private static final String HC = Fleet.HOSTED_CLUSTER_NAMESPACE + "/hc-1";

  @TempDir
  static Path dir;
  private Fleet fleet;
  private Path kubeconfig;

  @BeforeAll
  void up() {
    try {
      EtcdLauncher.findEtcd();
    } catch (RuntimeException e) {
      assumeTrue(false, "no etcd: " + e.getMessage());
    }
    fleet = Fleet.up(Fleet.Options.defaults(dir.resolve("fleet")).withClusters(1).withHostedPerCluster(1), line -> { });
    kubeconfig = dir.resolve("fleet").resolve("hub.kubeconfig");
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void createWaitShowsProgressAndEndsWithTheSummary() {
    Run run = flotilla("backup", "create", CLUSTER, HC, "--name", "b-create", "--wait");

    assertThat(run.code).as(run.err).isZero();
    HostedClusterBackup b = backup("b-create");
    var s = b.getStatus();
    assertThat(s.phase).isEqualTo(Phase.Completed);
    assertThat(run.out).contains("backup mc-1/b-create created: hosted cluster clusters/hc-1, store default");
    // progress on stderr (not a terminal here: one line per change), ending Completed/Done with bytes and a percentage
    List<String> progress = run.err.lines().toList();
    assertThat(progress).allMatch(l -> l.matches("^(New|InProgress|Completed) +[A-Z][a-z]+.*")).doesNotHaveDuplicates();
    assertThat(progress.get(progress.size() - 1)).startsWith("Completed").contains("Done")
        .contains(Sizes.format(s.progress.bytesDone) + " / " + Sizes.format(s.progress.bytesTotal)).containsPattern("\\d+%");
    // the summary on stdout: stored size, revision, pause window
    String summary = run.out.lines().reduce((a, c) -> c).orElseThrow();
    assertThat(summary).startsWith("backup mc-1/b-create completed")
        .contains(Sizes.format(s.snapshot.storedBytes) + " stored", "etcd revision " + s.snapshot.etcdRevision,
            "hosted cluster clusters/hc-1 paused ");
  }

  @Test
  void listShowsTheBackupWithItsFigures() {
    HostedClusterBackup b = completed("b-list");

    Run one = flotilla("backup", "list", CLUSTER);
    Run all = flotilla("backup", "list", "-A");

    assertThat(one.code).as(one.err).isZero();
    assertThat(one.out.lines().findFirst().orElseThrow().split(" +")).containsExactly(
        "NAME", "CLUSTER", "HOSTED-CLUSTER", "PHASE", "STARTED", "DURATION", "STORED", "REVISION");
    assertThat(row(one, "b-list")).containsSubsequence("b-list", "mc-1", "clusters/hc-1", "Completed", " ago",
        Sizes.format(b.getStatus().snapshot.storedBytes), String.valueOf(b.getStatus().snapshot.etcdRevision));
    assertThat(all.code).isZero();
    // the same row in both, but for the age ("1s ago" may have become "2s ago" between the two commands)
    assertThat(withoutAge(row(all, "b-list"))).isEqualTo(withoutAge(row(one, "b-list")));
  }

  @Test
  void describePrintsTheRecordAsJsonAndAsText() {
    HostedClusterBackup b = completed("b-describe");

    Run json = flotilla("backup", "describe", CLUSTER, "b-describe", "-o", "json");
    Run text = flotilla("backup", "describe", CLUSTER, "b-describe");

    assertThat(json.code).as(json.err).isZero();
    HostedClusterBackup parsed = Serialization.unmarshal(json.out, HostedClusterBackup.class);
    assertThat(parsed.getMetadata().getName()).isEqualTo("b-describe");
    assertThat(parsed.getStatus().phase).isEqualTo(Phase.Completed);
    assertThat(parsed.getStatus().snapshot.sha256).isEqualTo(b.getStatus().snapshot.sha256);
    assertThat(text.code).as(text.err).isZero();
    assertThat(text.out).contains("Hosted cluster:", "clusters/hc-1", "Max pause window:", "10m (default)",
        "Phase:", "Completed", "s3://" + fleet.objectStore().bucket() + "/" + b.getStatus().location.keyPrefix,
        "etcd revision " + b.getStatus().snapshot.etcdRevision, b.getStatus().snapshot.sha256,
        "Conditions:", "BackupCompleted", "Events:", "BackupStarted");
  }

  @Test
  void verifyAsksTheAgentAndPasses() {
    completed("b-verify");

    Run run = flotilla("backup", "verify", CLUSTER, "b-verify");

    assertThat(run.code).as(run.err).isZero();
    var v = backup("b-verify").getStatus().verification;
    assertThat(v.passed).isTrue();
    assertThat(v.request).isEqualTo(backup("b-verify").getMetadata().getAnnotations().get(HostedClusterBackup.VERIFY_ANNOTATION));
    assertThat(run.out.strip()).isEqualTo("backup mc-1/b-verify verified: " + v.message);
    assertThat(v.message).contains("SHA-256 matches");
  }

  @Test
  void verifyRestoreRunsADrillOnTheAgentAndAFlippedByteFailsIt() {
    HostedClusterBackup b = completed("b-drill");

    Run run = flotilla("backup", "verify", "--restore", CLUSTER, "b-drill");

    assertThat(run.code).as(run.err).isZero();
    var v = backup("b-drill").getStatus().verification;
    assertThat(v.passed).isTrue();
    assertThat(v.request).startsWith(HostedClusterBackup.RESTORE_DRILL_PREFIX);
    assertThat(v.drill.keysMatch).isTrue();
    assertThat(v.drill.etcdRevision).isEqualTo(b.getStatus().snapshot.etcdRevision);
    assertThat(run.out).hasLineCount(1);
    assertThat(run.out.strip()).startsWith("backup mc-1/b-drill passed its restore drill (drill ")
        .contains("restore drill passed");
    Run described = flotilla("backup", "describe", CLUSTER, "b-drill");
    assertThat(described.out).contains("Restore drill:", "keys matches", "hash matches");

    // one byte of the stored snapshot flipped: the drill fails, in one line, exit 1
    try (S3Client s3 = fleet.objectStore().newClient()) {
      String key = s3.listObjectsV2(r -> r.bucket(fleet.objectStore().bucket()).prefix(b.getStatus().location.keyPrefix
          + io.flotilla.agent.storage.BackupLayout.SNAPSHOT_BASE)).contents().get(0).key();
      byte[] stored = s3.getObjectAsBytes(r -> r.bucket(fleet.objectStore().bucket()).key(key)).asByteArray();
      stored[stored.length / 2] ^= 0x01;
      s3.putObject(r -> r.bucket(fleet.objectStore().bucket()).key(key),
          software.amazon.awssdk.core.sync.RequestBody.fromBytes(stored));
    }
    Run failed = flotilla("backup", "verify", "--restore", CLUSTER, "b-drill");

    assertThat(failed.code).isEqualTo(1);
    assertThat(failed.out).isEmpty();
    assertThat(failed.err.lines().filter(l -> l.startsWith("error: ")).toList()).singleElement().asString()
        .startsWith("error: backup mc-1/b-drill failed its restore drill (drill ");
  }

  @Test
  void deleteWaitRemovesTheRecordAndTheObjects() {
    String folder = completed("b-delete").getStatus().location.keyPrefix;
    assertThat(objectKeys(folder)).hasSize(3);

    Run run = flotilla("backup", "delete", CLUSTER, "b-delete", "--wait");

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out.strip()).isEqualTo("backup mc-1/b-delete deleted, its objects removed from the bucket");
    assertThat(backup("b-delete")).isNull();
    assertThat(objectKeys(folder)).isEmpty();
  }

  @Test
  void deleteWaitWithoutAnAgentTimesOutNamingIt() {
    completed("b-orphan");
    fleet.stopAgent(CLUSTER);
    try {
      Run run = flotilla("backup", "delete", CLUSTER, "b-orphan", "--wait", "--timeout", "1s");

      assertThat(run.code).isEqualTo(CliErrors.FAILED);
      assertThat(run.err.strip()).startsWith("error: backup mc-1/b-orphan still exists after 1s: mc-1's agent has not "
          + "removed its objects from the bucket").contains("flotilla backup describe mc-1 b-orphan").hasLineCount(1);
      assertThat(backup("b-orphan").getMetadata().getDeletionTimestamp()).isNotNull();
    } finally {
      fleet.startAgent(CLUSTER);
    }
    // the record waited for the agent; once it is back it finishes the job
    await().atMost(Duration.ofSeconds(60)).until(() -> backup("b-orphan") == null);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown cluster   | mc-9 | clusters/hc-1 | --store=default | --max-pause-window=10m | no management cluster \"mc-9\" on the hub (have: mc-1)",
      "unknown store     | mc-1 | clusters/hc-1 | --store=nope    | --max-pause-window=10m | no BackupStore \"nope\" on the hub (have: default)",
      "malformed ref     | mc-1 | hc-1          | --store=default | --max-pause-window=10m | hosted cluster \"hc-1\" is not <namespace>/<name>, e.g. clusters/hc-1",
      "malformed ref     | mc-1 | a/b/c         | --store=default | --max-pause-window=10m | hosted cluster \"a/b/c\" is not <namespace>/<name>, e.g. clusters/hc-1",
      "bad duration      | mc-1 | clusters/hc-1 | --store=default | --max-pause-window=ten | --max-pause-window: 'ten' is not a duration such as 90s, 10m or 1h30m",
      "zero duration     | mc-1 | clusters/hc-1 | --store=default | --max-pause-window=0s  | --max-pause-window must be greater than zero, got 0s",
  })
  void badInputExitsTwoWithOneClearLineAndCreatesNothing(String what, String cluster, String ref, String store,
      String window, String message) {
    List<HostedClusterBackup> before = allBackups();

    Run run = flotilla("backup", "create", cluster, ref, store, window, "--name", "bad-input", "--wait");

    assertThat(run.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(run.err.strip()).isEqualTo("error: " + message);
    assertThat(run.out).isEmpty();
    assertThat(allBackups()).extracting(b -> b.getMetadata().getName())
        .containsExactlyInAnyOrderElementsOf(before.stream().map(b -> b.getMetadata().getName()).toList());
  }

  @Test
  void aHostedClusterThatDoesNotExistFailsTheBackupAndCreateWaitSaysWhy() {
    Run run = flotilla("backup", "create", CLUSTER, "clusters/nope", "--name", "b-missing", "--wait");

    assertThat(run.code).isEqualTo(CliErrors.FAILED);
    HostedClusterBackup b = backup("b-missing");
    assertThat(b.getStatus().phase).isEqualTo(Phase.Failed);
    var condition = Conditions.find(b.getStatus().conditions, HostedClusterBackup.CONDITION_COMPLETED).orElseThrow();
    assertThat(condition.getReason()).isEqualTo("HostedClusterNotFound");
    assertThat(run.err).contains("warning: mc-1 does not report a hosted cluster clusters/nope (it reports: clusters/hc-1)");
    assertThat(run.err.lines().reduce((a, c) -> c).orElseThrow())
        .isEqualTo("error: backup mc-1/b-missing failed: HostedClusterNotFound: " + condition.getMessage());

    Run verify = flotilla("backup", "verify", CLUSTER, "b-missing");
    assertThat(verify.code).isEqualTo(CliErrors.BAD_INPUT);
    assertThat(verify.err.strip()).isEqualTo("error: backup mc-1/b-missing is Failed; only a Completed backup can be verified");
  }

  @Test
  void namingABackupThatDoesNotExistExitsTwo() {
    for (String command : List.of("describe", "delete", "verify")) {
      Run run = flotilla("backup", command, CLUSTER, "no-such-backup");
      assertThat(run.code).as(command).isEqualTo(CliErrors.BAD_INPUT);
      assertThat(run.err.strip()).as(command)
          .isEqualTo("error: no backup \"no-such-backup\" on mc-1 (flotilla backup list mc-1)");
    }
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

  /** A backup made the way a person makes one, asserted Completed. */
  private HostedClusterBackup completed(String name) {
    Run run = flotilla("backup", "create", CLUSTER, HC, "--name", name, "--wait");
    assertThat(run.code).as(run.err).isZero();
    HostedClusterBackup b = backup(name);
    assertThat(b.getStatus().phase).isEqualTo(Phase.Completed);
    return b;
  }

  private HostedClusterBackup backup(String name) {
    return fleet.hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).get();
  }

  private List<HostedClusterBackup> allBackups() {
    return fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace().list().getItems();
  }

  private List<String> objectKeys(String prefix) {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      return s3.listObjectsV2Paginator(r -> r.bucket(fleet.objectStore().bucket()).prefix(prefix)).contents().stream()
          .map(o -> o.key()).toList();
    }
  }

  private static String withoutAge(String row) {
    return row.replaceAll("\\S+ ago\\s+", "<age> ");
  }

  private static String row(Run run, String name) {
    return run.out.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(
        () -> new AssertionError("no row " + name + " in\n" + run.out));
  }

}
