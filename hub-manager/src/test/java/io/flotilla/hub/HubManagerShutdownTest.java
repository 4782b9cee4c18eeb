package io.flotilla.hub;

import io.flotilla.testing.MockApiServers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hub-manager replicas as separate processes, the way a Deployment runs them, against one CRUD mock API server
 * over HTTP. SIGTERM to the leader (what the kubelet sends) must end it with status 0 within --shutdown-grace, and the
 * standby must lead at its next retry because the Lease was released, not after the Lease expired.
 */
class HubManagerShutdownTest {
  static final String NAMESPACE = "flotilla-system";
  static final Duration GRACE = Duration.ofSeconds(15);
  static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;
  KubernetesMockServer server;
  KubernetesClient client;
  Path kubeconfig;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void hub() throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    MockApiServers.stubLeaseAccess(server); // JOSDK checks its Lease permissions; the CRUD mock cannot answer
    client = server.createClient();
    kubeconfig = dir.resolve("hub.kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: hub
          cluster:
            server: "http://127.0.0.1:%d"
        users:
        - name: hub-manager
          user:
            token: "test-token"
        contexts:
        - name: hub
          context:
            cluster: hub
            user: hub-manager
        current-context: hub
        """.formatted(server.getPort()));
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    client.close();
    server.destroy();
  }

  @Test
  void sigtermReleasesLeadershipAndExitsZero() throws Exception {
    Process a = replica("hub-a");
    awaitRunning(a, "hub-a", () -> "hub-a".equals(holder(lease())));
    Process b = replica("hub-b");
    // hub-b is up and has seen hub-a lead: it is the standby
    awaitRunning(b, "hub-b", () -> log("hub-b").contains("hub-manager leader is hub-a"));
    assertThat(holder(lease())).isEqualTo("hub-a");

    List<Seen> seen = new CopyOnWriteArrayList<>();
    seen.add(new Seen(System.nanoTime(), lease()));
    try (Watch ignored = client.leases().inNamespace(NAMESPACE).withName(HubManager.LEADER_LEASE)
        .watch(new Watcher<>() {
          @Override public void eventReceived(Action action, Lease lease) { seen.add(new Seen(System.nanoTime(), lease)); }
          @Override public void onClose(WatcherException cause) { }
        })) {
      long sigterm = System.nanoTime();
      a.destroy(); // SIGTERM on Linux
      assertThat(a.waitFor(GRACE.toSeconds() + 10, TimeUnit.SECONDS)).as("hub-a exits").isTrue();
      Duration exit = Duration.ofNanos(System.nanoTime() - sigterm);
      // 0 also says the close finished within --shutdown-grace (an overrun exits 5)
      assertThat(a.exitValue()).as("hub-a's exit status; its log: %s", log("hub-a")).isZero();
      String logA = log("hub-a");
      System.out.println("hub-a's output:\n" + logA);
      assertThat(logA).contains("hub-manager hub-a released the leader lease");
      assertThat(logA.lines().filter(l -> l.matches("\\s+at \\S+\\(.*\\)") || l.startsWith("Caused by:")
          || l.contains("Exception in thread"))).as("stack trace lines in hub-a's output").isEmpty();

      // long enough for an expired Lease to change hands too, so that a missing release fails on the checks below
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> seen.stream().anyMatch(x -> "hub-b".equals(holder(x.lease()))));
      List<Seen> history = List.copyOf(seen);
      int firstByB = firstIndex(history, "hub-b");
      int lastByA = lastIndex(history.subList(0, firstByB), "hub-a");
      Duration takeover = Duration.ofNanos(history.get(firstByB).nanos() - sigterm);
      System.out.printf("hub-a exited %d ms after SIGTERM; hub-b held the lease %d ms after SIGTERM%n",
          exit.toMillis(), takeover.toMillis());

      // Released, not expired: hub-a left the Lease without a holder, and hub-b took it before hub-a's last renewal
      // would have run out.
      assertThat(history.subList(lastByA + 1, firstByB)).as("what hub-a wrote after its last renewal")
          .anySatisfy(x -> {
            assertThat(x.lease().getSpec().getHolderIdentity()).isNull();
            assertThat(x.lease().getSpec().getLeaseDurationSeconds()).isEqualTo(1);
          });
      var renewedByA = history.get(lastByA).lease().getSpec();
      Duration leaseDuration = Duration.ofSeconds(renewedByA.getLeaseDurationSeconds());
      assertThat(history.get(firstByB).lease().getSpec().getAcquireTime()).as("hub-b's acquire time")
          .isBefore(renewedByA.getRenewTime().plus(leaseDuration));
      assertThat(takeover).as("takeover, against a lease of %s", leaseDuration)
          .isLessThan(leaseDuration.multipliedBy(2).dividedBy(3));
    }

    b.destroy();
    assertThat(b.waitFor(GRACE.toSeconds() + 10, TimeUnit.SECONDS)).as("hub-b exits").isTrue();
    assertThat(b.exitValue()).as("hub-b's exit status; its log: %s", log("hub-b")).isZero();
  }

  @Test
  void anotherWayOfExitingStillClosesThroughTheShutdownHook() throws Exception {
    Process a = replica("hub-a");
    awaitRunning(a, "hub-a", () -> "hub-a".equals(holder(lease())));
    // SIGHUP is left to the JVM: it exits with 128 + 1 and runs the hooks
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(a.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(a.waitFor(GRACE.toSeconds() + 10, TimeUnit.SECONDS)).as("hub-a exits").isTrue();
    assertThat(a.exitValue()).as("hub-a's exit status; its log: %s", log("hub-a")).isEqualTo(129);
    assertThat(log("hub-a")).contains("hub-manager hub-a released the leader lease");
    assertThat(lease().getSpec().getHolderIdentity()).isNull();
  }

  record Seen(long nanos, Lease lease) {}

  /** Waits for {@code condition} while the replica runs; a failure shows the replica's output. */
  void awaitRunning(Process p, String identity, Callable<Boolean> condition) throws IOException {
    try {
      await().atMost(START).pollInterval(Duration.ofMillis(100)).failFast(identity + " exited", () -> !p.isAlive())
          .until(condition);
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "; " + identity + "'s output:\n" + log(identity), e);
    }
  }

  static int firstIndex(List<Seen> history, String holder) {
    for (int i = 0; i < history.size(); i++) {
      if (holder.equals(holder(history.get(i).lease()))) {
        return i;
      }
    }
    throw new AssertionError(holder + " never held the lease: " + history);
  }

  static int lastIndex(List<Seen> history, String holder) {
    for (int i = history.size() - 1; i >= 0; i--) {
      if (holder.equals(holder(history.get(i).lease()))) {
        return i;
      }
    }
    throw new AssertionError(holder + " never held the lease: " + history);
  }

  Lease lease() { return client.leases().inNamespace(NAMESPACE).withName(HubManager.LEADER_LEASE).get(); }

  static String holder(Lease lease) {
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  String log(String identity) throws IOException {
    Path out = dir.resolve(identity + ".out");
    Path err = dir.resolve(identity + ".err");
    return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(err) ? Files.readString(err) : "");
  }

  /** A replica in its own JVM with this test's classpath; each serves its webhook on a port of its own. */
  Process replica(String identity) throws IOException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        HubManagerMain.class.getName(), "--kubeconfig=" + kubeconfig, "--identity=" + identity,
        "--lease-namespace=" + NAMESPACE, "--webhook-port=" + freePort(),
        "--shutdown-grace=" + GRACE.toSeconds() + "s");
    Process p = new ProcessBuilder(command)
        .redirectOutput(dir.resolve(identity + ".out").toFile())
        .redirectError(dir.resolve(identity + ".err").toFile())
        .start();
    processes.add(p);
    return p;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
