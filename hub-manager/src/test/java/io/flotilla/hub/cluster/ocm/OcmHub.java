package io.flotilla.hub.cluster.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.common.EventRecorder;
import io.flotilla.common.Time;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.testing.MockApiServers;
import io.flotilla.testing.MutableClock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** An OCM hub on the fabric8 CRUD mock, and the moves of OCM's hub controllers, the klusterlets and the agents. */
final class OcmHub {
  static final String[] CRDS = {"managementclusters.cluster.flotilla.io",
      "managedclusters.cluster.open-cluster-management.io", "placementdecisions.cluster.open-cluster-management.io"};

  final KubernetesClient client;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

  OcmHub(KubernetesClient client) {
    this.client = client;
    MockApiServers.applyCrds(client, CRDS);
    namespace(EventRecorder.CLUSTER_SCOPED_NAMESPACE);
  }

  void namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
  }

  /**
   * A ManagedCluster the hub accepted and whose klusterlet joined (OCM then made its namespace, docs/ocm-facts.md §I2.2),
   * Available True, as changed by {@code change}.
   */
  ManagedCluster managedCluster(String name, Consumer<ManagedCluster> change) {
    namespace(name);
    ManagedCluster mc = new ManagedCluster();
    mc.getMetadata().setName(name);
    mc.getMetadata().setLabels(new HashMap<>(Map.of("name", name)));
    mc.getSpec().hubAcceptsClient = true;
    mc.setStatus(new ManagedCluster.Status());
    mc.getStatus().conditions = new ArrayList<>();
    condition(mc, ManagedCluster.JOINED, "True", "ManagedClusterJoined", "Managed cluster joined");
    condition(mc, ManagedCluster.AVAILABLE, "True", "ManagedClusterAvailable", "Managed cluster is available");
    change.accept(mc);
    return write(mc);
  }

  ManagedCluster managedCluster(String name) { return client.resources(ManagedCluster.class).withName(name).get(); }

  /** Changes a ManagedCluster as OCM's controllers would (spec and status). */
  ManagedCluster editManagedCluster(String name, Consumer<ManagedCluster> change) {
    ManagedCluster mc = managedCluster(name);
    change.accept(mc);
    return write(mc);
  }

  private ManagedCluster write(ManagedCluster mc) {
    ManagedCluster.Status status = mc.getStatus();
    mc.setStatus(null);
    ManagedCluster written = client.resource(mc).createOr(op -> op.update());
    written.setStatus(status);
    return client.resource(written).updateStatus();
  }

  static void condition(ManagedCluster mc, String type, String status, String reason, String message) {
    if (mc.getStatus() == null) {
      mc.setStatus(new ManagedCluster.Status());
    }
    if (mc.getStatus().conditions == null) {
      mc.getStatus().conditions = new ArrayList<>();
    }
    Conditions.set(mc.getStatus().conditions, type, status, reason, message, null, Instant.parse("2026-03-01T11:00:00Z"));
  }

  /** The hypershift-addon's claim on a management cluster (docs/ocm-facts.md §I2.6). */
  static void hosting(ManagedCluster mc) {
    ManagedCluster.ClusterClaimValue claim = new ManagedCluster.ClusterClaimValue();
    claim.name = ClusterClaim.HOSTING_CLUSTER;
    claim.value = "true";
    mc.getStatus().clusterClaims = new ArrayList<>(List.of(claim));
  }

  /** What OCM does once a cluster's lease stopped: Available Unknown, and the unreachable taint (§I2.1). */
  static void leaseStopped(ManagedCluster mc) {
    condition(mc, ManagedCluster.AVAILABLE, "Unknown", ManagedCluster.REASON_LEASE_UPDATE_STOPPED,
        "Registration agent stopped updating its lease.");
    ManagedCluster.Taint t = new ManagedCluster.Taint();
    t.key = ManagedCluster.TAINT_UNREACHABLE;
    t.effect = ManagedCluster.EFFECT_NO_SELECT;
    t.timeAdded = "2026-03-01T12:00:00Z";
    mc.getSpec().taints = new ArrayList<>(List.of(t));
  }

  /** ...and once it answers again. */
  static void leaseRenewed(ManagedCluster mc) {
    condition(mc, ManagedCluster.AVAILABLE, "True", "ManagedClusterAvailable", "Managed cluster is available");
    mc.getSpec().taints = null;
  }

  /** The Flotilla agent's heartbeat in the cluster namespace, renewed at {@code at}. */
  void heartbeat(String cluster, Instant at) {
    client.leases().inNamespace(cluster).resource(new LeaseBuilder().withNewMetadata()
        .withName(ClusterRegistration.AGENT_LEASE).withNamespace(cluster).endMetadata()
        .withNewSpec().withHolderIdentity(cluster).withLeaseDurationSeconds(60)
        .withRenewTime(at.atZone(ZoneOffset.UTC)).endSpec().build()).createOr(op -> op.update());
  }

  Lease lease(String cluster) {
    return client.leases().inNamespace(cluster).withName(ClusterRegistration.AGENT_LEASE).get();
  }

  ManagementCluster managementCluster(String name) {
    return client.resources(ManagementCluster.class).withName(name).get();
  }

  /** A ManagementCluster as ManagedClusterReconciler makes one. */
  ManagementCluster ocmManagementCluster(String name) {
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getMetadata().setLabels(Map.of(ManagementClusterSourcing.SOURCE_LABEL, ManagementClusterSourcing.SOURCE_OCM));
    mc.setStatus(null);
    return client.resource(mc).create();
  }

  /** Page {@code n} of a Placement's decision, as OCM's placement controller writes it (object, then status). */
  void decision(String namespace, String placement, int n, String... clusters) {
    PlacementDecision pd = new PlacementDecision();
    pd.getMetadata().setName(placement + "-decision-" + n);
    pd.getMetadata().setNamespace(namespace);
    pd.getMetadata().setLabels(Map.of(PlacementDecision.PLACEMENT_LABEL, placement));
    namespace(namespace);
    pd = client.resource(pd).createOr(op -> op.update());
    pd.setStatus(new PlacementDecision.Status());
    for (String c : clusters) {
      PlacementDecision.Decision d = new PlacementDecision.Decision();
      d.clusterName = c;
      pd.getStatus().decisions.add(d);
    }
    client.resource(pd).updateStatus();
  }

  static String status(ManagementCluster mc, String type) {
    return mc.getStatus() == null ? null : Conditions.statusOf(mc.getStatus().conditions, type);
  }

  static Condition condition(ManagementCluster mc, String type) {
    return Conditions.find(mc.getStatus().conditions, type).orElseThrow();
  }

  static String time(Instant i) { return Time.format(i); }
}
