package io.flotilla.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubManagerMainTest {
  @TempDir Path dir;

  @Test
  void missingKubeconfigExitsTwoWithOneLine() {
    var err = new StringWriter();
    int code = HubManagerMain.run(new PrintWriter(err, true), "--kubeconfig", dir.resolve("nope").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: kubeconfig " + dir.resolve("nope") + ": no such file");
  }

  @Test
  void garbageKubeconfigExitsTwo() throws Exception {
    Path f = dir.resolve("kc");
    Files.writeString(f, "this: [is not: a kubeconfig\n");
    var err = new StringWriter();
    int code = HubManagerMain.run(new PrintWriter(err, true), "--kubeconfig", f.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip().lines()).singleElement().asString().startsWith("error: kubeconfig " + f);
  }

  @Test
  void shutdownGraceTakesTheProjectsDurations() {
    var err = new StringWriter();
    int code = HubManagerMain.run(new PrintWriter(err, true), "--shutdown-grace=soon");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --shutdown-grace: 'soon' is not a duration such as 90s, 10m or 1h30m");

    err = new StringWriter();
    code = HubManagerMain.run(new PrintWriter(err, true), "--shutdown-grace=0s");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --shutdown-grace must be more than 0s");
  }

  @Test
  void theClusterSourceFlagsAreCheckedBeforeAnythingStarts() {
    var err = new StringWriter();
    assertThat(HubManagerMain.run(new PrintWriter(err, true), "--cluster-source=acm")).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("error: --cluster-source: 'acm' is not a cluster source: use standalone, ocm or auto");

    err = new StringWriter();
    assertThat(HubManagerMain.run(new PrintWriter(err, true), "--cluster-source=standalone",
        "--cluster-placement=ops/mgmt")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --cluster-placement needs OCM: use --cluster-source=ocm or auto");

    err = new StringWriter();
    assertThat(HubManagerMain.run(new PrintWriter(err, true), "--cluster-placement=Ops/mgmt")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --cluster-placement: 'Ops/mgmt' is not a Placement as"
        + " namespace/name (or name, in flotilla-system)");

    err = new StringWriter();
    assertThat(HubManagerMain.run(new PrintWriter(err, true), "--reimport-timeout=0s")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --reimport-timeout must be more than 0s");
  }
}
