package io.flotilla.hub.metrics;

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
import java.util.Map;
import java.util.UUID;

/** Hub objects as the controllers and agents leave them, for the metrics tests. */
final class FleetFixtures {
  private FleetFixtures() {}

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

  static BackupPolicy policy(String name, int total, int compliant, String rpoTarget,
                             BackupPolicyStatus.HostedClusterRpo... rpo) {
    BackupPolicy p = new BackupPolicy();
    p.setMetadata(new ObjectMetaBuilder().withName(name).build());
    p.getSpec().schedule = "0 * * * *";
    p.getSpec().store = "default";
    p.getStatus().total = total;
    p.getStatus().compliant = compliant;
    p.getStatus().rpoTarget = rpoTarget;
    p.getStatus().rpo = new java.util.ArrayList<>(java.util.List.of(rpo));
    return p;
  }

  static BackupPolicyStatus.HostedClusterRpo rpo(String cluster, String hc, boolean compliant) {
    BackupPolicyStatus.HostedClusterRpo r = new BackupPolicyStatus.HostedClusterRpo();
    r.cluster = cluster;
    r.namespace = "clusters";
    r.name = hc;
    r.compliant = compliant;
    return r;
  }

  static FleetAddOn fleet(String addOn, int total, int succeeded, int progressing, int failed, int pinned,
                          int unknown) {
    FleetAddOn f = new FleetAddOn();
    f.setMetadata(new ObjectMetaBuilder().withName(addOn).build());
    f.getSpec().version = "1.1.0";
    f.getStatus().total = total;
    f.getStatus().succeeded = succeeded;
    f.getStatus().progressing = progressing;
    f.getStatus().failed = failed;
    f.getStatus().pinned = pinned;
    f.getStatus().unknown = unknown;
    return f;
  }

  static ManagedAddOn managed(String cluster, String addOn, ManagedAddOnStatus.Type type,
                              ManagedAddOnStatus.Phase phase, String desired, String current) {
    ManagedAddOn m = new ManagedAddOn();
    m.setMetadata(new ObjectMetaBuilder().withNamespace(cluster).withName(addOn).build());
    m.getSpec().addOn = addOn;
    m.getStatus().desiredVersion = desired;
    m.getStatus().currentVersion = current;
    m.getStatus().operation = new ManagedAddOnStatus.Operation();
    m.getStatus().operation.type = type;
    m.getStatus().operation.phase = phase;
    m.getStatus().operation.toVersion = desired;
    return m;
  }
}
