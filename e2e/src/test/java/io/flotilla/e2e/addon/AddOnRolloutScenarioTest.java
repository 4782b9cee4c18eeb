package io.flotilla.e2e.addon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.agent.addon.ManifestApplier;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.common.Conditions;
import io.flotilla.common.Time;
import io.flotilla.cli.FlotillaCli;
import io.flotilla.cli.RolloutRecorder;
import io.flotilla.hub.addon.rollout.RolloutPlanner;
import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 5's "must show", on a sandbox of five management clusters, through the `flotilla addon` commands run in
 * process (what a person would type and see), checked against the hub, the agents' reports and the spokes.
 *
 * <p>The metrics-forwarder scenarios continue from one another, as an operator's day would: install 1.0.0, pin mc-5,
 * roll 1.1.0 out two at a time, try the failing 1.2.0 with Pause, roll back. node-tuning-helper shows the Rollback
 * failure strategy on its own. The bad pin goes through the real kubectl binary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddOnRolloutScenarioTest {
  static final String MF = "metrics-forwarder";
  static final String NTH = "node-tuning-helper";
  static final List<String> CLUSTERS = List.of("mc-1", "mc-2", "mc-3", "mc-4", "mc-5");
  static final String PINNED = "mc-5";
  /** A failing release fails at its Deployment's progressDeadlineSeconds (30 s); everything else takes seconds. */
  static final Duration ROLLOUT = Duration.ofSeconds(120);

  @TempDir
  static Path dir;
  private Fleet fleet;
  private Path kubeconfig;
  private RolloutRecorder mfRecorder;

  @BeforeAll
  void up() {
    fleet = Fleet.up(Fleet.Options.defaults(dir.resolve("fleet")).withClusters(CLUSTERS.size()).withHostedPerCluster(0),
        line -> { });
    kubeconfig = dir.resolve("fleet").resolve("hub.kubeconfig");
    mfRecorder = new RolloutRecorder(fleet.hub(), MF);
  }

  @AfterAll
  void down() {
    if (mfRecorder != null) {
      mfRecorder.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  // ------------------------------------------------------------------ scenarios

  @Test
  @Order(1)
  void publishingTwiceLeavesReleasesUnchanged() {
    Run first = flotilla("addon", "publish");
    Run again = flotilla("addon", "publish", "--addon", MF);

    assertThat(first.code).as(first.err).isZero();
    assertThat(cells(first, "metrics-forwarder-1.2.0")).containsExactly("metrics-forwarder-1.2.0", MF, "1.2.0", "created");
    assertThat(cells(first, "node-tuning-helper-2.1.0")).containsExactly("node-tuning-helper-2.1.0", NTH, "2.1.0",
        "created");
    assertThat(first.out.lines().skip(1)).hasSize(6);
    assertThat(again.code).as(again.err).isZero();
    assertThat(again.out.lines().skip(1)).hasSize(3).allMatch(l -> l.endsWith("unchanged"));
    Run list = flotilla("addon", "list");
    assertThat(row(list, MF)).containsSubsequence(MF, "1.0.0,1.1.0,1.2.0", "no FleetAddOn");
  }

  @Test
  @Order(2)
  void aPublishedReleaseIsNeverChanged() throws Exception {
    Path source = Path.of("").toAbsolutePath().getParent().resolve("addon-templates").resolve(MF).resolve("1.0.0");
    Path changed = dir.resolve("changed").resolve(MF).resolve("1.0.0");
    Files.createDirectories(changed);
    try (var files = Files.list(source)) {
      for (Path f : files.toList()) {
        Files.copy(f, changed.resolve(f.getFileName()));
      }
    }
    Path release = changed.resolve("release.yaml");
    Files.writeString(release, Files.readString(release).replace("progressDeadline: 2m", "progressDeadline: 3m"));
    assertThat(flotilla("addon", "publish", "--addon", MF).code).as("published as is").isZero();

    Run refused = flotilla("addon", "publish", "--dir", dir.resolve("changed").toString());

    assertThat(refused.code).isEqualTo(1);
    assertThat(cells(refused, "metrics-forwarder-1.0.0")).containsExactly("metrics-forwarder-1.0.0", MF, "1.0.0",
        "refused (differs from the published release)");
    assertThat(refused.err.strip()).isEqualTo("error: refused metrics-forwarder-1.0.0: already on the hub with a "
        + "different spec; releases are immutable, so publish the change as a new version");
    assertThat(fleet.hub().resources(io.flotilla.api.addon.v1alpha1.AddOnRelease.class)
        .withName("metrics-forwarder-1.0.0").get().getSpec().progressDeadline).isEqualTo("2m");
  }

  @Test
  @Order(3)
  void progressiveUpgradeRunsAtMostTwoAtOnceAndLeavesThePinnedClusterAlone() throws Exception {
    Run install = flotilla("addon", "rollout", MF, "--version", "1.0.0", "--wait");
    assertThat(install.code).as(install.err).isZero();
    Run pin = flotilla("addon", "pin", PINNED, MF, "1.0.0");
    assertThat(pin.code).as(pin.err).isZero();
    assertThat(pin.out).startsWith("mc-5: metrics-forwarder pinned to 1.0.0 (was following the fleet)");
    Operation pinnedBefore = status(PINNED, MF).operation;
    mfRecorder.reset();

    Run rollout = flotilla("addon", "rollout", MF, "--version", "1.1.0", "--strategy", "Progressive",
        "--max-concurrency", "2", "--wait");

    assertThat(rollout.code).as(rollout.out + rollout.err).isZero();
    assertThat(rollout.out).contains("metrics-forwarder 1.1.0: 4/4 succeeded, 0 in progress, 0 failed, 1 pinned, "
        + "0 unknown: rollout complete");
    // never more than two at once: every change of every ManagedAddOn, as the hub's watch delivered it
    System.out.printf("metrics-forwarder 1.1.0, maxConcurrency 2: at most %d clusters InProgress at once, %d "
        + "operation changes seen%n", mfRecorder.maxInProgress(), mfRecorder.steps().size());
    assertThat(mfRecorder.maxInProgress()).isBetween(1, 2);
    List<RolloutRecorder.Step> steps = mfRecorder.steps();
    assertThat(steps).filteredOn(s -> s.phase() == Phase.InProgress).extracting(RolloutRecorder.Step::cluster)
        .containsExactlyInAnyOrder("mc-1", "mc-2", "mc-3", "mc-4");
    for (String cluster : CLUSTERS) {
      ManagedAddOnStatus s = status(cluster, MF);
      assertThat(s.operation.phase).as(cluster).isEqualTo(Phase.Succeeded);
      assertThat(Time.parse(s.operation.completedAt)).as(cluster).isAfterOrEqualTo(Time.parse(s.operation.startedAt));
    }
    for (String cluster : List.of("mc-1", "mc-2", "mc-3", "mc-4")) {
      ManagedAddOnStatus s = status(cluster, MF);
      assertThat(s.operation.type).isEqualTo(Type.Upgrade);
      assertThat(s.operation.fromVersion).isEqualTo("1.0.0");
      assertThat(s.currentVersion).isEqualTo("1.1.0");
      assertThat(configMaps(cluster)).as("1.1.0 removes the relabel ConfigMap").doesNotContain("metrics-forwarder-relabel");
    }
    // the pinned cluster: still 1.0.0, its install untouched, its objects as 1.0.0 made them; reported as pinned
    ManagedAddOnStatus pinned = status(PINNED, MF);
    assertThat(pinned.currentVersion).isEqualTo("1.0.0");
    assertThat(json(pinned.operation)).isEqualTo(json(pinnedBefore));
    assertThat(configMaps(PINNED)).contains("metrics-forwarder-relabel");
    assertThat(fleetAddOn(MF).getStatus().pinned).isEqualTo(1);
    assertThat(fleetAddOn(MF).getStatus().succeeded).isEqualTo(4);

    Run status = flotilla("addon", "status", MF);
    assertThat(status.code).as(status.err).isZero();
    assertThat(status.out).contains("clusters: 5 placed, 4 succeeded, 0 progressing, 0 failed, 1 pinned, 0 unknown",
        "Complete=True (AllClustersUpdated)");
    assertThat(cells(status, PINNED)).containsExactly(PINNED, "1.0.0", "1.0.0", "Succeeded", pinned.operation.startedAt,
        pinned.operation.completedAt, "Install", "1.0.0");
    ManagedAddOnStatus mc1 = status("mc-1", MF);
    assertThat(cells(status, "mc-1")).containsExactly("mc-1", "1.1.0", "1.1.0", "Succeeded", mc1.operation.startedAt,
        mc1.operation.completedAt, "Upgrade from 1.0.0", "<none>");
    Run asJson = flotilla("addon", "status", MF, "-o", "json");
    JsonNode items = new ObjectMapper().readTree(asJson.out).get("items");
    assertThat(items).hasSize(1 + CLUSTERS.size());
    assertThat(items.get(0).get("kind").asText()).isEqualTo("FleetAddOn");
  }

  @Test
  @Order(4)
  void aFailingTargetWithPauseStopsAtTheFailureBudgetAndLeavesTheRestUntouched() {
    Map<String, ManagedAddOnStatus> before = statuses(MF);
    Map<String, String> deploymentVersions = deploymentVersions();
    mfRecorder.reset();

    Run run = flotilla("addon", "rollout", MF, "--version", "1.2.0", "--max-failures", "0", "--failure-strategy",
        "Pause", "--wait", "--timeout", "2m");

    assertThat(run.code).as(run.out + run.err).isEqualTo(1);
    assertThat(run.err).contains("rollout stopped", "2 clusters failed (mc-1, mc-2), more than the 0 maxFailures allows");
    FleetAddOn fleetAddOn = fleetAddOn(MF);
    Conditions.find(fleetAddOn.getStatus().conditions, RolloutPlanner.ROLLOUT_PAUSED).ifPresentOrElse(c -> {
      assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
      assertThat(c.getReason()).isEqualTo(RolloutPlanner.REASON_FAILURE_BUDGET_SPENT);
    }, () -> { throw new AssertionError("no RolloutPaused condition"); });
    assertThat(fleetAddOn.getStatus().failed).isEqualTo(2);
    // the first wave (maxConcurrency 2, in name order) failed ...
    for (String cluster : List.of("mc-1", "mc-2")) {
      ManagedAddOnStatus s = status(cluster, MF);
      assertThat(s.operation.type).isEqualTo(Type.Upgrade);
      assertThat(s.operation.toVersion).isEqualTo("1.2.0");
      assertThat(s.operation.phase).isEqualTo(Phase.Failed);
      assertThat(s.operation.completedAt).isNotNull();
      assertThat(s.operation.message).contains("ProgressDeadlineExceeded");
      assertThat(s.lastKnownGoodVersion).isEqualTo("1.1.0");
    }
    // ... and no other cluster was touched: same desired, current and operation, no step seen, objects as they were
    for (String cluster : List.of("mc-3", "mc-4", PINNED)) {
      ManagedAddOnStatus s = status(cluster, MF);
      assertThat(s.desiredVersion).as(cluster).isEqualTo(before.get(cluster).desiredVersion);
      assertThat(s.currentVersion).as(cluster).isEqualTo(before.get(cluster).currentVersion);
      assertThat(json(s.operation)).as(cluster).isEqualTo(json(before.get(cluster).operation));
      assertThat(deploymentVersion(cluster)).as(cluster).isEqualTo(deploymentVersions.get(cluster));
    }
    assertThat(mfRecorder.steps()).extracting(RolloutRecorder.Step::cluster).containsOnly("mc-1", "mc-2");
    assertThat(mfRecorder.maxInProgress()).isLessThanOrEqualTo(2);
  }

  @Test
  @Order(5)
  void withFailureStrategyRollbackTheFailedClustersReturnToTheLastGoodVersion() {
    Run install = flotilla("addon", "rollout", NTH, "--version", "2.0.0", "--wait");
    assertThat(install.code).as(install.err).isZero();
    Map<String, ManagedAddOnStatus> before = statuses(NTH);

    Run run = flotilla("addon", "rollout", NTH, "--version", "2.1.0", "--strategy", "Progressive", "--max-concurrency",
        "2", "--failure-strategy", "Rollback", "--wait", "--timeout", "2m");

    assertThat(run.code).as(run.out + run.err).isEqualTo(1);
    assertThat(run.err).contains("mc-1: Upgrade 2.0.0 -> 2.1.0 Failed", "mc-1: Rollback 2.1.0 -> 2.0.0 Succeeded",
        "failed clusters roll back to their last-known-good version");
    for (String cluster : List.of("mc-1", "mc-2")) {
      ManagedAddOnStatus s = status(cluster, NTH);
      assertThat(s.operation.type).as(cluster).isEqualTo(Type.Rollback);
      assertThat(s.operation.fromVersion).isEqualTo("2.1.0");
      assertThat(s.operation.toVersion).isEqualTo("2.0.0");
      assertThat(s.operation.phase).isEqualTo(Phase.Succeeded);
      assertThat(Time.parse(s.operation.completedAt)).isAfterOrEqualTo(Time.parse(s.operation.startedAt));
      assertThat(s.currentVersion).isEqualTo("2.0.0");
      assertThat(s.lastKnownGoodVersion).isEqualTo("2.0.0");
      Operation failed = s.history.get(0);
      assertThat(failed.type).isEqualTo(Type.Upgrade);
      assertThat(failed.toVersion).isEqualTo("2.1.0");
      assertThat(failed.phase).isEqualTo(Phase.Failed);
      assertThat(deploymentVersion(cluster, NTH)).isEqualTo("2.0.0");
    }
    for (String cluster : List.of("mc-3", "mc-4", "mc-5")) {
      assertThat(json(status(cluster, NTH).operation)).as(cluster).isEqualTo(json(before.get(cluster).operation));
    }
    Run status = flotilla("addon", "status", NTH);
    assertThat(cells(status, "mc-1")).startsWith("mc-1", "2.0.0", "2.0.0", "Succeeded").contains("Rollback from 2.1.0");
    assertThat(status.out).contains("mc-1: rolled back after: Upgrade 2.0.0 → 2.1.0 failed");
  }

  @Test
  @Order(6)
  void operatorRollbacksFleetWideAndPerClusterAreRecordedAsRollbacks() {
    // from the Pause scenario: target 1.2.0, mc-1 and mc-2 failed on it, the rollout paused by the budget
    Run fleetWide = flotilla("addon", "rollback", MF, "--fleet", "--wait");

    assertThat(fleetWide.code).as(fleetWide.out + fleetWide.err).isZero();
    assertThat(fleetWide.out).startsWith("fleet add-on metrics-forwarder rolling back: target 1.2.0 -> 1.1.0");
    assertThat(fleetAddOn(MF).getSpec().version).isEqualTo("1.1.0");
    for (String cluster : List.of("mc-1", "mc-2")) {
      Operation op = status(cluster, MF).operation;
      assertThat(op.type).isEqualTo(Type.Rollback);
      assertThat(op.fromVersion).isEqualTo("1.2.0");
      assertThat(op.toVersion).isEqualTo("1.1.0");
      assertThat(op.phase).isEqualTo(Phase.Succeeded);
      assertThat(op.startedAt).isNotNull();
      assertThat(op.completedAt).isNotNull();
    }

    Run one = flotilla("addon", "rollback", "mc-3", MF, "--wait", "--timeout", "60s");

    assertThat(one.code).as(one.out + one.err + "\nmc-3 on the hub: " + json(status("mc-3", MF))).isZero();
    assertThat(one.out).contains("mc-3: metrics-forwarder rolling back 1.1.0 -> 1.0.0",
        "mc-3: Rollback 1.1.0 -> 1.0.0 Succeeded (started ");
    ManagedAddOn mc3 = fleet.hub().resources(ManagedAddOn.class).inNamespace("mc-3").withName(MF).get();
    assertThat(mc3.getSpec().version).as("pinned where it was rolled back to").isEqualTo("1.0.0");
    assertThat(mc3.getStatus().operation.type).isEqualTo(Type.Rollback);
    assertThat(mc3.getStatus().currentVersion).isEqualTo("1.0.0");
    assertThat(configMaps("mc-3")).as("1.0.0's relabel ConfigMap is back").contains("metrics-forwarder-relabel");

    Run nothingOlder = flotilla("addon", "rollback", "mc-3", MF);
    assertThat(nothingOlder.code).isEqualTo(2);
    assertThat(nothingOlder.err.strip()).isEqualTo("error: no version older than 1.0.0 worked on mc-3; name one with "
        + "--to (released: 1.0.0, 1.1.0, 1.2.0)");
    Run unknown = flotilla("addon", "rollout", MF, "--version", "1.3.0");
    assertThat(unknown.code).isEqualTo(2);
    assertThat(unknown.err.strip()).isEqualTo("error: no release 1.3.0 of add-on metrics-forwarder; available: "
        + "1.0.0, 1.1.0, 1.2.0");
  }

  @Test
  @Order(7)
  void aPinToAMissingVersionThroughKubectlIsReportedAndNothingIsApplied() throws Exception {
    String cluster = "mc-4";
    ManagedAddOnStatus before = status(cluster, MF);
    Map<String, String> objectsBefore = addOnObjects(cluster);

    kubectl("-n", cluster, "patch", "managedaddon", MF, "--type", "merge", "-p", "{\"spec\":{\"version\":\"9.9.9\"}}");

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Conditions.find(status(cluster, MF).conditions,
        ManagedAddOn.INVALID_VERSION).filter(c -> Conditions.TRUE.equals(c.getStatus()))).isPresent());
    String message = kubectl("-n", cluster, "get", "managedaddon", MF, "-o",
        "jsonpath={.status.conditions[?(@.type==\"InvalidVersion\")].message}");
    assertThat(message.strip()).isEqualTo("no release 9.9.9 of add-on metrics-forwarder; available: 1.0.0, 1.1.0, 1.2.0");
    ManagedAddOnStatus after = status(cluster, MF);
    assertThat(after.desiredVersion).isEqualTo(before.desiredVersion);
    assertThat(after.currentVersion).isEqualTo(before.currentVersion);
    assertThat(json(after.operation)).isEqualTo(json(before.operation));
    assertThat(addOnObjects(cluster)).as("the spoke's objects and their versions").isEqualTo(objectsBefore);
    assertThat(flotilla("addon", "status", MF).out).contains(
        "mc-4: InvalidVersion: no release 9.9.9 of add-on metrics-forwarder; available: 1.0.0, 1.1.0, 1.2.0");

    kubectl("-n", cluster, "patch", "managedaddon", MF, "--type", "json", "-p",
        "[{\"op\":\"remove\",\"path\":\"/spec/version\"}]");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Conditions.isTrue(status(cluster, MF).conditions,
        ManagedAddOn.INVALID_VERSION)).isFalse());
  }

  @Test
  @Order(8)
  void pauseHoldsTheRolloutAndResumeLetsItFinish() {
    assertThat(flotilla("addon", "rollout", NTH, "--version", "2.0.0", "--strategy", "Progressive",
        "--max-concurrency", "2", "--wait").code).as("arrange: the fleet on 2.0.0").isZero();
    Run pause = flotilla("addon", "pause", NTH);
    assertThat(pause.out.strip()).isEqualTo("fleet add-on node-tuning-helper paused: no cluster starts a new operation; "
        + "those in flight finish (target 2.0.0)");

    Run rollout = flotilla("addon", "rollout", NTH, "--version", "2.2.0");

    assertThat(rollout.err).contains("warning: the rollout of node-tuning-helper is paused");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      FleetAddOn f = fleetAddOn(NTH);
      assertThat(f.getStatus().observedGeneration).isEqualTo(f.getMetadata().getGeneration());
      assertThat(Conditions.find(f.getStatus().conditions, RolloutPlanner.ROLLOUT_PAUSED).map(c -> c.getReason()))
          .contains(RolloutPlanner.REASON_PAUSED);
    });
    assertThat(CLUSTERS).allSatisfy(c -> assertThat(status(c, NTH).desiredVersion).as(c).isEqualTo("2.0.0"));
    assertThat(row(flotilla("addon", "list"), NTH)).endsWith("Paused");

    Run resume = flotilla("addon", "resume", NTH);
    assertThat(resume.code).isZero();
    Run follow = flotilla("addon", "rollout", NTH, "--version", "2.2.0", "--wait");

    assertThat(follow.code).as(follow.out + follow.err).isZero();
    assertThat(CLUSTERS).allSatisfy(c -> assertThat(status(c, NTH).currentVersion).as(c).isEqualTo("2.2.0"));
  }

  // ------------------------------------------------------------------ helpers

  private record Run(int code, String out, String err) {}

  private Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  /**
   * kubectl against the sandbox hub: the real binary when installed; otherwise the same request through fabric8
   * (a merge or JSON patch of the ManagedAddOn, a GET for jsonpath), as kubectl would send it.
   */
  private String kubectl(String... args) throws Exception {
    Path binary = Path.of("/usr/bin/kubectl");
    if (Files.isExecutable(binary)) {
      List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
      command.addAll(List.of(args));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl finished").isTrue();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.exitValue()).as(out).isZero();
      return out;
    }
    List<String> a = List.of(args);
    String ns = a.get(1);
    var resource = fleet.hub().resources(ManagedAddOn.class).inNamespace(ns).withName(a.get(4));
    if (a.get(2).equals("patch")) {
      resource.patch(PatchContext.of(a.get(6).equals("merge") ? PatchType.JSON_MERGE : PatchType.JSON), a.get(8));
      return "";
    }
    ManagedAddOn m = resource.get();
    return Conditions.find(m.getStatus().conditions, ManagedAddOn.INVALID_VERSION).map(c -> c.getMessage()).orElse("");
  }

  private ManagedAddOnStatus status(String cluster, String addOn) {
    ManagedAddOn m = fleet.hub().resources(ManagedAddOn.class).inNamespace(cluster).withName(addOn).get();
    return m == null ? null : m.getStatus();
  }

  private Map<String, ManagedAddOnStatus> statuses(String addOn) {
    Map<String, ManagedAddOnStatus> all = new HashMap<>();
    CLUSTERS.forEach(c -> all.put(c, status(c, addOn)));
    return all;
  }

  private FleetAddOn fleetAddOn(String addOn) {
    return fleet.hub().resources(FleetAddOn.class).withName(addOn).get();
  }

  private List<String> configMaps(String cluster) {
    return fleet.spokeClient(cluster).configMaps().inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL, MF).list()
        .getItems().stream().map(c -> c.getMetadata().getName()).toList();
  }

  private Map<String, String> deploymentVersions() {
    Map<String, String> versions = new HashMap<>();
    CLUSTERS.forEach(c -> versions.put(c, deploymentVersion(c)));
    return versions;
  }

  private String deploymentVersion(String cluster) {
    return deploymentVersion(cluster, MF);
  }

  /** The release version the agent applied the add-on's Deployment from (its version annotation). */
  private String deploymentVersion(String cluster, String addOn) {
    var deployments = fleet.spokeClient(cluster).apps().deployments().inAnyNamespace()
        .withLabel(ManifestApplier.NAME_LABEL, addOn).list().getItems();
    assertThat(deployments).as(addOn + " Deployment on " + cluster).hasSize(1);
    return deployments.get(0).getMetadata().getAnnotations().get(ManifestApplier.VERSION_ANNOTATION);
  }

  /** Every object the add-on has on the spoke, kind/namespace/name to resourceVersion. */
  private Map<String, String> addOnObjects(String cluster) {
    KubernetesClient spoke = fleet.spokeClient(cluster);
    Map<String, String> objects = new HashMap<>();
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(spoke.apps().deployments().inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL, MF).list().getItems());
    all.addAll(spoke.configMaps().inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL, MF).list().getItems());
    all.addAll(spoke.services().inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL, MF).list().getItems());
    all.addAll(spoke.serviceAccounts().inAnyNamespace().withLabel(ManifestApplier.NAME_LABEL, MF).list().getItems());
    all.addAll(spoke.namespaces().withLabel(ManifestApplier.NAME_LABEL, MF).list().getItems());
    all.forEach(o -> objects.put(o.getKind() + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
        o.getMetadata().getResourceVersion()));
    assertThat(objects).as("the add-on's objects on " + cluster).isNotEmpty();
    return objects;
  }

  private static String json(Object o) {
    return Serialization.asJson(o);
  }

  private static String row(Run run, String first) {
    return run.out.lines().filter(l -> l.startsWith(first + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + first + " in\n" + run.out));
  }

  private static List<String> cells(Run run, String first) {
    return List.of(row(run, first).split(" {2,}"));
  }
}
