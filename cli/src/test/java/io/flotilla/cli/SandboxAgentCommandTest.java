package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.sandbox.AgentProcesses;
import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.etcd.EtcdLauncher;
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
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A one-cluster sandbox whose agent is a process of its own (`sandbox up --agent-processes`): it joins, a SIGTERM
 * stops it for good, `flotilla sandbox agent start|stop` (in-process, as a person types it) bring it back and stop it,
 * and the fleet's close stops an agent the command started.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxAgentCommandTest {
  private static final String CLUSTER = "mc-1";

  @TempDir
  static Path tmp;
  private Path dir;
  private Fleet fleet;

  @BeforeAll
  void up() {
    try {
      EtcdLauncher.findEtcd();
    } catch (RuntimeException e) {
      assumeTrue(false, "no etcd: " + e.getMessage());
    }
    dir = tmp.resolve("fleet");
    fleet = Fleet.up(Fleet.Options.defaults(dir).withClusters(1).withHostedPerCluster(0)
        .withHeartbeat(Duration.ofSeconds(1), 5).withAgentProcesses(true), line -> { });
  }

  @AfterAll
  void down() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  @Order(1)
  void agentStartRefusesWithOneLineWhenTheSandboxOrTheClusterIsNotThere() {
    Run unknown = flotilla("sandbox", "agent", "start", "mc-9", "--dir", dir.toString());
    assertThat(unknown.code).isEqualTo(2);
    assertThat(unknown.oneErrorLine()).contains("no management cluster mc-9").contains("have " + CLUSTER);

    Run noSandbox = flotilla("sandbox", "agent", "start", CLUSTER, "--dir", tmp.resolve("nothing-here").toString());
    assertThat(noSandbox.code).isEqualTo(2);
    assertThat(noSandbox.oneErrorLine()).contains("no sandbox is up in").contains("sandbox up --agent-processes");

    Run stopUnknown = flotilla("sandbox", "agent", "stop", "mc-9", "--dir", dir.toString());
    assertThat(stopUnknown.code).isEqualTo(2);
    assertThat(stopUnknown.oneErrorLine()).contains("no management cluster mc-9");
  }

  @Test
  @Order(2)
  void theAgentProcessJoinsStaysStoppedOnceStoppedAndTheCliStartsAndStopsIt() throws Exception {
    AgentProcesses agents = fleet.agentProcesses().orElseThrow();
    ProcessHandle first = fleet.agentProcess(CLUSTER).orElseThrow();
    assertThat(first.isAlive()).isTrue();
    assertThat(Files.readString(agents.pidFile(CLUSTER)).strip()).isEqualTo(Long.toString(first.pid()));
    // the deployable's main with the deployment's flags (ps shows only the first 4 KiB; /proc has it all)
    assertThat(Files.readString(Path.of("/proc", Long.toString(first.pid()), "cmdline")).split("\0"))
        .containsSubsequence(AgentProcesses.MAIN, "--cluster-name", CLUSTER)
        .contains("--hub-kubeconfig", "--kubeconfig", "--relay-tls-dir", "--relay-url", "--namespace");
    assertThat(fleet.isAvailable(CLUSTER)).isTrue();
    awaitLeaseRenewed();

    // SIGTERM from outside, as an operator or a node drain would send it
    first.destroy();
    first.onExit().get(AgentProcesses.STOP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    await("pid file removed").atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(agents.pidFile(CLUSTER)));
    assertThat(agents.lastExitCode(CLUSTER)).as("exit code recorded").isPresent();
    assertThat(agents.lastExitCode(CLUSTER).getAsInt()).as("not killed").isNotEqualTo(137);
    // nothing brings it back: the hub's grace (5 heartbeats) runs out and the cluster goes Unknown
    String lastRenewal = renewTime();
    await("Unknown after the grace period").atMost(Duration.ofSeconds(20))
        .until(() -> "Unknown".equals(fleet.availability(CLUSTER)));
    assertThat(renewTime()).as("no renewal while stopped").isEqualTo(lastRenewal);
    assertThat(agents.running(CLUSTER)).isEmpty();
    assertThat(agents.pidFile(CLUSTER)).doesNotExist();

    Run start = flotilla("sandbox", "agent", "start", CLUSTER, "--dir", dir.toString());
    assertThat(start.code).as(start.err).isZero();
    ProcessHandle second = fleet.agentProcess(CLUSTER).orElseThrow();
    assertThat(second.pid()).isNotEqualTo(first.pid());
    assertThat(start.out).contains("agent " + CLUSTER + " started (pid " + second.pid() + ")")
        .contains("agent " + CLUSTER + " joined: lease renewed at ");
    assertThat(second.isAlive()).as("outlives the command").isTrue();
    await("Available again").atMost(Duration.ofSeconds(20)).until(() -> fleet.isAvailable(CLUSTER));

    Run again = flotilla("sandbox", "agent", "start", CLUSTER, "--dir", dir.toString());
    assertThat(again.code).isEqualTo(1);
    assertThat(again.oneErrorLine()).endsWith("already running (pid " + second.pid() + ")");

    Run status = flotilla("sandbox", "agent", "status", "--dir", dir.toString());
    assertThat(status.code).as(status.err).isZero();
    assertThat(status.out).containsPattern(CLUSTER + " +running +" + second.pid() + " ");

    Run stop = flotilla("sandbox", "agent", "stop", CLUSTER, "--dir", dir.toString());
    assertThat(stop.code).as(stop.err).isZero();
    assertThat(stop.out).containsPattern("agent " + CLUSTER + " stopped \\(pid " + second.pid() + ", exit code \\d+\\)");
    assertThat(second.isAlive()).isFalse();
    assertThat(agents.pidFile(CLUSTER)).doesNotExist();
    assertThat(flotilla("sandbox", "agent", "stop", CLUSTER, "--dir", dir.toString()).out).contains("is not running");

    // `sandbox up`'s Ctrl-C closes the fleet: that stops an agent the command started, too
    assertThat(flotilla("sandbox", "agent", "start", CLUSTER, "--dir", dir.toString()).code).isZero();
    ProcessHandle third = fleet.agentProcess(CLUSTER).orElseThrow();
    fleet.close();
    assertThat(third.isAlive()).isFalse();
    assertThat(agents.pidFile(CLUSTER)).doesNotExist();
  }

  private void awaitLeaseRenewed() {
    String before = renewTime();
    await("lease renewed").atMost(Duration.ofSeconds(10)).until(() -> !Objects.equals(before, renewTime()));
  }

  private String renewTime() {
    Lease lease = fleet.hub().leases().inNamespace(CLUSTER).withName(ClusterRegistration.AGENT_LEASE).get();
    return lease == null ? null : String.valueOf(lease.getSpec().getRenewTime());
  }

  private record Run(int code, String out, String err) {
    String oneErrorLine() {
      assertThat(err.strip().lines()).as("exactly one line on stderr:\n" + err).hasSize(1);
      return err.strip();
    }
  }

  private static Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }
}
