package io.flotilla.agent.metrics;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.hub.metrics.FleetState;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Hub and spoke objects as controllers, agents and HyperShift leave them, for the metrics tests. */
final class MetricsFixtures {
  private MetricsFixtures() {}

  static Map<String, String> hc(String cluster, String name) {
    return Map.of("management_cluster", cluster, "hosted_cluster_namespace", "clusters", "hosted_cluster", name);
  }

  static HostedClusterBackup backup(String cluster, String hc, String name, Phase phase, String started,
                                    String completed) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withNamespace(cluster).withName(name)
        .withUid(UUID.nameUUIDFromBytes((cluster + "/" + name).getBytes()).toString()).build());
    b.getSpec().hostedCluster = new NamespacedName("clusters", hc);
    b.getSpec().store = "default";
    b.getStatus().phase = phase;
    b.getStatus().startedAt = started;
    b.getStatus().completedAt = completed;
    return b;
  }

  static HostedClusterBackup completed(String cluster, String hc, String name, String started, String completed,
                                       long storedBytes, String pauseWindow) {
    HostedClusterBackup b = backup(cluster, hc, name, Phase.Completed, started, completed);
    b.getStatus().snapshot = new HostedClusterBackupStatus.Snapshot();
    b.getStatus().snapshot.storedBytes = storedBytes;
    b.getStatus().pauseWindow = pauseWindow;
    return b;
  }

  /** {@code b}, its latest verification a passed restore drill. */
  static HostedClusterBackup drilled(HostedClusterBackup b) {
    b.getStatus().verification = new HostedClusterBackupStatus.Verification();
    b.getStatus().verification.request = HostedClusterBackup.restoreDrillRequest(
        java.time.Instant.parse(b.getStatus().completedAt).plusSeconds(5));
    b.getStatus().verification.passed = true;
    b.getStatus().verification.drill = new HostedClusterBackupStatus.RestoreDrill();
    return b;
  }

  static BackupPolicy policy(String name, int total, int compliant, String rpoTarget, String cluster, String hc,
                             boolean hcCompliant) {
    BackupPolicy p = new BackupPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(name).build());
    p.getSpec().schedule = "0 * * * *";
    p.getSpec().store = "default";
    p.getStatus().total = total;
    p.getStatus().compliant = compliant;
    p.getStatus().rpoTarget = rpoTarget;
    BackupPolicyStatus.HostedClusterRpo r = new BackupPolicyStatus.HostedClusterRpo();
    r.cluster = cluster;
    r.namespace = "clusters";
    r.name = hc;
    r.compliant = hcCompliant;
    p.getStatus().rpo = new java.util.ArrayList<>(List.of(r));
    return p;
  }

  /** {@code p} as a policy with restore drills reports it: each hosted cluster's verified RPO compliance too. */
  static BackupPolicy withDrills(BackupPolicy p) {
    p.getStatus().rpo.forEach(r -> r.verifiedCompliant = r.compliant);
    return p;
  }

  static FleetAddOn fleet(String addOn, int total, int succeeded, int progressing, int failed) {
    FleetAddOn f = new FleetAddOn();
    f.setMetadata(new ObjectMetaBuilder().withName(addOn).build());
    f.getSpec().version = "1.1.0";
    f.getStatus().total = total;
    f.getStatus().succeeded = succeeded;
    f.getStatus().progressing = progressing;
    f.getStatus().failed = failed;
    f.getStatus().pinned = 0;
    f.getStatus().unknown = 0;
    return f;
  }

  static ManagedAddOn managed(String cluster, String addOn, ManagedAddOnStatus.Phase phase) {
    ManagedAddOn m = new ManagedAddOn();
    m.setMetadata(new ObjectMetaBuilder().withNamespace(cluster).withName(addOn).build());
    m.getSpec().addOn = addOn;
    m.getStatus().desiredVersion = "1.1.0";
    m.getStatus().currentVersion = "1.0.0";
    m.getStatus().operation = new ManagedAddOnStatus.Operation();
    m.getStatus().operation.type = ManagedAddOnStatus.Type.Upgrade;
    m.getStatus().operation.phase = phase;
    return m;
  }

  /** A HostedCluster, paused ("true") since {@code pausedSince} per HyperShift's condition when that is not null. */
  static HostedCluster hostedCluster(String name, String pausedSince) {
    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setNamespace("clusters");
    hc.getMetadata().setName(name);
    if (pausedSince != null) {
      hc.getSpec().pausedUntil = "true";
      hc.getStatus().conditions.add(new ConditionBuilder().withType(HostedCluster.RECONCILIATION_ACTIVE)
          .withStatus("False").withReason(HostedCluster.REASON_PAUSED).withMessage("paused")
          .withLastTransitionTime(pausedSince).build());
    }
    return hc;
  }

  /** Every kind the hub's metrics read, so every hub series has at least one sample. */
  static FleetState fullFleet() {
    return new FleetState(
        List.of(drilled(completed("mc1", "hc1", "b1", "2026-01-01T02:00:00Z", "2026-01-01T02:01:00Z", 10, "1s")),
            backup("mc1", "hc1", "b2", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:00:10Z")),
        List.of(withDrills(policy("hourly", 1, 1, "1h10m", "mc1", "hc1", true))),
        List.of(fleet("foo", 2, 1, 0, 1)),
        List.of(managed("mc1", "foo", ManagedAddOnStatus.Phase.Failed)));
  }
}
