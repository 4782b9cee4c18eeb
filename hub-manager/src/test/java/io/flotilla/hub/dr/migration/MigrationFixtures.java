package io.flotilla.hub.dr.migration;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Step;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.hub.dr.migration.MigrationInput.Records;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Builders for planner inputs, so that test tables read as the state of a migration and its records. */
final class MigrationFixtures {
  private MigrationFixtures() {}

  static final Instant CREATED = Instant.parse("2026-03-01T12:00:00Z");
  static final String NAME = "m";
  static final String SOURCE = "mc-1";
  static final String DESTINATION = "mc-2";
  static final NamespacedName HC = new NamespacedName("clusters", "hc-1");
  static final long REVISION = 1234;
  static final long KEYS = 56;

  static HostedClusterMigrationSpec migration() {
    HostedClusterMigrationSpec s = new HostedClusterMigrationSpec();
    s.hostedCluster = HC;
    s.source = new HostedClusterMigrationSpec.Source();
    s.source.cluster = SOURCE;
    s.destination = new HostedClusterMigrationSpec.Destination();
    s.destination.cluster = DESTINATION;
    return s;
  }

  static HostedClusterMigrationSpec failover() {
    return with(migration(), s -> s.source.lost = true);
  }

  static HostedClusterMigrationSpec with(HostedClusterMigrationSpec s, Consumer<HostedClusterMigrationSpec> change) {
    change.accept(s);
    return s;
  }

  static HostedClusterMigrationSpec autoRollback(HostedClusterMigrationSpec s) {
    return with(s, x -> x.failurePolicy = HostedClusterMigrationSpec.FailurePolicy.AutoRollback);
  }

  static HostedClusterMigrationSpec rollback(HostedClusterMigrationSpec s) {
    return with(s, x -> x.rollback = true);
  }

  // ---- records as their agents report them

  static Records none() { return Records.NONE; }

