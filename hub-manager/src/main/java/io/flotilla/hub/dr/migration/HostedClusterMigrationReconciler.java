package io.flotilla.hub.dr.migration;

import io.flotilla.common.EventRecorder;

import io.flotilla.common.StatusWriter;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterPause;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardown;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.hub.cluster.ManagementClusterReconciler;
import io.flotilla.hub.cluster.ocm.ManagedClusters;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Runs HostedClusterMigrations (docs/architecture.md, flow 4) from the hub without calling into any spoke: each pass reads the
 * migration and the records it created in the cluster namespaces (fresh from the API, by their deterministic names),
 * asks {@link MigrationPlanner} what to do, creates or patches those records (their agents execute them and write
 * their status), then writes the migration's whole status (a JSON Patch carrying the resourceVersion just read, so a
 * concurrent change makes it fail and the pass is redone) and the events of its transitions. Nothing is remembered
 * between passes.
 *
 * <p>It runs again when a record's status changes (informers on the four record kinds, mapped back by
 * {@link HostedClusterMigration#MIGRATION_LABEL}), when a ManagementCluster is declared lost or found again, when a
 * BackupStore comes or goes, when another migration onto the same destination frees a restore slot, on an OCM hub when
 * the hosted cluster's ManagedCluster changes ({@link MigrationPlanner#MANAGED_CLUSTER_REIMPORTED}), and periodically
 * while a migration is not finished.
 */
@ControllerConfiguration(name = HostedClusterMigrationReconciler.NAME)
public class HostedClusterMigrationReconciler implements Reconciler<HostedClusterMigration> {
  public static final String NAME = "hostedclustermigration";
  public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(30);
  /** When a status must be on the server before the next action (the point of no return): look again at once. */
  static final Duration RECHECK_NOW = Duration.ofMillis(100);

  private static final Logger log = LoggerFactory.getLogger(HostedClusterMigrationReconciler.class);

  private final KubernetesClient hub;
  private final Clock clock;
  private final MigrationPlanner planner;
  private final Duration recheck;
  /** Reads the hosted cluster's ManagedCluster (the hub serves OCM's cluster API and Flotilla reads it). */
  private final boolean ocm;
  /**
   * One pass at a time per destination: whether a migration may take a restore slot depends on the others' status,
   * so two passes must not both count the same free slot. (One hub-manager leads; the lock is in-process.)
   */
  private final Map<String, Object> destinationLocks = new ConcurrentHashMap<>();

  public HostedClusterMigrationReconciler(KubernetesClient hub) {
    this(hub, MigrationPlanner.DEFAULT_MAX_CONCURRENT_RESTORES);
  }

  /** @param maxConcurrentRestores how many migrations may restore onto one destination at once */
  public HostedClusterMigrationReconciler(KubernetesClient hub, int maxConcurrentRestores) {
    this(hub, Clock.systemUTC(), maxConcurrentRestores, DEFAULT_RECHECK);
  }

  /** @param recheck how often an unfinished migration is looked at without any event */
  public HostedClusterMigrationReconciler(KubernetesClient hub, Clock clock, int maxConcurrentRestores,
                                          Duration recheck) {
    this(hub, clock, maxConcurrentRestores, recheck, false, MigrationPlanner.DEFAULT_REIMPORT_TIMEOUT);
  }

  /**
   * @param ocm             read the hosted cluster's ManagedCluster, for {@link MigrationPlanner#MANAGED_CLUSTER_REIMPORTED}
   * @param reimportTimeout how long that step waits
   */
  public HostedClusterMigrationReconciler(KubernetesClient hub, Clock clock, int maxConcurrentRestores,
                                          Duration recheck, boolean ocm, Duration reimportTimeout) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.planner = new MigrationPlanner(maxConcurrentRestores, reimportTimeout);
    this.recheck = Objects.requireNonNull(recheck, "recheck");
    this.ocm = ocm;
  }

  /** What one pass did (for tests and callers that run it by hand). */
  public record Result(MigrationPlan plan, boolean statusWritten, Duration recheckAfter) {
    static final Result NOTHING = new Result(null, false, null);
  }

  @Override
  public List<EventSource<?, HostedClusterMigration>> prepareEventSources(
      EventSourceContext<HostedClusterMigration> context) {
    List<EventSource<?, HostedClusterMigration>> sources = new ArrayList<>();
    sources.add(records(HostedClusterPause.class, "migration-holds", context));
    sources.add(records(HostedClusterBackup.class, "migration-backups", context));
    sources.add(records(HostedClusterRestore.class, "migration-restores", context));
    sources.add(records(HostedClusterTeardown.class, "migration-teardowns", context));
    sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ManagementCluster.class, HostedClusterMigration.class)
        .withName("migration-clusters")
        .withSecondaryToPrimaryMapper(mc -> context.getPrimaryCache()
            .list(m -> concerns(m, mc.getMetadata().getName()))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        // heartbeats rewrite the status every minute; only spec.lost matters here (and clusters coming and going)
        .withOnUpdateFilter((newer, older) -> lost(newer) != lost(older))
        .build(), context));
    sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(BackupStore.class, HostedClusterMigration.class)
        .withName("migration-stores")
        .withSecondaryToPrimaryMapper(store -> context.getPrimaryCache()
            .list(m -> !started(m)).map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withOnUpdateFilter((newer, older) -> false)
        .build(), context));
    // a migration that frees its restore slot lets the next one onto its destination start
    sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
        .from(HostedClusterMigration.class, HostedClusterMigration.class)
        .withName("migration-slots")
        .withSecondaryToPrimaryMapper(freed -> context.getPrimaryCache()
            .list(m -> !m.getMetadata().getName().equals(freed.getMetadata().getName())
                && MigrationPlanner.waitsForSlot(m.getStatus())
                && destination(m) != null && destination(m).equals(destination(freed)))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withOnUpdateFilter((newer, older) -> MigrationPlanner.holdsRestoreSlot(newer.getStatus())
            != MigrationPlanner.holdsRestoreSlot(older.getStatus()))
        .build(), context));
    if (ocm) {
      // the hosted cluster's ManagedCluster is named after it (docs/ocm-facts.md §I2.6)
      sources.add(new InformerEventSource<>(InformerEventSourceConfiguration
          .from(ManagedCluster.class, HostedClusterMigration.class)
          .withName("migration-managedclusters")
          .withSecondaryToPrimaryMapper(mc -> context.getPrimaryCache()
              .list(m -> m.getSpec() != null && m.getSpec().hostedCluster != null
                  && mc.getMetadata().getName().equals(m.getSpec().hostedCluster.name))
              .map(ResourceID::fromResource).collect(Collectors.toSet()))
          .withOnUpdateFilter((newer, older) -> !Objects.equals(managedCluster(newer.getMetadata().getName(), newer),
              managedCluster(older.getMetadata().getName(), older)))
          .build(), context));
    }
    return sources;
  }

  private static <R extends HasMetadata> InformerEventSource<R, HostedClusterMigration> records(
      Class<R> kind, String name, EventSourceContext<HostedClusterMigration> context) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, HostedClusterMigration.class)
        .withName(name)
        .withWatchAllNamespaces()
        .withLabelSelector(HostedClusterMigration.MIGRATION_LABEL)
        .withSecondaryToPrimaryMapper(HostedClusterMigrationReconciler::migrationOf)
        .build(), context);
  }

  /** A record concerns the migration its {@link HostedClusterMigration#MIGRATION_LABEL} names. */
  static Set<ResourceID> migrationOf(HasMetadata record) {
    Map<String, String> labels = record.getMetadata().getLabels();
    String migration = labels == null ? null : labels.get(HostedClusterMigration.MIGRATION_LABEL);
    return migration == null || migration.isBlank() ? Set.of() : Set.of(new ResourceID(migration));
  }

  private static boolean concerns(HostedClusterMigration m, String cluster) {
    HostedClusterMigrationSpec spec = m.getSpec();
    return spec != null && ((spec.source != null && cluster.equals(spec.source.cluster))
        || cluster.equals(destination(m)));
  }

  private static String destination(HostedClusterMigration m) {
    return m.getSpec() == null || m.getSpec().destination == null ? null : m.getSpec().destination.cluster;
  }

  private static boolean lost(ManagementCluster mc) {
    return mc.getSpec() != null && mc.getSpec().isLost();
  }

  private static boolean started(HostedClusterMigration m) {
    HostedClusterMigrationStatus s = m.getStatus();
    return s != null && s.phase != null && s.phase != HostedClusterMigrationStatus.Phase.Pending
        && s.phase != HostedClusterMigrationStatus.Phase.Failed;
  }

  @Override
  public UpdateControl<HostedClusterMigration> reconcile(HostedClusterMigration m,
                                                         Context<HostedClusterMigration> context) {
    Result result = reconcile(m.getMetadata().getName());
    UpdateControl<HostedClusterMigration> control = UpdateControl.noUpdate();
    if (result.recheckAfter() != null) {
      control.rescheduleAfter(result.recheckAfter());
    }
    return control;
  }

  /** One pass over the migration {@code name}: read, plan, act, write status, record events. */
  public Result reconcile(String name) {
    HostedClusterMigration m = hub.resources(HostedClusterMigration.class).withName(name).get();
    if (m == null || m.getMetadata().getDeletionTimestamp() != null || m.getSpec() == null) {
      return Result.NOTHING;
    }
    String destination = destination(m);
    if (destination == null) {
      return pass(m);
    }
    synchronized (destinationLocks.computeIfAbsent(destination, d -> new Object())) {
      // read again inside the lock: another pass may have just written this migration's status
      m = hub.resources(HostedClusterMigration.class).withName(name).get();
      return m == null || m.getMetadata().getDeletionTimestamp() != null ? Result.NOTHING : pass(m);
    }
  }

  private Result pass(HostedClusterMigration m) {
    String name = m.getMetadata().getName();
    MigrationInput input = input(m, clock.instant());
    MigrationPlan plan = planner.plan(input);
    for (MigrationPlan.Action action : plan.actions()) {
      apply(m, action);
    }
    boolean written;
    try {
      written = writeStatus(m, plan.status());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // changed since our read (spec edited, or another writer): the next pass plans from the newer object
        log.debug("migration {}: changed while planning; planning again", name);
        return new Result(plan, false, RECHECK_NOW);
      }
      if (e.getCode() == 404) {
        return Result.NOTHING; // deleted meanwhile
      }
      throw e;
    }
    if (written) {
      HostedClusterMigrationStatus old = m.getStatus();
      if (old == null || old.phase != plan.status().phase) {
        log.info("migration {}: {} -> {}", name, old == null ? null : old.phase, plan.status().phase);
      }
      for (MigrationPlan.Event e : plan.events()) {
        recordEvent(m, e);
      }
    }
    Duration after = switch (plan.recheck()) {
      case NOW -> RECHECK_NOW;
      case PERIODIC -> recheck;
      case NONE -> null;
    };
    return new Result(plan, written, after);
  }

  /** Reads what the planner decides from. */
  MigrationInput input(HostedClusterMigration m, Instant now) {
    HostedClusterMigrationSpec spec = m.getSpec();
    String name = m.getMetadata().getName();
    String uid = m.getMetadata().getUid();
    String source = spec.source == null ? null : spec.source.cluster;
    String destination = spec.destination == null ? null : spec.destination.cluster;
    MigrationRecords names = new MigrationRecords(name, source, destination);

    // fresh from the API, not from an informer's cache: a record created by the previous pass must be seen, or it
    // would look deleted
    Set<String> taken = new HashSet<>();
    HostedClusterPause hold = ours(read(HostedClusterPause.class, source, names.holdName()), name, uid, taken);
    HostedClusterBackup backup = ours(read(HostedClusterBackup.class, source, names.backupName()), name, uid, taken);
    HostedClusterRestore restore = ours(read(HostedClusterRestore.class, destination, names.restoreName()), name, uid,
        taken);
    HostedClusterTeardown sourceTeardown = ours(read(HostedClusterTeardown.class, source,
        names.sourceTeardownName()), name, uid, taken);
    HostedClusterTeardown copyTeardown = ours(read(HostedClusterTeardown.class, destination,
        names.copyTeardownName()), name, uid, taken);
    MigrationInput.Records records = new MigrationInput.Records(
        hold == null ? null : MigrationInputs.hold(hold),
        backup == null ? null : MigrationInputs.backup(backup),
        restore == null ? null : MigrationInputs.restore(restore),
        sourceTeardown == null ? null : MigrationInputs.teardown(sourceTeardown),
        copyTeardown == null ? null : MigrationInputs.teardown(copyTeardown), taken);

    Map<String, Boolean> clusters = new HashMap<>();
    for (String cluster : new HashSet<>(Arrays.asList(source, destination))) {
      if (cluster != null && !cluster.isBlank()) {
        ManagementCluster mc = hub.resources(ManagementCluster.class).withName(cluster).get();
        if (mc != null) {
          clusters.put(cluster, lost(mc));
        }
      }
    }
    Set<String> stores = hub.resources(BackupStore.class).list().getItems().stream()
        .map(s -> s.getMetadata().getName()).collect(Collectors.toSet());

    int restoring = 0;
    int queuedAhead = 0;
    if (destination != null) {
      Comparator<HostedClusterMigration> order = Comparator
          .comparing((HostedClusterMigration x) -> Objects.requireNonNullElse(x.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(x -> x.getMetadata().getName());
      for (HostedClusterMigration other : hub.resources(HostedClusterMigration.class).list().getItems()) {
        if (other.getMetadata().getName().equals(name) || !destination.equals(destination(other))) {
          continue;
        }
        if (MigrationPlanner.holdsRestoreSlot(other.getStatus())) {
          restoring++;
        } else if (MigrationPlanner.waitsForSlot(other.getStatus()) && order.compare(other, m) < 0) {
          queuedAhead++;
        }
      }
    }
    MigrationInput.ManagedClusterState managedCluster = null;
    if (ocm && spec.hostedCluster != null && spec.hostedCluster.name != null) {
      String mcName = spec.hostedCluster.name;
      managedCluster = managedCluster(mcName, hub.resources(ManagedCluster.class).withName(mcName).get());
    }
    return new MigrationInput(name, m.getMetadata().getGeneration(), MigrationInputs.created(m), spec, m.getStatus(),
        clusters, stores, records, restoring, queuedAhead, now, managedCluster);
  }

  /** The hosted cluster's ManagedCluster {@code mc} (null when there is none) as the planner sees it. */
  static MigrationInput.ManagedClusterState managedCluster(String name, ManagedCluster mc) {
    if (mc == null || ManagedClusters.deleting(mc)) {
      return MigrationInput.ManagedClusterState.absent(name);
    }
    Map<String, String> annotations = mc.getMetadata().getAnnotations();
    return new MigrationInput.ManagedClusterState(name, true,
        annotations == null ? null : annotations.get(ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION),
        ManagedClusters.available(mc).map(c -> "True".equals(c.getStatus())).orElse(false));
  }

  private <R extends HasMetadata> R read(Class<R> kind, String namespace, String name) {
    return namespace == null || namespace.isBlank() ? null
        : hub.resources(kind).inNamespace(namespace).withName(name).get();
  }

  /** {@code record} if this migration created it; otherwise null, and its namespace/name goes to {@code taken}. */
  private static <R extends HasMetadata> R ours(R record, String migration, String uid, Set<String> taken) {
    if (record == null || MigrationRecords.createdBy(record, migration, uid)) {
      return record;
    }
    taken.add(record.getMetadata().getNamespace() + "/" + record.getMetadata().getName());
    return null;
  }

  private void apply(HostedClusterMigration m, MigrationPlan.Action action) {
    String name = m.getMetadata().getName();
    if (action instanceof MigrationPlan.ReleaseHold a) {
      try {
        hub.resources(HostedClusterPause.class).inNamespace(a.namespace()).withName(a.name())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"release\":true}}");
        log.info("migration {}: released the hold {}", name, a.record());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    } else if (action instanceof MigrationPlan.DeleteHold a) {
      hub.resources(HostedClusterPause.class).inNamespace(a.namespace()).withName(a.name()).delete();
      log.info("migration {}: deleted the hold {}", name, a.record());
    } else {
      HasMetadata record = MigrationRecords.toRecord(action, name, m.getMetadata().getUid(), m.getSpec());
      try {
        hub.resource(record).create();
        log.info("migration {}: created {} {}", name, record.getKind(), action.record());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // there already (a pass before a crash made it): the next pass observes it
      }
    }
  }

  /**
   * The hub alone writes a migration's status; it is computed from a read, so it is written only if nothing changed
   * since (StatusWriter, UNCHANGED_SINCE_READ): a concurrent change makes the pass run again.
   *
   * @return false if nothing changed
   */
  private boolean writeStatus(HostedClusterMigration read, HostedClusterMigrationStatus next) {
    var json = hub.getKubernetesSerialization();
    if (read.getStatus() != null && json.asJson(read.getStatus()).equals(json.asJson(next))) {
      return false;
    }
    StatusWriter.write(hub, read, next, StatusWriter.Precondition.UNCHANGED_SINCE_READ);
    return true;
  }

  /** An Event on the migration (cluster-scoped: its events go to the default namespace). Best effort. */
  private void recordEvent(HostedClusterMigration m, MigrationPlan.Event e) {
    new EventRecorder(hub, ManagementClusterReconciler.COMPONENT, clock).record(m, e.type(), e.reason(), "Migrate",
        e.message());
  }
}
