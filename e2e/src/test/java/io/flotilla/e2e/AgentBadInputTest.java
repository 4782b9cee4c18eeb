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

/** The spoke-agent as a deployment starts it, given bad input: non-zero exit and one clear line. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentBadInputTest {
  private static final String AGENT = "io.flotilla.agent.SpokeAgentMain";
  @TempDir static Path tmp;
  private Fleet fleet;

  @BeforeAll
  void startHub() {
    fleet = Fleet.up(Fleet.Options.defaults(tmp.resolve("fleet")).withClusters(1).withHostedPerCluster(0), l -> { });
  }

  @AfterAll
  void stop() { fleet.close(); }

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