  static MigrationInput.Hold holding() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Pausing, false, false, false, false, "pausing");
  }

  static MigrationInput.Hold held() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Paused, false, false, false, false, "held");
  }

  /** The hold failed and could not put everything back (status.saved still holds values). */
  static MigrationInput.Hold holdFailed() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Failed, false, false, false, false,
        "NodePool np-1 cannot be paused: forbidden");
  }

  /** The hold failed and the agent put every value back (status.releasedAt set). */
  static MigrationInput.Hold holdFailedAllPutBack() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Failed, false, true, false, false,
        "NodePool np-1 cannot be paused: forbidden; every value put back");
  }

  /** spec.release set; the agent has not released yet. */
  static MigrationInput.Hold releaseAsked() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Paused, true, false, false, false, "held");
  }

  static MigrationInput.Hold released() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Released, true, true, false, false,
        "every value put back");
  }

  /** As the agent reports a release that could not put every value back: Releasing, Released=False/ReleaseFailed. */
  static MigrationInput.Hold releaseFailed() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Releasing, true, false, true, false,
        "Could not put back every value (Deployment kube-apiserver is gone)");
  }

  /** The hold ended without this migration asking (its hosted cluster is gone). */
  static MigrationInput.Hold endedByItself() {
    return new MigrationInput.Hold(HostedClusterPauseStatus.Phase.Released, false, true, false, false,
        "nothing to release: HostedCluster clusters/hc-1 is gone");
  }

  static MigrationInput.Backup backingUp() {
    return new MigrationInput.Backup(HostedClusterBackupStatus.Phase.InProgress, null, null, "snapshot");
  }

  static MigrationInput.Backup backedUp() {
    return new MigrationInput.Backup(HostedClusterBackupStatus.Phase.Completed, REVISION, KEYS, "done");
  }

  static MigrationInput.Backup backupFailed() {
    return new MigrationInput.Backup(HostedClusterBackupStatus.Phase.Failed, null, null, "StoreUnreachable: timeout");
  }

  static MigrationInput.Restore restoring() {
    return new MigrationInput.Restore(HostedClusterRestoreStatus.Phase.InProgress, null, null, null, null, null, null,
        "Restoring");
  }

  static MigrationInput.Restore restored() {
    return restored(REVISION, KEYS, true);
  }

  static MigrationInput.Restore restored(long revision, long keys, boolean matches) {
    return new MigrationInput.Restore(HostedClusterRestoreStatus.Phase.Completed, NAME, REVISION, KEYS, revision, keys,
        matches, "restored");
  }

  /** A fail-over's restore: the agent found backup {@code backup} in the bucket. */
  static MigrationInput.Restore restoredLatest(String backup) {
    return new MigrationInput.Restore(HostedClusterRestoreStatus.Phase.Completed, backup, REVISION, KEYS, REVISION,
        KEYS, true, "restored");
  }

  static MigrationInput.Restore restoreFailed() {
    return new MigrationInput.Restore(HostedClusterRestoreStatus.Phase.Failed, null, null, null, null, null, null,
        "EtcdRestoreFailed: etcd-init exited 1");
  }

  static MigrationInput.Teardown tearingDown() {
    return new MigrationInput.Teardown(HostedClusterTeardownStatus.Phase.InProgress, "Deleting");
  }

  static MigrationInput.Teardown tornDown() {
    return new MigrationInput.Teardown(HostedClusterTeardownStatus.Phase.Completed, "done");
  }

  static MigrationInput.Teardown halted() {
    return new MigrationInput.Teardown(HostedClusterTeardownStatus.Phase.Halted,
        "AgentMachine clusters-hc-1/am-0: annotation cluster.x-k8s.io/paused missing");
  }

  static MigrationInput.Teardown teardownFailed() {
    return new MigrationInput.Teardown(HostedClusterTeardownStatus.Phase.Failed, "timed out deleting HostedCluster");
  }

  // ---- the hosted cluster's ManagedCluster on an OCM hub (docs/ocm-facts.md §I2.6, §I4.3)

  /** Imported by the hypershift-addon from {@code cluster}, Available or not. */
  static MigrationInput.ManagedClusterState importedFrom(String cluster, boolean available) {
    return new MigrationInput.ManagedClusterState(HC.name, true, cluster, available);
  }

  /** Deleted with the source, not imported again yet. */
  static MigrationInput.ManagedClusterState noManagedCluster() {
    return MigrationInput.ManagedClusterState.absent(HC.name);
  }

  // ---- inputs

  /** One planner input; clusters mc-1 and mc-2 exist (mc-1 lost for a fail-over) and so does store "default". */
  static final class In {
    HostedClusterMigrationSpec spec;
    HostedClusterMigrationStatus status;
    Records records = Records.NONE;
    Map<String, Boolean> clusters = new HashMap<>();
    Set<String> stores = Set.of("default");
    int restoring;
    int queuedAhead;
    Instant now = CREATED.plus(Duration.ofMinutes(1));
    String name = NAME;
    MigrationInput.ManagedClusterState managedCluster;

    In(HostedClusterMigrationSpec spec) {
      this.spec = spec;
      clusters.put(SOURCE, Boolean.TRUE.equals(spec.source.lost));
      clusters.put(DESTINATION, false);
    }

    In status(HostedClusterMigrationStatus s) { status = s; return this; }

    In records(Records r) { records = r; return this; }

    In clusters(Map<String, Boolean> c) { clusters = new HashMap<>(c); return this; }

    In cluster(String name, boolean lost) { clusters.put(name, lost); return this; }

    In noCluster(String name) { clusters.remove(name); return this; }

    In stores(String... s) { stores = Set.of(s); return this; }

    In slots(int restoring, int queuedAhead) { this.restoring = restoring; this.queuedAhead = queuedAhead; return this; }

    In at(Instant t) { now = t; return this; }

    In name(String n) { name = n; return this; }

    /** On an OCM hub: the hosted cluster's ManagedCluster as it is now; null for a hub without OCM. */
    In managedCluster(MigrationInput.ManagedClusterState mc) { managedCluster = mc; return this; }

    MigrationInput build() {
      return new MigrationInput(name, 1L, CREATED, spec, status, clusters, stores, records, restoring, queuedAhead, now,
          managedCluster);
    }
  }

  static In in(HostedClusterMigrationSpec spec) { return new In(spec); }

  /**
   * A migration's life so far: each {@link #then} is one planner pass over the records as they are at that point,
   * a minute after the previous one, carrying the status it wrote into the next pass (as the reconciler does).
   */
  static final class Story {
    final MigrationPlanner planner;
    final HostedClusterMigrationSpec spec;
    HostedClusterMigrationStatus status;
    Instant now = CREATED;
    MigrationPlan last;
    /** On an OCM hub: the hosted cluster's ManagedCluster from now on. */
    MigrationInput.ManagedClusterState managedCluster;

    Story(MigrationPlanner planner, HostedClusterMigrationSpec spec) {
      this.planner = planner;
      this.spec = spec;
    }

    Story then(Records records) {
      now = now.plus(Duration.ofMinutes(1));
      last = planner.plan(in(spec).status(status).records(records).at(now).managedCluster(managedCluster).build());
      status = last.status();
      return this;
    }

    /** The input of the next pass over {@code records}. */
    In next(Records records) {
      return in(spec).status(status).records(records).at(now.plus(Duration.ofMinutes(1)))
          .managedCluster(managedCluster);
    }
  }

  /** Steps as one character each, in status order: '-' Pending, '>' InProgress, '+' Succeeded, 'x' Failed, '/' Skipped. */
  static String steps(HostedClusterMigrationStatus s) {
    return s.steps.stream().map(st -> switch (st.phase) {
      case Pending -> "-";
      case InProgress -> ">";
      case Succeeded -> "+";
      case Failed -> "x";
      case Skipped -> "/";
    }).collect(Collectors.joining());
  }

  /** Actions as "Kind namespace/name", comma-separated; "-" for none. */
  static String actions(MigrationPlan p) {
    return p.actions().isEmpty() ? "-" : p.actions().stream()
        .map(a -> a.getClass().getSimpleName() + " " + a.record()).collect(Collectors.joining(", "));
  }

  static Condition condition(HostedClusterMigrationStatus s, String type) {
    return Conditions.find(s.conditions, type).orElse(null);
  }

  static Step step(HostedClusterMigrationStatus s, String name) {
    return s.steps.stream().filter(st -> name.equals(st.name)).findFirst().orElse(null);
  }

  static List<String> eventReasons(MigrationPlan p) {
    return p.events().stream().map(MigrationPlan.Event::reason).toList();
  }
}
