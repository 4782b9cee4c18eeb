package io.flotilla.hub.dr.migration;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;

import java.util.Map;
import java.util.Objects;

/**
 * The records one migration creates in the cluster namespaces, named deterministically after the migration so that a
 * pass after a crash finds what an earlier pass created instead of creating it again:
 * <ul>
 *   <li>{@code <source>/<migration>-hold}: the HostedClusterPause holding the source;</li>
 *   <li>{@code <source>/<migration>}: the HostedClusterBackup of the held source;</li>
 *   <li>{@code <destination>/<migration>}: the HostedClusterRestore;</li>
 *   <li>{@code <source>/<migration>-source-teardown}: the source's HostedClusterTeardown (purpose Migrated);</li>
 *   <li>{@code <destination>/<migration>-copy-teardown}: the destination copy's (purpose RolledBack).</li>
 * </ul>
 * Each carries {@link HostedClusterMigration#MIGRATION_LABEL} (the migration's name) and {@link HostedClusterMigration#MIGRATION_UID_LABEL}:
 * a record of an earlier migration of the same name is somebody else's and is never adopted.
 */
public record MigrationRecords(String migration, String source, String destination) {
  /** On every record a migration creates: the migration's uid. */
  /** Label values are at most 63 characters, and the migration's name is one. */
  public static final int MAX_NAME_LENGTH = 63;

  public MigrationRecords {
    Objects.requireNonNull(migration, "migration");
  }

  public String holdName() { return migration + "-hold"; }

  public String backupName() { return migration; }

  public String restoreName() { return migration; }

  public String sourceTeardownName() { return migration + "-source-teardown"; }

  public String copyTeardownName() { return migration + "-copy-teardown"; }

  public String hold() { return source + "/" + holdName(); }

  public String backup() { return source + "/" + backupName(); }

  public String restore() { return destination + "/" + restoreName(); }

  public String sourceTeardown() { return source + "/" + sourceTeardownName(); }

  public String copyTeardown() { return destination + "/" + copyTeardownName(); }

  /** The labels of every record of the migration {@code name} with uid {@code uid}. */
  public static Map<String, String> labels(String name, String uid) {
    return Map.of(HostedClusterMigration.MIGRATION_LABEL, name, HostedClusterMigration.MIGRATION_UID_LABEL, uid);
  }

  /** True if {@code record} was created by the migration {@code name} with uid {@code uid}. */
  public static boolean createdBy(HasMetadata record, String name, String uid) {
    Map<String, String> labels = record.getMetadata().getLabels();
    return labels != null && name.equals(labels.get(HostedClusterMigration.MIGRATION_LABEL))
        && Objects.equals(uid, labels.get(HostedClusterMigration.MIGRATION_UID_LABEL));
  }

  /**
   * The record a create action asks for, labelled for the migration {@code name} with uid {@code uid}.
   *
   * @param spec the migration's spec: a restore of the newest backup takes it from the source's folder, and pauses
   *             when the destination says {@code resume: false}
   */
  public static HasMetadata toRecord(MigrationPlan.Action action, String name, String uid,
      HostedClusterMigrationSpec spec) {
    String sourceCluster = spec == null || spec.source == null ? null : spec.source.cluster;
    ObjectMetaBuilder meta = new ObjectMetaBuilder().withLabels(labels(name, uid));
    if (action instanceof MigrationPlan.CreateHold a) {
      HostedClusterPause p = new HostedClusterPause();
      p.setMetadata(meta.withNamespace(a.namespace()).withName(a.name()).build());
      p.getSpec().hostedCluster = a.hostedCluster();
      p.getSpec().quiesceAPIServers = true;
      p.getSpec().pauseWorkers = true;
      return p;
    }
    if (action instanceof MigrationPlan.CreateBackup a) {
      HostedClusterBackup b = new HostedClusterBackup();
      b.setMetadata(meta.withNamespace(a.namespace()).withName(a.name()).build());
      b.getSpec().hostedCluster = a.hostedCluster();
      b.getSpec().store = a.store();
      // the hold quiesced them already; the backup finds them held and leaves them so
      b.getSpec().quiesceAPIServers = true;
      return b;
    }
    if (action instanceof MigrationPlan.CreateRestore a) {
      HostedClusterRestore r = new HostedClusterRestore();
      r.setMetadata(meta.withNamespace(a.namespace()).withName(a.name()).build());
      r.getSpec().store = a.store();
      if (a.backup() != null) {
        r.getSpec().backup = a.backup();
      } else {
        r.getSpec().hostedCluster = a.hostedCluster();
        r.getSpec().latest = true;
        // the newest backup taken on the source, never a namesake's from another cluster
        r.getSpec().sourceCluster = sourceCluster;
      }
      if (spec != null && spec.destination != null && Boolean.FALSE.equals(spec.destination.resume)) {
        r.getSpec().resume = false;
      }
      return r;
    }
    if (action instanceof MigrationPlan.CreateTeardown a) {
      HostedClusterTeardown t = new HostedClusterTeardown();
      t.setMetadata(meta.withNamespace(a.namespace()).withName(a.name()).build());
      t.getSpec().hostedCluster = a.hostedCluster();
      t.getSpec().purpose = a.purpose();
      t.getSpec().restoredBy = a.restoredBy();
      return t;
    }
    throw new IllegalArgumentException("not a create action: " + action);
  }
}
