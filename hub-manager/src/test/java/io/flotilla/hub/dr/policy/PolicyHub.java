package io.flotilla.hub.dr.policy;

import io.flotilla.testing.MockApiServers;

import io.flotilla.testing.MutableClock;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** A hub on the fabric8 CRUD mock with the DR CRDs, and the moves of the other parties (operator, agents). */
final class PolicyHub {
  static final String[] CRDS = {"managementclusters.cluster.flotilla.io", "backuppolicies.dr.flotilla.io",
      "hostedclusterbackups.dr.flotilla.io", "backupstores.dr.flotilla.io"};

  final KubernetesClient client;
  /** Starts at the wall clock: the mock stamps creationTimestamp with it. */
  final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  final BackupPolicyReconciler reconciler;

  PolicyHub(KubernetesClient client) {
    this.client = client;
    MockApiServers.applyCrds(client, CRDS);
    reconciler = new BackupPolicyReconciler(client, clock, Duration.ofSeconds(30));
  }

  BackupPolicyReconciler.Result reconcile(String policy) {
    return reconciler.reconcile(policy(policy), PolicyObjects.fromApi(client));
  }

  /**
   * A registered cluster whose agent reports {@code hostedClusters}: "ns/name" or "ns/name:key=value,key=value".
   */
  ManagementCluster cluster(String name, Map<String, String> labels, String... hostedClusters) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    mc.getMetadata().setLabels(labels);
    client.resource(mc).create();
    return reportHostedClusters(name, hostedClusters);
  }

  ManagementCluster reportHostedClusters(String cluster, String... hostedClusters) {
    ManagementCluster mc = client.resources(ManagementCluster.class).withName(cluster).get();
    List<String> names = new ArrayList<>();
    Map<String, Map<String, String>> labels = new TreeMap<>();
    for (String hc : hostedClusters) {
      String[] parts = hc.split(":");
      names.add(parts[0]);
      if (parts.length > 1) {
        Map<String, String> l = new LinkedHashMap<>();
        for (String kv : parts[1].split(",")) {
          l.put(kv.split("=")[0], kv.split("=")[1]);
        }
        labels.put(parts[0], l);
      }
    }
    mc.getStatus().hostedClusterNames = names;
    mc.getStatus().hostedClusterLabels = labels;
    mc.getStatus().hostedClusters = names.size();
    return client.resource(mc).updateStatus();
  }

  void editCluster(String name, Consumer<ManagementCluster> change) {
    client.resources(ManagementCluster.class).withName(name).edit(mc -> {
      change.accept(mc);
      return mc;
    });
  }

  BackupPolicy policy(String name, BackupPolicySpec spec) {
    BackupPolicy p = new BackupPolicy();
    p.getMetadata().setName(name);
    p.setSpec(spec);
    return client.resource(p).create();
  }

  BackupPolicy policy(String name) { return client.resources(BackupPolicy.class).withName(name).get(); }

  void editPolicy(String name, Consumer<BackupPolicySpec> change) {
    client.resources(BackupPolicy.class).withName(name).edit(p -> {
      change.accept(p.getSpec());
      return p;
    });
  }

  /**
   * A backup record as the agent writes it: scheduled by {@code policy} (null = on demand), finished
   * {@code finishedAgo} before the clock (null = still running).
   */
  HostedClusterBackup backup(String cluster, String name, String hostedCluster, String policy,
                             HostedClusterBackupStatus.Phase phase, Duration finishedAgo) {
    String[] hc = hostedCluster.split("/");
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace(cluster);
    b.getSpec().hostedCluster = new NamespacedName(hc[0], hc[1]);
    b.getSpec().store = "s3";
    if (policy != null) {
      b.getSpec().policy = policy;
      b.getMetadata().setLabels(Map.of(EffectiveBackupSchedule.POLICY_LABEL, policy));
      Instant scheduled = clock.instant().minus(finishedAgo == null ? Duration.ZERO : finishedAgo).minusSeconds(60);
      b.getMetadata().setAnnotations(Map.of(EffectiveBackupSchedule.SCHEDULED_TIME_ANNOTATION, Time.format(scheduled)));
    }
    b = client.resource(b).create();
    b.getStatus().phase = phase;
    b.getStatus().startedAt = Time.format(clock.instant().minus(finishedAgo == null ? Duration.ZERO : finishedAgo)
        .minusSeconds(30));
    b.getStatus().completedAt = finishedAgo == null ? null : Time.format(clock.instant().minus(finishedAgo));
    return client.resource(b).updateStatus();
  }

  /** The restore drill asked of a record, or null: its verify-requested annotation when it asks for one. */
  String drillRequest(String cluster, String name) {
    HostedClusterBackup b = client.resources(HostedClusterBackup.class).inNamespace(cluster).withName(name).get();
    String v = b.getMetadata().getAnnotations() == null ? null
        : b.getMetadata().getAnnotations().get(HostedClusterBackup.VERIFY_ANNOTATION);
    return HostedClusterBackup.asksForRestoreDrill(v) ? v : null;
  }

  /** The agent's answer to the drill asked of a record, as BackupVerifier writes it. */
  void answerDrill(String cluster, String name, boolean passed, String message) {
    String request = drillRequest(cluster, name);
    HostedClusterBackup b = client.resources(HostedClusterBackup.class).inNamespace(cluster).withName(name).get();
    b.getStatus().verification = new HostedClusterBackupStatus.Verification();
    b.getStatus().verification.request = request;
    b.getStatus().verification.passed = passed;
    b.getStatus().verification.message = message;
    b.getStatus().verification.verifiedAt = Time.format(clock.instant());
    b.getStatus().verification.drill = new HostedClusterBackupStatus.RestoreDrill();
    client.resource(b).updateStatus();
  }

  List<String> backups(String cluster) {
    return client.resources(HostedClusterBackup.class).inNamespace(cluster).list().getItems().stream()
        .map(b -> b.getMetadata().getName()).sorted().toList();
  }

  ConfigMap scheduleMap(String cluster) {
    return client.configMaps().inNamespace(cluster).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get();
  }

  EffectiveBackupSchedule schedule(String cluster) {
    ConfigMap cm = scheduleMap(cluster);
    return cm == null ? null : client.getKubernetesSerialization()
        .unmarshal(cm.getData().get(EffectiveBackupSchedule.DATA_KEY), EffectiveBackupSchedule.class);
  }

  /** policy → hosted clusters ("ns/name") in the cluster's schedule; empty when it has none. */
  Map<String, List<String>> entries(String cluster) {
    Map<String, List<String>> out = new TreeMap<>();
    EffectiveBackupSchedule s = schedule(cluster);
    if (s != null) {
      s.entries.forEach(e -> out.put(e.policy, e.hostedClusters.stream().map(NamespacedName::toString).toList()));
    }
    return out;
  }
}
