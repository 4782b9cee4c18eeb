package io.flotilla.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** `flotilla sandbox up` as a person runs it: a separate process, stopped with a signal. */
class SandboxProcessTest {
  private static final String CLI = "io.flotilla.cli.FlotillaCli";

  @Test
  void sandboxUpWritesItsFilesAndLeavesNoProcessBehindWhenStopped(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("fleet");
    Process sandbox = JavaProcess.start(tmp.resolve("sandbox.log"), Map.of(), CLI,
        "sandbox", "up", "--dir", dir.toString(), "--clusters", "1", "--hosted-per-cluster", "2", "--etcd-size", "1Mi",
        "--heartbeat", "1");
    try {
      Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
      while (!Files.exists(dir.resolve("ready"))) {
        assertThat(sandbox.isAlive()).as("sandbox exited early: " + Files.readString(Path.of(tmp + "/sandbox.log.err"))).isTrue();
        assertThat(Instant.now()).as("sandbox ready in time").isBefore(deadline);
        Thread.sleep(250);
      }
      assertThat(dir.resolve("hub.kubeconfig")).exists();
      assertThat(dir.resolve("mc-1.kubeconfig")).exists();
      assertThat(Files.readString(dir.resolve("s3.env")))
          .contains("S3_ENDPOINT=http", "S3_BUCKET=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_REGION=");

      List<ProcessHandle> etcds = sandbox.descendants()
          .filter(p -> p.info().command().map(c -> c.endsWith("/etcd")).orElse(false)).toList();
      assertThat(etcds).as("one real etcd per hosted cluster").hasSize(2);

      sandbox.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM runs its shutdown hooks
      assertThat(sandbox.waitFor(60, TimeUnit.SECONDS)).as("sandbox stops within a minute").isTrue();

      for (ProcessHandle etcd : etcds) {
        etcd.onExit().get(10, TimeUnit.SECONDS);
        assertThat(etcd.isAlive()).as("etcd pid " + etcd.pid() + " left behind").isFalse();
      }
      assertThat(dir.resolve("ready")).doesNotExist();
    } finally {
      sandbox.descendants().forEach(ProcessHandle::destroyForcibly);
      sandbox.destroyForcibly();
    }
  }

  @Test
  void withoutAnEtcdBinaryTheSandboxSaysHowToInstallIt(@TempDir Path tmp) throws Exception {
    Process p = JavaProcess.start(tmp.resolve("out.log"),
        Map.of("FLOTILLA_ETCD", tmp.resolve("no-such-etcd").toString(), "PATH", "/nonexistent"), CLI,
        "sandbox", "up", "--dir", tmp.resolve("fleet").toString());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    String err = Files.readString(Path.of(tmp + "/out.log.err"));
    assertThat(p.exitValue()).isNotZero();
    assertThat(err).contains("etcd").contains("apt-get install -y etcd-server");
    assertThat(err.strip().lines().count()).as("one clear line, no stack trace: " + err).isEqualTo(1);
    assertThat(tmp.resolve("fleet").resolve("ready")).doesNotExist();
  }
}
