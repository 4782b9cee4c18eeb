package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A simulated klusterlet: the registration agent of one managed cluster (docs/ocm-facts.md §2.3, §I2.1, §I2.3,
 * §I6.1). While it runs it renews the lease {@code managed-cluster-lease} in its cluster namespace on the hub every
 * {@code leaseDurationSeconds}, and keeps its part of the ManagedCluster's status: {@code ManagedClusterJoined} once
 * the hub accepted it, {@code ManagedClusterConditionAvailable} True or False from the cluster's API server, and, once
 * joined and while it answers, the cluster's ClusterClaims ({@link ExposedClaims}).
 *
 * <p>{@link #stop()} is an outage as the hub sees one: renewals and status updates stop, so after five lease
 * durations the hub marks the cluster Unknown and taints it unreachable; {@link #start()} resumes both, and the next
 * status update says Available again. A management cluster's klusterlet runs on it; a hosted cluster's runs in Hosted
 * mode on its management cluster and reads the hosted control plane there (docs/ocm-facts.md §I2.6).
 */
public final class Klusterlet {
  private static final Logger LOG = LoggerFactory.getLogger(Klusterlet.class);

  /** What the registration agent sees of its managed cluster. */
  interface Cluster {
    /** Available True or False, from its API server's health (OCM's /livez, then /healthz). */
    DesiredCondition available();

    /** Its ClusterClaims; read only while it is available. */
    List<ClusterClaim> claims();
  }

  private final String name;
  private final KubernetesClient hub;
  private final Cluster cluster;
  private final Clock clock;
  private final ControllerQueue queue;
  private boolean running;
  /** Which run a scheduled renewal belongs to: a stop and start in between must not leave two chains of them. */
  private long generation;

  Klusterlet(String name, KubernetesClient hub, Cluster cluster, Clock clock, ControllerQueue queue) {
    this.name = name;
    this.hub = hub;
    this.cluster = cluster;
    this.clock = clock;
    this.queue = queue;
  }

  /** The ManagedCluster it registers. */
  public String name() { return name; }

  public synchronized boolean isRunning() { return running; }

  /** Starts (or resumes) renewing the lease and reporting status; a running klusterlet is left as it is. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    long run = ++generation;
    LOG.info("klusterlet {} started", name);
    queue.enqueue(key("tick"), () -> tick(run));
  }

  /** Stops renewing the lease and reporting status, as an agent that died or lost the hub would. */
  public synchronized void stop() {
    if (running) {
      running = false;
      generation++;
      LOG.info("klusterlet {} stopped: its lease is no longer renewed", name);
    }
  }

  /** Something it watches changed (its ManagedCluster, a ClusterClaim): report status again, if it runs. */
  void kick() {
    if (isRunning()) {
      queue.enqueue(key("status"), this::syncStatus);
    }
  }

  private void tick(long run) {
    synchronized (this) {
      if (!running || run != generation) {
        return;
      }
    }
    Duration period = Duration.ofSeconds(Ocm.DEFAULT_LEASE_DURATION_SECONDS);
    try {
      ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
      if (mc != null) {
        period = LeaseExpiry.leaseDuration(mc.getSpec() == null ? null : mc.getSpec().leaseDurationSeconds);
      }
      renewLease();
      syncStatus();
    } catch (KubernetesClientException e) {
      LOG.debug("klusterlet {}: {}", name, e.getMessage());
    } finally {
      // OCM renews every lease duration with a jitter of up to 25 %; the sandbox renews exactly on time
      queue.enqueueAfter(key("tick"), () -> tick(run), period);
    }
  }

  /**
   * Renews the lease the hub created, once the hub accepted the cluster (OCM's spoke lease controller); a missing
   * lease is left to the hub.
   */
  synchronized void renewLease() {
    ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
    if (mc == null || !Conditions.isTrue(conditions(mc), ManagedCluster.HUB_ACCEPTED)) {
      return;
    }
    Lease lease = hub.leases().inNamespace(name).withName(Ocm.LEASE_NAME).get();
    if (lease == null) {
      return;
    }
    lease.getSpec().setRenewTime(ZonedDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
    try {
      hub.leases().inNamespace(name).resource(lease).update();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /**
   * One pass of OCM's ManagedCluster status controller on the spoke: nothing before the hub accepted the cluster;
   * then Joined, Available from the cluster, and the claims once joined and only while the cluster answers.
   */
  synchronized void syncStatus() {
    ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
    if (mc == null || !Conditions.isTrue(conditions(mc), ManagedCluster.HUB_ACCEPTED)) {
      return;
    }
    DesiredCondition available = cluster.available();
    List<ClusterClaim> claims = Conditions.TRUE.equals(available.status()) ? cluster.claims() : null;
    var now = clock.instant();
    Writes.updateStatus(hub, () -> hub.resources(ManagedCluster.class).withName(name).get(), status -> {
      ManagedCluster.Status s = status == null ? new ManagedCluster.Status() : status;
      List<Condition> conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
      if (!Conditions.isTrue(conditions, ManagedCluster.JOINED)) {
        Conditions.set(conditions, ManagedCluster.JOINED, Conditions.TRUE, Ocm.REASON_JOINED, "Managed cluster joined",
            null, now);
      }
      Conditions.set(conditions, available, null, now);
      s.conditions = conditions;
      if (claims != null) {
        ExposedClaims.Result exposed = ExposedClaims.of(claims, ExposedClaims.DEFAULT_MAX_CUSTOM_CLAIMS, Set.of());
        if (exposed.truncated() > 0) {
          LOG.info("klusterlet {}: {} custom cluster claims truncated", name, exposed.truncated());
        }
        s.clusterClaims = exposed.claims().isEmpty() && s.clusterClaims == null ? null : exposed.claims();
      }
      return s;
    });
  }

  private String key(String what) { return "klusterlet:" + name + ":" + what; }

  private static List<Condition> conditions(ManagedCluster mc) {
    return mc.getStatus() == null ? null : mc.getStatus().conditions;
  }
}
