package io.flotilla.e2e;

import io.flotilla.sandbox.Fleet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spoke-agent as a deployment starts it: a separate process. It joins with the kubeconfig `flotilla cluster add`
 * wrote; given bad input it exits non-zero with one clear line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentProcessTest {
  private static final String AGENT = "io.flotilla.agent.SpokeAgentMain";
  @TempDir static Path tmp;
  private Fleet fleet;

  @BeforeAll
  void startHub() {
    fleet = Fleet.up(Fleet.Options.defaults(tmp.resolve("fleet")).withClusters(1).withHostedPerCluster(0), l -> { });
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aClusterAddedWithTheCliJoinsWithTheKubeconfigItWrote() throws Exception {
    Path agentKubeconfig = tmp.resolve("mc-9-hub.kubeconfig");
    int code = io.flotilla.cli.FlotillaCli.run("cluster", "add", "mc-9", "--label", "region=lab",
        "--kubeconfig", tmp.resolve("fleet/hub.kubeconfig").toString(), "--agent-kubeconfig", agentKubeconfig.toString());
    assertThat(code).isZero();
    assertThat(java.nio.file.Files.getPosixFilePermissions(agentKubeconfig))
        .as("the kubeconfig holds a token: owner-only").containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    var mc = fleet.hub().resources(io.flotilla.api.cluster.v1alpha1.ManagementCluster.class).withName("mc-9").get();
    assertThat(mc.getMetadata().getLabels()).containsEntry("region", "lab");
    assertThat(fleet.hub().namespaces().withName("mc-9").get()).isNotNull();
    assertThat(fleet.hub().rbac().roles().inNamespace("mc-9").list().getItems()).isNotEmpty();

    Path log = tmp.resolve("mc-9-agent.log");
    Process agent = JavaProcess.start(log, Map.of(), AGENT, "--hub-kubeconfig", agentKubeconfig.toString(),
        "--cluster-name", "mc-9", "--kubeconfig", tmp.resolve("fleet/mc-1.kubeconfig").toString(),
        "--heartbeat-interval", "1s");
    try {
      org.awaitility.Awaitility.await("mc-9 Available").atMost(java.time.Duration.ofSeconds(60)).until(() ->
          !agent.isAlive() || "True".equals(fleet.availability("mc-9")));
      assertThat(agent.isAlive()).as("agent still running; stderr: " + Files.readString(Path.of(log + ".err"))).isTrue();
      assertThat(fleet.availability("mc-9")).isEqualTo("True");
    } finally {
      agent.destroy();
      agent.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void missingHubKubeconfig() throws Exception {
    Result r = run("--hub-kubeconfig", tmp.resolve("nope.kubeconfig").toString(), "--cluster-name", "mc-1",
        "--kubeconfig", tmp.resolve("fleet/mc-1.kubeconfig").toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.oneLine()).contains("nope.kubeconfig");
  }

  @Test
  void unreadableHubKubeconfig() throws Exception {
    Path garbage = tmp.resolve("garbage.kubeconfig");
    Files.writeString(garbage, "this: [is not a kubeconfig");
    Result r = run("--hub-kubeconfig", garbage.toString(), "--cluster-name", "mc-1",
        "--kubeconfig", tmp.resolve("fleet/mc-1.kubeconfig").toString());
    assertThat(r.code).isEqualTo(2);
    assertThat(r.oneLine()).contains("garbage.kubeconfig");
  }

  @Test
  void clusterTheHubDoesNotKnow() throws Exception {
    Result r = run("--hub-kubeconfig", tmp.resolve("fleet/hub.kubeconfig").toString(), "--cluster-name", "mc-unknown",
        "--kubeconfig", tmp.resolve("fleet/mc-1.kubeconfig").toString());
    assertThat(r.code).isEqualTo(3);
    assertThat(r.oneLine()).contains("mc-unknown").contains("flotilla cluster add");
  }

  private record Result(int code, String stderr) {
    String oneLine() {
      assertThat(stderr.strip().lines().count()).as("exactly one line on stderr, got:\n" + stderr).isEqualTo(1);
      return stderr.strip();
    }
  }

  private Result run(String... args) throws Exception {
    Path log = tmp.resolve("agent-" + System.nanoTime() + ".log");
    Process p = JavaProcess.start(log, Map.of(), AGENT, args);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("agent exits").isTrue();
    return new Result(p.exitValue(), Files.readString(Path.of(log + ".err")));
  }
}
