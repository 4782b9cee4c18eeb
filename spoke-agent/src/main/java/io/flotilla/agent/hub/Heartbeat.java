package io.flotilla.agent.hub;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.AgentConfig;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent's heartbeat: renews the Lease {@value #AGENT_LEASE} in the cluster namespace on the hub and reports the
 * agent-owned status fields of the ManagementCluster (agentVersion, hostedClusters, hostedClusterNames,
 * hostedClusterLabels), only when they changed, so the hub's conditions are never overwritten and a steady fleet costs
 * one Lease write per beat.
 * lastHeartbeatTime is the hub's: it derives it from the Lease. Interval: spec.leaseDurationSeconds if set, else the
 * configured default.
 */
public class Heartbeat implements AutoCloseable {
  /** Same as ClusterRegistration.AGENT_LEASE on the hub. */
  public static final String AGENT_LEASE = "flotilla-agent";

  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final AgentConfig config;
  private final String identity;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private volatile boolean stopped;
  private volatile boolean hostedClusterCrdMissingLogged;
  private volatile Instant lastRenewal;
  private volatile Duration interval;

  public Heartbeat(KubernetesClient hub, KubernetesClient local, AgentConfig config, String identity) {
    this(hub, local, config, identity, Clock.systemUTC());
  }

  public Heartbeat(KubernetesClient hub, KubernetesClient local, AgentConfig config, String identity, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.config = Objects.requireNonNull(config, "config");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.interval = config.heartbeatInterval();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat-" + config.clusterName());
      t.setDaemon(true);
      return t;
    });
  }

  /** Beats now, then every interval until {@link #close()}. */
  public void start() {
    scheduler.execute(this::tick);
  }

  /** The time of the last successful lease renewal, or null. */
  public Instant lastRenewal() { return lastRenewal; }

  /** The interval in use (spec.leaseDurationSeconds or the default). */
  public Duration interval() { return interval; }

  private void tick() {
    if (stopped) {
      return;
    }
    try {
      beat();
    } catch (RuntimeException e) {
      log.warn("heartbeat for cluster {} failed: {}", config.clusterName(), oneLine(e));
    } finally {
      if (!stopped) {
        try {
          scheduler.schedule(this::tick, interval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
          // closed concurrently
        }
      }
    }
  }

  /** One heartbeat: read the interval, renew the lease, report status. Visible for tests. */
  public void beat() {
    String cluster = config.clusterName();
    ManagementCluster mc = hub.resources(ManagementCluster.class).withName(cluster).get();
    if (mc == null) {
      log.warn("cluster {} is no longer registered on the hub; not renewing", cluster);
      return;
    }
    interval = intervalFor(mc, config.heartbeatInterval());
    Instant now = clock.instant();
    renewLease(cluster, now);
    lastRenewal = now;
    reportStatus(mc);
  }

  static Duration intervalFor(ManagementCluster mc, Duration fallback) {
    Integer s = mc.getSpec() == null ? null : mc.getSpec().leaseDurationSeconds;
    return s != null && s > 0 ? Duration.ofSeconds(s) : fallback;
  }

  private void renewLease(String ns, Instant now) {
    ZonedDateTime renew = ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    int seconds = (int) Math.max(1, interval.toSeconds());
    var leases = hub.leases().inNamespace(ns);
    Lease lease = leases.withName(AGENT_LEASE).get();
    if (lease == null) {
      leases.resource(new LeaseBuilder().withNewMetadata().withName(AGENT_LEASE).withNamespace(ns).endMetadata()
          .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds(seconds)
          .withAcquireTime(renew).withRenewTime(renew).endSpec().build()).create();
      return;
    }
    if (lease.getSpec().getAcquireTime() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
      lease.getSpec().setAcquireTime(renew);
      lease.getSpec().setHolderIdentity(identity);
    }
    lease.getSpec().setLeaseDurationSeconds(seconds);
    lease.getSpec().setRenewTime(renew);
    leases.resource(lease).update();
  }

  /**
   * Only the agent's fields, and only what changed: scalars with a JSON merge patch (which also creates /status if
   * missing), the list with a JSON Patch "add" (the fabric8 CRUD mock appends arrays on merge instead of replacing).
   */
  private void reportStatus(ManagementCluster mc) {
    List<HostedCluster> hostedClusters = hostedClusters();
    List<String> names = hostedClusters.stream().map(Heartbeat::key).sorted().toList();
    Map<String, Map<String, String>> labels = hostedClusterLabels(hostedClusters);
    var reported = mc.getStatus();
    var ops = hub.resources(ManagementCluster.class).withName(mc.getMetadata().getName()).subresource("status");
    if (reported == null || !Objects.equals(reported.agentVersion, config.version())
        || !Objects.equals(reported.hostedClusters, names.size())) {
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("agentVersion", config.version());
      status.put("hostedClusters", names.size());
      ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("status", status)));
    }
    if (reported == null || !names.equals(reported.hostedClusterNames)) {
      try {
        ops.patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(
            List.of(Map.of("op", "add", "path", "/status/hostedClusterNames", "value", names))));
      } catch (KubernetesClientException e) {
        // "add /status/hostedClusterNames" needs /status to exist on the server (RFC 6902), and fabric8's getStatus()
        // is never null, so an object without status looks like one with it. A merge patch creates /status; the list
        // is cleared first because the CRUD mock appends arrays on merge instead of replacing them.
        Map<String, Object> cleared = new LinkedHashMap<>();
        cleared.put("hostedClusterNames", null);
        ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("status", cleared)));
        ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(
            Map.of("status", Map.of("hostedClusterNames", names))));
      }
    }
    Map<String, Map<String, String>> reportedLabels = reported == null || reported.hostedClusterLabels == null
        ? Map.of() : reported.hostedClusterLabels;
    if (!labels.equals(reportedLabels)) {
      // A map, so a merge patch would keep labels and hosted clusters that are gone: JSON Patch "add" replaces it.
      try {
        ops.patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(
            List.of(Map.of("op", "add", "path", "/status/hostedClusterLabels", "value", labels))));
      } catch (KubernetesClientException e) {
        // no /status on the server yet (see above): create it with a merge patch, clearing the field first
        Map<String, Object> cleared = new LinkedHashMap<>();
        cleared.put("hostedClusterLabels", null);
        ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(Map.of("status", cleared)));
        ops.patch(PatchContext.of(PatchType.JSON_MERGE), hub.getKubernetesSerialization().asJson(
            Map.of("status", Map.of("hostedClusterLabels", labels))));
      }
    }
  }

  /** Labels of each HostedCluster that has any, by "namespace/name", sorted: what hosted-cluster selectors match. */
  static Map<String, Map<String, String>> hostedClusterLabels(List<HostedCluster> hostedClusters) {
    Map<String, Map<String, String>> labels = new java.util.TreeMap<>();
    for (HostedCluster hc : hostedClusters) {
      Map<String, String> l = hc.getMetadata().getLabels();
      if (l != null && !l.isEmpty()) {
        labels.put(key(hc), new java.util.TreeMap<>(l));
      }
    }
    return labels;
  }

  private static String key(HostedCluster hc) {
    return hc.getMetadata().getNamespace() + "/" + hc.getMetadata().getName();
  }

  /** Every HostedCluster on the local cluster; empty if HyperShift is not installed. */
  private List<HostedCluster> hostedClusters() {
    try {
      return local.resources(HostedCluster.class).inAnyNamespace().list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        if (!hostedClusterCrdMissingLogged) {
          hostedClusterCrdMissingLogged = true;
          log.info("no HostedCluster CRD on the local cluster; reporting 0 hosted clusters");
        }
        return List.of();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    stopped = true;
    io.flotilla.agent.work.AgentWork.finishThenStop(scheduler, java.time.Duration.ofSeconds(5));
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
