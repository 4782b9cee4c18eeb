package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What one hosted cluster's running kube-apiserver, and the clients writing through it, do to its etcd
 * (docs/hypershift-facts.md §8): the identity Lease of each replica, the leader-election and node Leases renewed,
 * scheduling events stored with a TTL, the {@code kubernetes} Endpoints and EndpointSlice when they differ, and a
 * compaction every interval. {@link #start} writes once at once (before the hosted cluster reports Available, as the
 * post-start hooks of a kube-apiserver run before it is ready), then on a thread of its own until {@link #close}.
 *
 * <p>A write that fails (etcd gone under it) is logged once per run of failures and retried at its next tick: a
 * kube-apiserver does not stop because etcd blinked.
 */
final class KubeApiServerWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeApiServerWriter.class);
  /** HyperShift's {@code --event-ttl} (§8.3). */
  static final Duration EVENT_TTL = Duration.ofHours(3);
  static final List<String> LEADER_ELECTED = List.of("kube-controller-manager", "kube-scheduler");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final String name;
  private final Client etcd;
  private final int replicas;
  private final Supplier<List<String>> nodes;
  private final KubeApiServerCadence cadence;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final EventLeases eventLeases;
  private final EtcdCompactor compactor;
  private final Map<String, RegistryObjects.Origin> origins = new ConcurrentHashMap<>();
  /** Holder identities, fixed for the life of this kube-apiserver (and its clients). */
  private final Map<String, String> holders = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean failing;
  private long events;

  /**
   * @param name     how logs and the thread name this kube-apiserver (its control-plane namespace)
   * @param etcd     the client it writes with; {@link #close} closes it
   * @param replicas the kube-apiserver Deployment's replicas: one identity Lease each
   * @param nodes    the hosted cluster's nodes now, whose kubelets renew a Lease each
   */
  KubeApiServerWriter(String name, Client etcd, int replicas, Supplier<List<String>> nodes,
                      KubeApiServerCadence cadence, Clock clock) {
    this.name = name;
    this.etcd = etcd;
    this.replicas = replicas;
    this.nodes = nodes;
    this.cadence = cadence;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(WorkQueue.daemon(threadName(name)));
    this.eventLeases = new EventLeases(etcd.getLeaseClient(), clock, CALL_TIMEOUT);
    this.compactor = new EtcdCompactor(etcd.getKVClient(), CALL_TIMEOUT);
  }

  static String threadName(String name) { return "kube-apiserver-" + name; }

  /** The first writes, on the caller's thread; then every write and the compaction at their cadence. */
  void start() {
    safely("identity leases", this::renewIdentityLeases);
    safely("leader-election leases", this::renewLeaderElectionLeases);
    safely("node leases", this::renewNodeLeases);
    safely("kubernetes endpoints", this::reconcileKubernetesEndpoints);
    safely("events", this::writeEvent);
    every(cadence.identityLeaseRenewal(), "identity leases", this::renewIdentityLeases);
    every(cadence.leaderElectionRetry(), "leader-election leases", this::renewLeaderElectionLeases);
    every(cadence.nodeLeaseRenewal(), "node leases", this::renewNodeLeases);
    every(cadence.events(), "events", this::writeEvent);
    every(cadence.compaction(), "compaction", this::compact);
  }

  private void renewIdentityLeases() throws Exception {
    for (int i = 0; i < replicas; i++) {
      String hostname = "kube-apiserver-" + i;
      String holder = holders.computeIfAbsent(hostname, h -> RegistryObjects.identityLeaseName(h) + "_" + UUID.randomUUID());
      put(RegistryObjects.identityLease(hostname, holder, origin("identity/" + hostname), clock.instant()), 0);
    }
  }

  private void renewLeaderElectionLeases() throws Exception {
    for (String component : LEADER_ELECTED) {
      String holder = holders.computeIfAbsent(component, c -> c + "-0_" + UUID.randomUUID());
      put(RegistryObjects.leaderElectionLease(component, holder, origin("leader/" + component), clock.instant()), 0);
    }
  }

  private void renewNodeLeases() throws Exception {
    for (String node : nodes.get()) {
      put(RegistryObjects.nodeLease(node, origin("node/" + node), clock.instant()), 0);
    }
  }

  private void writeEvent() throws Exception {
    List<String> now = nodes.get();
    long n = events++;
    String node = now.isEmpty() ? null : now.get((int) (n % now.size()));
    Instant at = clock.instant();
    put(RegistryObjects.schedulingEvent("default", "workload-" + n, node, UUID.randomUUID().toString(), at),
        eventLeases.leaseFor(EVENT_TTL.toSeconds()));
  }

  /** The hosted-cluster-config-operator's CreateOrUpdate: a write only when the stored value differs (§8.4). */
  private void reconcileKubernetesEndpoints() throws Exception {
    for (RegistryObjects.Entry e : List.of(RegistryObjects.kubernetesEndpoints(origin("endpoints")),
        RegistryObjects.kubernetesEndpointSlice(origin("endpointslice")))) {
      ByteSequence key = bytes(e.key());
      ByteSequence value = bytes(e.json());
      etcd.getKVClient().txn()
          .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(value)))
          .Else(Op.put(key, value, PutOption.DEFAULT))
          .commit().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void compact() throws Exception {
    long compactedTo = compactor.tick();
    if (compactedTo > 0) {
      LOG.info("kube-apiserver of {}: compacted etcd to revision {}", name, compactedTo);
    }
  }

  private void put(RegistryObjects.Entry entry, long lease) throws Exception {
    PutOption option = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
    etcd.getKVClient().put(bytes(entry.key()), bytes(entry.json()), option)
        .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private RegistryObjects.Origin origin(String what) {
    return origins.computeIfAbsent(what, w -> new RegistryObjects.Origin(UUID.randomUUID().toString(), clock.instant()));
  }

  private void every(Duration period, String what, Write write) {
    timer.scheduleWithFixedDelay(() -> safely(what, write), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void safely(String what, Write write) {
    if (closed.get()) {
      return;
    }
    try {
      write.run();
      if (failing) {
        failing = false;
        LOG.info("kube-apiserver of {}: writing to etcd again", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (!failing && !closed.get()) {
        failing = true;
        LOG.info("kube-apiserver of {}: {} not written ({}); retrying at the next tick", name, what, describe(e));
      }
    }
  }

  /** Stops the writes, waits for one in flight, closes the etcd client. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdown();
    try {
      if (!timer.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        timer.shutdownNow();
      }
    } catch (InterruptedException e) {
      timer.shutdownNow();
      Thread.currentThread().interrupt();
    }
    etcd.close();
  }

  private static String describe(Exception e) {
    Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  private static ByteSequence bytes(String s) { return ByteSequence.from(s, StandardCharsets.UTF_8); }

  @FunctionalInterface
  private interface Write {
    void run() throws Exception;
  }
}
