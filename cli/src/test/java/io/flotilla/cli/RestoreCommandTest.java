package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.sandbox.kube.MockApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `flotilla restore` in-process against a CRUD mock hub: what it writes, and what it refuses. No agent runs. */
class RestoreCommandTest {
  @TempDir
  Path dir;
  private MockApiServer api;
  private KubernetesClient hub;
  private Path kubeconfig;

  @BeforeEach
  void up() throws Exception {
    api = MockApiServer.start("hub");
    hub = api.adminClient();
    kubeconfig = dir.resolve("hub.kubeconfig");
    Files.writeString(kubeconfig, api.kubeconfig("admin", "test-token", null));
    BackupStore store = new BackupStore();
    store.getMetadata().setName("default");
    store.getSpec().bucket = "flotilla-backups";
    store.getSpec().credentialsSecret = new NamespacedName("flotilla-system", "s3");
    hub.resource(store).create();
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName("mc-2");
    hub.resource(mc).create();
    hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("mc-2").endMetadata().build()).create();
  }

  @AfterEach
  void down() {
    api.close();
  }

  @Test
  void noResumeCreatesARestoreThatStopsPaused() {
    Run run = flotilla("restore", "create", "mc-2", "--latest", "clusters/hc-1", "--source-cluster", "mc-1",
        "--name", "r1", "--no-resume");
    assertThat(run.code).as(run.err).isZero();
    HostedClusterRestore r = restore("r1");
    assertThat(r.getSpec().resume).isFalse();
    assertThat(r.getSpec().sourceCluster).isEqualTo("mc-1");
    assertThat(flotilla("restore", "create", "mc-2", "--latest", "clusters/hc-1", "--name", "r2").code).isZero();
    assertThat(restore("r2").getSpec().resume).as("default: resume").isNull();
  }

  @Test
  void resumeAsksAPausedRestoreToGoOnAndRefusesAnyOther() {
    flotilla("restore", "create", "mc-2", "--latest", "clusters/hc-1", "--name", "r1", "--no-resume");
    Run notPaused = flotilla("restore", "resume", "mc-2/r1");
    assertThat(notPaused.code).isEqualTo(2);
    assertThat(notPaused.err.strip()).isEqualTo("error: restore mc-2/r1 is New, not Paused: only a restore created "
        + "with --no-resume waits to be resumed");
    assertThat(restore("r1").isResumeRequested()).isFalse();

    HostedClusterRestore r = restore("r1");
    r.setStatus(new HostedClusterRestoreStatus());
    r.getStatus().phase = HostedClusterRestoreStatus.Phase.Paused;
    hub.resource(r).updateStatus();
    Run resumed = flotilla("restore", "resume", "mc-2/r1");
    assertThat(resumed.code).as(resumed.err).isZero();
    assertThat(resumed.out).contains("restore mc-2/r1: resume requested");
    assertThat(restore("r1").isResumeRequested()).isTrue();

    assertThat(flotilla("restore", "resume", "mc-2/nope").err.strip()).isEqualTo("error: no restore mc-2/nope");
    assertThat(flotilla("restore", "resume", "r1").code).isEqualTo(2);
  }

  @Test
  void failoverRefusesToWaitForARecoveryThatNoResumeLeavesToTheOperator() {
    Run run = flotilla("failover", "mc-1", "--to", "mc-2", "--no-resume", "--wait");
    assertThat(run.code).isEqualTo(2);
    assertThat(run.err.strip()).startsWith("error: --wait waits for recovery, which --no-resume leaves to");
  }

  private HostedClusterRestore restore(String name) {
    return hub.resources(HostedClusterRestore.class).inNamespace("mc-2").withName(name).get();
  }

  private record Run(int code, String out, String err) {}

  private Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }
}
