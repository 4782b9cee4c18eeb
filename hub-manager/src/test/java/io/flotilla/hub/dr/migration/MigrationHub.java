package io.flotilla.hub.dr.migration;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.hub.cluster.ManagementClusterReconciler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/** A hub on the fabric8 CRUD mock with the DR CRDs, and the moves of the other parties: the operator and the agents. */
final class MigrationHub {
  static final String[] CRDS = {"managementclusters.cluster.flotilla.io", "backupstores.dr.flotilla.io",
      "hostedclustermigrations.dr.flotilla.io", "hostedclusterpauses.dr.flotilla.io",
      "hostedclusterbackups.dr.flotilla.io", "hostedclusterrestores.dr.flotilla.io",
      "hostedclusterteardowns.dr.flotilla.io"};
  static final NamespacedName HC = new NamespacedName("clusters", "hc-1");
  /** How far past the backup's revision a restored etcd is when its restore reports: its kube-apiserver writes. */
  static final long LIVE_WRITES = 42;

  final KubernetesClient client;

  MigrationHub(KubernetesClient client) {
    this.client = client;
    for (String name : CRDS) {
      try (InputStream in = MigrationHub.class.getResourceAsStream("/META-INF/fabric8/" + name + "-v1.yml")) {
        client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
        .withName(ManagementClusterReconciler.EVENT_NAMESPACE).endMetadata().build()).createOr(n -> n.update());
  }

  // ---- the operator

  /** A registered cluster: its namespace and ManagementCluster. */
  void cluster(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(n -> n.update());
    ManagementCluster mc = new ManagementCluster();
    mc.getMetadata().setName(name);
    client.resource(mc).create();
  }

  void declareLost(String cluster) {
    client.resources(ManagementCluster.class).withName(cluster)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"lost\":true}}");
  }

  void store(String name) {
    BackupStore s = new BackupStore();
    s.getMetadata().setName(name);
    s.getSpec().bucket = "backups";
    s.getSpec().credentialsSecret = new NamespacedName("flotilla", "s3");
    client.resource(s).create();
  }

  HostedClusterMigration migrate(String name, String source, String destination,
                                 Consumer<HostedClusterMigrationSpec> change) {
    HostedClusterMigration m = new HostedClusterMigration();
    m.getMetadata().setName(name);
    m.getSpec().hostedCluster = HC;
    m.getSpec().source = new HostedClusterMigrationSpec.Source();
    m.getSpec().source.cluster = source;
    m.getSpec().destination = new HostedClusterMigrationSpec.Destination();
    m.getSpec().destination.cluster = destination;
    change.accept(m.getSpec());
    return client.resource(m).create();
  }

