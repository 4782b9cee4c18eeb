package io.flotilla.agent;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.hub.cluster.ClusterRegistration;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpokeAgentMainTest {
  @TempDir Path dir;
  final StringWriter err = new StringWriter();

  int run(String... args) {
    return SpokeAgentMain.run(new PrintWriter(err, true), args);
  }

  String oneLine() {
    assertThat(err.toString().strip().lines()).hasSize(1);
    assertThat(err.toString()).doesNotContain("\tat ", "Exception");
    return err.toString().strip();
  }

  @Test
  void missingHubKubeconfigExitsTwo() {
    Path missing = dir.resolve("x/y");
    assertThat(run("--hub-kubeconfig", missing.toString(), "--cluster-name", "mc1")).isEqualTo(2);
    assertThat(oneLine()).isEqualTo("error: hub kubeconfig " + missing + ": no such file");
  }

  @Test
  void unparseableHubKubeconfigExitsTwo() throws Exception {
    Path f = dir.resolve("kc");
    Files.writeString(f, "token: s3cr3t\n: [ not yaml\n");
    assertThat(run("--hub-kubeconfig", f.toString(), "--cluster-name", "mc1")).isEqualTo(2);
    assertThat(oneLine()).startsWith("error: hub kubeconfig " + f + ": not a valid kubeconfig").doesNotContain("s3cr3t");
  }

  @Test
  void missingRequiredOptionExitsTwo() {
    assertThat(run("--cluster-name", "mc1")).isEqualTo(2);
    assertThat(oneLine()).contains("--hub-kubeconfig");
  }

  @Test
  void clusterUnknownToTheHubExitsThree() throws Exception {
    KubernetesMockServer hub = MockApiServers.startCrud();
    try (var client = hub.createClient()) {
      MockApiServers.applyCrd(client, "managementclusters.cluster.flotilla.io");
      Path kc = dir.resolve("hub.kubeconfig");
      Files.writeString(kc, ClusterRegistration.agentKubeconfig(client.getConfiguration().getMasterUrl(), null,
          "tok", "ghost"));
      assertThat(run("--hub-kubeconfig", kc.toString(), "--cluster-name", "ghost", "--kubeconfig", kc.toString()))
          .isEqualTo(3);
      assertThat(oneLine())
          .isEqualTo("error: cluster \"ghost\" is not registered on the hub; run 'flotilla cluster add ghost' first");
    } finally {
      hub.destroy();
    }
  }

  @Test
  void unreachableHubExitsFour() throws Exception {
    Path kc = dir.resolve("hub.kubeconfig");
    Files.writeString(kc, ClusterRegistration.agentKubeconfig("http://127.0.0.1:1", null, "tok", "mc1"));
    assertThat(run("--hub-kubeconfig", kc.toString(), "--cluster-name", "mc1", "--kubeconfig", kc.toString()))
        .isEqualTo(4);
    assertThat(oneLine()).startsWith("error: cannot reach the hub at http://127.0.0.1:1");
  }

  @Test
  void parsesDurations() {
    assertThat(SpokeAgentMain.parseDuration("1s")).hasSeconds(1);
    assertThat(SpokeAgentMain.parseDuration("2m")).hasMinutes(2);
    assertThat(SpokeAgentMain.parseDuration("PT30S")).hasSeconds(30);
    assertThat(SpokeAgentMain.parseDuration("500ms")).hasMillis(500);
  }
}
