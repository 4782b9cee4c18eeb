package io.flotilla.agent.schedule;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

/**
 * The "take one backup" step without etcd or a bucket: writes the status a real backup writes (InProgress, then
 * Completed with a location) to the spoke's record through HubRecords bound to the spoke's client, and notes any
 * overlap of two backups of one hosted cluster.
 */
final class FakeBackups implements ScheduleRunner.BackupStep {
  final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  final List<String> taken = new CopyOnWriteArrayList<>();
  final List<String> overlaps = new CopyOnWriteArrayList<>();
  private final Set<NamespacedName> running = ConcurrentHashMap.newKeySet();
  private final Clock clock;
  /** Permits to finish a backup; unlimited unless a test holds them. */
  final Semaphore gate = new Semaphore(Integer.MAX_VALUE);

  FakeBackups(KubernetesClient local, Clock clock) {
    this.clock = clock;
    this.records = new HubRecords<>(local, HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "test");
  }

  @Override
  public void take(HostedClusterBackup record) {
    NamespacedName hc = record.getSpec().hostedCluster;
    if (!running.add(hc)) {
      overlaps.add(record.getMetadata().getName());
    }
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    try {
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.InProgress;
        s.startedAt = Time.format(clock.instant());
        s.executor = "fake";
      });
      records.addFinalizer(ns, name);
      gate.acquireUninterruptibly();
      gate.release();
      records.updateStatus(ns, name, s -> {
        s.phase = Phase.Completed;
        s.completedAt = Time.format(clock.instant());
        s.location = new HostedClusterBackupStatus.Location();
        s.location.bucket = "backups";
        s.location.keyPrefix = "mc/" + hc.namespace + "/" + hc.name + "/" + name + "/";
        Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.TRUE, "BackupCompleted",
            "fake", null, clock.instant());
      });
      taken.add(name);
    } finally {
      running.remove(hc);
    }
  }

  @Override
  public void fail(HostedClusterBackup record, String reason, String message) {
    records.updateStatus(record.getMetadata().getNamespace(), record.getMetadata().getName(), s -> {
      s.phase = Phase.Failed;
      Conditions.set(s.conditions, HostedClusterBackup.CONDITION_COMPLETED, Conditions.FALSE, reason, message, null,
          clock.instant());
    });
  }
}