  /** What `flotilla migrate rollback` does: a merge patch of one scalar. */
  void requestRollback(String name) {
    client.resources(HostedClusterMigration.class).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"rollback\":true}}");
  }

  HostedClusterMigration migration(String name) {
    return client.resources(HostedClusterMigration.class).withName(name).get();
  }

  HostedClusterMigrationStatus.Phase phase(String name) {
    HostedClusterMigration m = migration(name);
    return m == null || m.getStatus() == null ? null : m.getStatus().phase;
  }

  List<Event> events(String migration) {
    return client.v1().events().inNamespace(ManagementClusterReconciler.EVENT_NAMESPACE).list().getItems().stream()
        .filter(e -> migration.equals(e.getInvolvedObject().getName())).toList();
  }

  // ---- the records

  HostedClusterPause hold(String ns, String name) {
    return client.resources(HostedClusterPause.class).inNamespace(ns).withName(name).get();
  }

  HostedClusterBackup backup(String ns, String name) {
    return client.resources(HostedClusterBackup.class).inNamespace(ns).withName(name).get();
  }

  HostedClusterRestore restore(String ns, String name) {
    return client.resources(HostedClusterRestore.class).inNamespace(ns).withName(name).get();
  }

  HostedClusterTeardown teardown(String ns, String name) {
    return client.resources(HostedClusterTeardown.class).inNamespace(ns).withName(name).get();
  }

  /** Every record of the migration kinds in {@code ns}. */
  List<HasMetadata> records(String ns) {
    List<HasMetadata> all = new java.util.ArrayList<>();
    all.addAll(client.resources(HostedClusterPause.class).inNamespace(ns).list().getItems());
    all.addAll(client.resources(HostedClusterBackup.class).inNamespace(ns).list().getItems());
    all.addAll(client.resources(HostedClusterRestore.class).inNamespace(ns).list().getItems());
    all.addAll(client.resources(HostedClusterTeardown.class).inNamespace(ns).list().getItems());
    return all;
  }

  // ---- the agents: each writes only its record's status, by GET and PUT of /status

  void holdReports(String ns, String name, HostedClusterPauseStatus.Phase phase) {
    HostedClusterPause p = hold(ns, name);
    HostedClusterPauseStatus s = p.getStatus() == null ? new HostedClusterPauseStatus() : p.getStatus();
    s.phase = phase;
    if (phase == HostedClusterPauseStatus.Phase.Released) {
      s.releasedAt = io.flotilla.common.Time.format(Instant.now()); // and, as the agent, no observedGeneration
    } else {
      s.observedGeneration = p.getMetadata().getGeneration();
    }
    String type = phase == HostedClusterPauseStatus.Phase.Released ? HostedClusterPause.CONDITION_RELEASED
        : HostedClusterPause.CONDITION_PAUSED;
    Conditions.set(s.conditions, type, phase == HostedClusterPauseStatus.Phase.Failed ? Conditions.FALSE
        : Conditions.TRUE, phase.name(), "agent: " + phase, p.getMetadata().getGeneration(), Instant.now());
    p.setStatus(s);
    client.resource(p).updateStatus();
  }

  void backupReports(String ns, String name, HostedClusterBackupStatus.Phase phase, Long revision, Long keys,
                     String message) {
    HostedClusterBackup b = backup(ns, name);
    HostedClusterBackupStatus s = b.getStatus() == null ? new HostedClusterBackupStatus() : b.getStatus();
    s.phase = phase;
    if (revision != null) {
      s.snapshot = new HostedClusterBackupStatus.Snapshot();
      s.snapshot.etcdRevision = revision;
      s.snapshot.keys = keys;
    }
    Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED,
        phase == HostedClusterBackupStatus.Phase.Completed ? Conditions.TRUE : Conditions.FALSE, phase.name(), message,
        b.getMetadata().getGeneration(), Instant.now());
    b.setStatus(s);
    client.resource(b).updateStatus();
  }

  void restoreReports(String ns, String name, HostedClusterRestoreStatus.Phase phase, Long revision, Long keys,
                      Boolean matches, String message) {
    HostedClusterRestore r = restore(ns, name);
    HostedClusterRestoreStatus s = r.getStatus() == null ? new HostedClusterRestoreStatus() : r.getStatus();
    s.phase = phase;
    if (revision != null) {
      s.verification = new HostedClusterRestoreStatus.Verification();
      s.verification.atRevision = revision;
      // the restored kube-apiserver has written since: the live revision is past the one compared at
      s.verification.etcdRevision = revision + LIVE_WRITES;
      s.verification.keys = keys;
      s.verification.matchesBackup = matches;
    }
    Conditions.set(s.conditions, HostedClusterRestore.CONDITION_COMPLETED,
        phase == HostedClusterRestoreStatus.Phase.Completed ? Conditions.TRUE : Conditions.FALSE, phase.name(),
        message, r.getMetadata().getGeneration(), Instant.now());
    r.setStatus(s);
    client.resource(r).updateStatus();
  }

  void teardownReports(String ns, String name, HostedClusterTeardownStatus.Phase phase, String message) {
    HostedClusterTeardown t = teardown(ns, name);
    HostedClusterTeardownStatus s = t.getStatus() == null ? new HostedClusterTeardownStatus() : t.getStatus();
    s.phase = phase;
    if (phase == HostedClusterTeardownStatus.Phase.Halted) {
      Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_PRESERVATION_VERIFIED, Conditions.FALSE,
          HostedClusterTeardown.REASON_PRESERVATION_NOT_VERIFIED, message, t.getMetadata().getGeneration(),
          Instant.now());
    } else {
      Conditions.set(s.conditions, HostedClusterTeardown.CONDITION_COMPLETED,
          phase == HostedClusterTeardownStatus.Phase.Completed ? Conditions.TRUE : Conditions.FALSE, phase.name(),
          message, t.getMetadata().getGeneration(), Instant.now());
    }
    t.setStatus(s);
    client.resource(t).updateStatus();
  }
}
