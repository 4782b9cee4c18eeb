package io.flotilla.hub.dr.policy;

import io.flotilla.common.DesiredCondition;

import io.flotilla.common.StatusWriter;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.Conditions;
import io.flotilla.common.CronSchedule;
import io.flotilla.common.Durations;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.hub.cluster.selection.ClusterSelections;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs the BackupPolicies (docs/architecture.md, flow 2, hub side). Each reconcile of a policy:
 * <ol>
 *   <li>validates it ({@link PolicyValidation}; an invalid one reports Valid=False and does nothing else);</li>
 *   <li>places every active policy on every non-lost cluster ({@link SchedulePlacement}) and writes each cluster's
 *       {@link EffectiveBackupSchedule} ConfigMap in its namespace, only when the content changed, deleting it when
 *       the cluster has no entries (the agent keeps its local copy, runs it, and stops when it is gone). Placement is
 *       global, so any policy's reconcile converges every cluster; a policy's deletion re-places without it;</li>
 *   <li>applies retention ({@link RetentionPlan}) to the records the policy scheduled, by deleting records (the agent
 *       holds {@link HostedClusterBackup#OBJECTS_FINALIZER} and deletes the objects in the bucket). Records in the
 *       namespace of a lost cluster are left alone: fail-over restores from them and no agent could delete their
 *       objects;</li>
 *   <li>computes RPO compliance ({@link RpoCompliance}) over the hosted clusters the policy backs up;</li>
 *   <li>with {@code spec.verification}, asks the agents for restore drills ({@link DrillPlan}: the verify-requested
 *       annotation of the backup to drill set to a restore request) and computes the verified RPO
 *       ({@link VerifiedRpo}) and which drilled backups failed;</li>
 *   <li>writes status (conditions from {@link PolicyConditions}) when it changed, and re-runs at the next RPO
 *       deadline, at most {@code maxRecheck} later.</li>
 * </ol>
 * Nothing is remembered between reconciles. It re-runs on changes of any BackupPolicy's spec, of ManagementCluster
 * labels / hosted clusters / lost, of backup records' phase, completion or verification, of BackupStore encryption,
 * of the schedule ConfigMaps (an edit by hand is undone) and, with OCM, of Placements' decisions and the unreachable
 * taints (a policy's spec.placementRef: {@link PolicySelection}).
 */
@ControllerConfiguration(name = BackupPolicyReconciler.NAME)
public class BackupPolicyReconciler implements Reconciler<BackupPolicy>, Cleaner<BackupPolicy> {
  public static final String NAME = "backuppolicy";
  /** On the schedule ConfigMaps the hub writes (value "true"): the hub deletes only ConfigMaps it labelled. */
  public static final String SCHEDULE_LABEL = "dr.flotilla.io/effective-schedule";

  public static final Duration DEFAULT_MAX_RECHECK = Duration.ofSeconds(30);
  private static final Duration RECHECK_SLACK = Duration.ofMillis(50);

  private static final Logger log = LoggerFactory.getLogger(BackupPolicyReconciler.class);

  private final KubernetesClient hub;
  private final Clock clock;
  private final Duration maxRecheck;
  private final ClusterSelections selections;
  /** Placement is global: two policies reconciled at once must not interleave their schedule writes. */
  private final Object scheduleLock = new Object();

  private volatile Supplier<Stream<BackupPolicy>> policyCache;
  private volatile InformerEventSource<ManagementCluster, BackupPolicy> clusterCache;
  private volatile InformerEventSource<HostedClusterBackup, BackupPolicy> backupCache;
  private volatile InformerEventSource<BackupStore, BackupPolicy> storeCache;
  private volatile InformerEventSource<ConfigMap, BackupPolicy> scheduleCache;

  public BackupPolicyReconciler(KubernetesClient hub) {
    this(hub, ClusterSelections.standalone(hub));
  }

  /** @param selections how policies' clusters are chosen on this hub: by labels, and by OCM Placements with OCM */
  public BackupPolicyReconciler(KubernetesClient hub, ClusterSelections selections) {
    this(hub, Clock.systemUTC(), DEFAULT_MAX_RECHECK, selections);
  }

  /** @param maxRecheck the longest time between two reconciles of a policy without any event */
  public BackupPolicyReconciler(KubernetesClient hub, Clock clock, Duration maxRecheck) {
    this(hub, clock, maxRecheck, ClusterSelections.standalone(hub));
  }

  public BackupPolicyReconciler(KubernetesClient hub, Clock clock, Duration maxRecheck, ClusterSelections selections) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxRecheck = Objects.requireNonNull(maxRecheck, "maxRecheck");
    this.selections = Objects.requireNonNull(selections, "selections");
  }

  /**
   * What one reconcile decided (for tests and callers that run it by hand).
   *
   * @param deleted the records retention deleted, as namespace/name
   * @param rpo     null when the policy is not active
   */
  /**
   * @param drillsAsked the records a restore drill was asked of, as namespace/name
   * @param verified    null when the policy is not active or has no spec.verification
   */
  public record Result(SchedulePlacement.Result placement, List<String> problems, List<String> deleted,
                       RpoCompliance.Report rpo, List<String> drillsAsked, VerifiedRpo.Report verified,
                       Duration recheckAfter) {}

  @Override
  public List<EventSource<?, BackupPolicy>> prepareEventSources(EventSourceContext<BackupPolicy> context) {
    var primaries = context.getPrimaryCache();
    policyCache = primaries::list;
    java.util.function.Function<Object, Set<ResourceID>> everyPolicy =
        any -> primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet());
    var peers = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(BackupPolicy.class, BackupPolicy.class)
        .withName("backuppolicy-peers")
        // one policy's spec decides what the others back up (overlaps); status writes change nothing
        .withSecondaryToPrimaryMapper(everyPolicy::apply)
        .withOnUpdateFilter((newer, older) -> !Objects.equals(json(newer.getSpec()), json(older.getSpec()))
            || !Objects.equals(newer.getMetadata().getDeletionTimestamp(), older.getMetadata().getDeletionTimestamp()))
        .build(), context);
    clusterCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ManagementCluster.class, BackupPolicy.class)
        .withName("backuppolicy-clusters")
        .withSecondaryToPrimaryMapper(everyPolicy::apply)
        // heartbeats rewrite the status every minute; only what placement reads matters
        .withOnUpdateFilter((newer, older) -> !placementView(newer).equals(placementView(older)))
        .build(), context);
    backupCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(HostedClusterBackup.class, BackupPolicy.class)
        .withName("backuppolicy-backups")
        .withWatchAllNamespaces()
        // a scheduled record concerns its policy; an on-demand one may change any policy's RPO
        .withSecondaryToPrimaryMapper(b -> PolicyInputs.policyOf(b) != null
            ? Set.of(new ResourceID(PolicyInputs.policyOf(b))) : everyPolicy.apply(b))
        // progress updates arrive many times a second during a backup; only the outcome matters here
        .withOnUpdateFilter((newer, older) -> !recordView(newer).equals(recordView(older)))
        .build(), context);
    storeCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(BackupStore.class, BackupPolicy.class)
        .withName("backuppolicy-stores")
        .withSecondaryToPrimaryMapper(s -> primaries.list()
            .filter(p -> p.getSpec() != null && s.getMetadata().getName().equals(p.getSpec().store))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build(), context);
    scheduleCache = new InformerEventSource<>(InformerEventSourceConfiguration
        .from(ConfigMap.class, BackupPolicy.class)
        .withName("backuppolicy-schedules")
        .withWatchAllNamespaces()
        .withLabelSelector(SCHEDULE_LABEL + "=true")
        .withSecondaryToPrimaryMapper(everyPolicy::apply)
        .build(), context);
    List<EventSource<?, BackupPolicy>> sources = new ArrayList<>(
        List.of(peers, clusterCache, backupCache, storeCache, scheduleCache));
    // with OCM: a Placement's decisions and the unreachable taints decide which clusters policies select
    sources.addAll(selections.decisionEvents("backuppolicy-decisions", BackupPolicy.class, context, everyPolicy::apply));
    sources.addAll(selections.taintEvents("backuppolicy-taints", BackupPolicy.class, context));
    return sources;
  }

  @Override
  public UpdateControl<BackupPolicy> reconcile(BackupPolicy policy, Context<BackupPolicy> context) {
    Result result = reconcile(policy, objects());
    return UpdateControl.<BackupPolicy>noUpdate().rescheduleAfter(result.recheckAfter());
  }

  /** A deleted policy's hosted clusters go to the next policy or lose their schedule; its backups are kept. */
  @Override
  public DeleteControl cleanup(BackupPolicy policy, Context<BackupPolicy> context) {
    cleanup(policy, objects());
    return DeleteControl.defaultDelete();
  }

  public void cleanup(BackupPolicy policy, PolicyObjects objects) {
    String name = policy.getMetadata().getName();
    log.info("backup policy {} deleted: re-placing schedules without it (its backups are kept)", name);
    placeAndWrite(objects, name);
  }

  /** The caches once the operator prepared them; the API otherwise. */
  PolicyObjects objects() {
    var policies = policyCache;
    var clusters = clusterCache;
    var backups = backupCache;
    var stores = storeCache;
    var schedules = scheduleCache;
    if (policies == null || clusters == null || backups == null || stores == null || schedules == null) {
      return PolicyObjects.fromApi(hub);
    }
    return new PolicyObjects() {
      @Override
      public List<BackupPolicy> policies() { return policies.get().toList(); }

      @Override
      public List<ManagementCluster> clusters() { return clusters.list().toList(); }

      @Override
      public List<HostedClusterBackup> backups() { return backups.list().toList(); }

      @Override
      public Optional<BackupStore> store(String name) {
        return name == null ? Optional.empty() : stores.get(new ResourceID(name));
      }

      @Override
      public List<ConfigMap> schedules() { return schedules.list().toList(); }
    };
  }

  /** One pass: validation, placement and schedule writes, retention, RPO, status. */
  public Result reconcile(BackupPolicy policy, PolicyObjects objects) {
    String name = policy.getMetadata().getName();
    BackupPolicySpec spec = policy.getSpec();
    Instant now = clock.instant();

    List<String> problems = PolicyValidation.validate(spec);
    Optional<String> storeProblem = problems.isEmpty() ? storeProblem(spec, objects) : Optional.empty();
    boolean suspended = spec != null && spec.isSuspended();
    boolean active = problems.isEmpty() && storeProblem.isEmpty() && !suspended;

    SchedulePlacement.Result placement = placeAndWrite(objects, null);
    SchedulePlacement.Share share = placement.share(name);

    Set<String> lostClusters = objects.clusters().stream().filter(PolicyInputs::lost)
        .map(mc -> mc.getMetadata().getName()).collect(Collectors.toSet());
    List<HostedClusterBackup> records = objects.backups().stream().filter(b -> !PolicyInputs.deleting(b)).toList();
    List<String> deleted = problems.isEmpty() ? applyRetention(name, spec, records, lostClusters, now) : List.of();
    Set<String> gone = new HashSet<>(deleted);
    List<HostedClusterBackup> remaining = records.stream()
        .filter(b -> !gone.contains(b.getMetadata().getNamespace() + "/" + b.getMetadata().getName())).toList();

    RpoCompliance.Report rpo = null;
    VerifiedRpo.Report verified = null;
    Drills drills = new Drills(List.of(), null);
    Instant created = PolicyInputs.instant(policy.getMetadata().getCreationTimestamp());
    if (active) {
      CronSchedule schedule = CronSchedule.parse(spec.schedule, spec.timeZone);
      Duration grace = RpoCompliance.grace(spec);
      rpo = RpoCompliance.evaluate(schedule, grace, created, subjects(share, remaining), now);
      Optional<DrillPlan.Cadence> cadence = DrillPlan.Cadence.of(spec);
      if (cadence.isPresent()) {
        drills = requestDrills(name, cadence.get(), share, remaining, lostClusters, created, now);
        verified = VerifiedRpo.evaluate(VerifiedRpo.target(spec, schedule, grace, now), created,
            verifiedSubjects(share, remaining), now);
      }
    }

    writeStatus(policy, status(policy, problems, storeProblem, suspended, share, rpo, verified, records, now));

    Duration recheck = maxRecheck;
    for (Instant change : java.util.Arrays.asList(rpo == null ? null : rpo.nextChangeAt(),
        verified == null ? null : verified.nextChangeAt(), drills.nextChangeAt())) {
      if (change != null) {
        Duration untilChange = Duration.between(now, change).plus(RECHECK_SLACK);
        recheck = untilChange.compareTo(recheck) < 0 ? untilChange : recheck;
      }
    }
    return new Result(placement, problems, deleted, rpo, drills.asked(), verified,
        recheck.compareTo(RECHECK_SLACK) < 0 ? RECHECK_SLACK : recheck);
  }

  // ---- placement

  /**
   * Places every active policy (but {@code without}, a policy being deleted) and writes the schedules.
   * Policies being deleted and lost clusters take no part: a lost cluster's agent must not keep backing up hosted
   * clusters that were failed over elsewhere should it come back.
   */
  SchedulePlacement.Result placeAndWrite(PolicyObjects objects, String without) {
    synchronized (scheduleLock) {
      PolicySelection selection = new PolicySelection(selections, objects.schedules(), hub.getKubernetesSerialization());
      List<SchedulePlacement.Policy> policies = new ArrayList<>();
      for (BackupPolicy p : objects.policies()) {
        if (p.getMetadata().getDeletionTimestamp() != null || p.getMetadata().getName().equals(without)) {
          continue;
        }
        BackupPolicySpec spec = p.getSpec();
        boolean active = spec != null && !spec.isSuspended() && PolicyValidation.validate(spec).isEmpty()
            && storeProblem(spec, objects).isEmpty();
        policies.add(new SchedulePlacement.Policy(p.getMetadata().getName(), spec, active,
            active ? selection.of(p.getMetadata().getName(), spec) : null));
      }
      List<SchedulePlacement.Cluster> clusters = objects.clusters().stream()
          .filter(mc -> !PolicyInputs.lost(mc)).map(PolicyInputs::cluster).toList();
      SchedulePlacement.Result placement = SchedulePlacement.place(policies, clusters);
      writeSchedules(placement.schedules(), objects.schedules());
      return placement;
    }
  }

  private void writeSchedules(Map<String, EffectiveBackupSchedule> schedules, List<ConfigMap> existing) {
    Map<String, ConfigMap> byNamespace = new HashMap<>();
    for (ConfigMap cm : existing) {
      if (EffectiveBackupSchedule.CONFIG_MAP_NAME.equals(cm.getMetadata().getName())) {
        byNamespace.put(cm.getMetadata().getNamespace(), cm);
      }
    }
    schedules.forEach((cluster, schedule) -> {
      String content = json(schedule);
      ConfigMap current = byNamespace.get(cluster);
      if (current != null && current.getData() != null
          && content.equals(current.getData().get(EffectiveBackupSchedule.DATA_KEY))) {
        return;
      }
      ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
          .withNamespace(cluster).addToLabels(SCHEDULE_LABEL, "true").endMetadata()
          .addToData(EffectiveBackupSchedule.DATA_KEY, content).build();
      try {
        hub.configMaps().inNamespace(cluster).resource(cm).createOr(op -> op.update());
        log.info("cluster {}: backup schedule {}: {}", cluster, current == null ? "placed" : "updated",
            schedule.entries.stream().map(e -> e.policy + " " + e.hostedClusters.size() + " hosted cluster(s)")
                .collect(Collectors.joining(", ")));
      } catch (KubernetesClientException e) {
        log.warn("cluster {}: cannot write its backup schedule: {}", cluster, e.getMessage());
      }
    });
    byNamespace.forEach((ns, cm) -> {
      if (!schedules.containsKey(ns)) {
        log.info("cluster {}: no policy backs up any of its hosted clusters; deleting its backup schedule", ns);
        hub.configMaps().inNamespace(ns).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).delete();
      }
    });
  }

  private static Optional<String> storeProblem(BackupPolicySpec spec, PolicyObjects objects) {
    if (spec == null || spec.encryption == null || !Boolean.TRUE.equals(spec.encryption.required)) {
      return Optional.empty();
    }
    return PolicyValidation.storeProblem(spec, objects.store(spec.store).map(BackupStore::getSpec).orElse(null));
  }

  // ---- retention

  /** @return the deleted records as namespace/name */
  private List<String> applyRetention(String policy, BackupPolicySpec spec, List<HostedClusterBackup> records,
                                      Set<String> lostClusters, Instant now) {
    RetentionPlan.Rules rules = RetentionPlan.Rules.of(spec.retention);
    if (rules == RetentionPlan.Rules.NONE) {
      return List.of();
    }
    List<String> deleted = new ArrayList<>();
    RetentionPlan.forPolicy(policy, rules, records, lostClusters, now).forEach((target, plan) -> {
      for (RetentionPlan.Decision d : plan.deletions()) {
        String ns = target.cluster();
        log.info("backup policy {}: deleting backup {}/{} of {}: {}", policy, ns, d.backup().name(),
            target.hostedCluster(), d.reason());
        hub.resources(HostedClusterBackup.class).inNamespace(ns).withName(d.backup().name()).delete();
        deleted.add(ns + "/" + d.backup().name());
      }
    });
    return deleted;
  }

  // ---- restore drills

  /** @param asked namespace/name of the records a drill was asked of; @param nextChangeAt the next drill time */
  private record Drills(List<String> asked, Instant nextChangeAt) {}

  /**
   * Asks for the drills {@link DrillPlan} decides, per hosted cluster the policy backs up, among the records it
   * scheduled. A lost cluster's records are left alone: no agent would answer.
   */
  private Drills requestDrills(String policy, DrillPlan.Cadence cadence, SchedulePlacement.Share share,
                               List<HostedClusterBackup> records, Set<String> lostClusters, Instant created,
                               Instant now) {
    Set<SchedulePlacement.Target> wanted = new HashSet<>(share.backedUp());
    Map<SchedulePlacement.Target, List<DrillPlan.Backup>> byTarget = new java.util.TreeMap<>();
    for (HostedClusterBackup b : records) {
      SchedulePlacement.Target t = PolicyInputs.target(b);
      if (t != null && wanted.contains(t) && policy.equals(PolicyInputs.policyOf(b))
          && !lostClusters.contains(t.cluster())) {
        byTarget.computeIfAbsent(t, k -> new ArrayList<>()).add(PolicyInputs.drillBackup(b));
      }
    }
    List<String> asked = new ArrayList<>();
    Instant next = cadence.schedule() == null ? null : cadence.schedule().nextAfter(now).orElse(null);
    byTarget.forEach((target, backups) -> {
      DrillPlan.Decision d = DrillPlan.plan(cadence, backups, created, now);
      d.drill().ifPresent(backup -> {
        String ns = target.cluster();
        try {
          // a merge patch of one annotation: the value is new, so the agent has not answered it
          hub.resources(HostedClusterBackup.class).inNamespace(ns).withName(backup).patch(
              PatchContext.of(PatchType.JSON_MERGE), json(Map.of("metadata", Map.of("annotations",
                  Map.of(HostedClusterBackup.VERIFY_ANNOTATION, HostedClusterBackup.restoreDrillRequest(now))))));
          log.info("backup policy {}: asked for a restore drill of backup {}/{} of {}: {}", policy, ns, backup,
              target.hostedCluster(), d.reason());
          asked.add(ns + "/" + backup);
        } catch (KubernetesClientException e) {
          log.warn("backup policy {}: cannot ask for a restore drill of backup {}/{}: {}", policy, ns, backup,
              e.getMessage());
        }
      });
    });
    return new Drills(List.copyOf(asked), next);
  }

  /** Per hosted cluster the policy backs up, its newest Completed backup (any record) whose latest drill passed. */
  private static List<VerifiedRpo.Subject> verifiedSubjects(SchedulePlacement.Share share,
                                                            List<HostedClusterBackup> records) {
    Map<SchedulePlacement.Target, HostedClusterBackup> newest = new HashMap<>();
    Map<SchedulePlacement.Target, RetentionPlan.Backup> newestOrder = new HashMap<>();
    Set<SchedulePlacement.Target> wanted = new HashSet<>(share.backedUp());
    for (HostedClusterBackup b : records) {
      SchedulePlacement.Target t = PolicyInputs.target(b);
      RetentionPlan.Backup order = PolicyInputs.backup(b);
      if (t == null || !wanted.contains(t) || order.phase() != HostedClusterBackupStatus.Phase.Completed
          || order.completedAt() == null || !io.flotilla.common.BackupHistory.drillPassed(b)) {
        continue;
      }
      RetentionPlan.Backup best = newestOrder.get(t);
      if (best == null || RetentionPlan.NEWEST_FIRST.compare(order, best) < 0) {
        newestOrder.put(t, order);
        newest.put(t, b);
      }
    }
    List<VerifiedRpo.Subject> subjects = new ArrayList<>();
    for (SchedulePlacement.Target t : share.backedUp()) {
      RetentionPlan.Backup b = newestOrder.get(t);
      subjects.add(new VerifiedRpo.Subject(t, b == null ? null : b.name(), b == null ? null : b.completedAt()));
    }
    return subjects;
  }

  /** The records of the hosted clusters the policy backs up whose latest restore drill failed, newest first. */
  private static List<PolicyConditions.FailedDrill> failedDrills(SchedulePlacement.Share share,
                                                                 List<HostedClusterBackup> records) {
    Set<SchedulePlacement.Target> wanted = new HashSet<>(share.backedUp());
    return records.stream()
        .filter(b -> wanted.contains(PolicyInputs.target(b)) && io.flotilla.common.BackupHistory.drillFailed(b))
        .sorted((a, b) -> RetentionPlan.NEWEST_FIRST.compare(PolicyInputs.backup(a), PolicyInputs.backup(b)))
        .map(b -> new PolicyConditions.FailedDrill(b.getMetadata().getNamespace(), b.getMetadata().getName(),
            PolicyInputs.target(b), b.getStatus().verification.message))
        .toList();
  }

  private static int drilled(SchedulePlacement.Share share, List<HostedClusterBackup> records) {
    Set<SchedulePlacement.Target> wanted = new HashSet<>(share.backedUp());
    return (int) records.stream().filter(b -> wanted.contains(PolicyInputs.target(b)))
        .filter(b -> io.flotilla.common.BackupHistory.drillPassed(b) || io.flotilla.common.BackupHistory.drillFailed(b))
        .count();
  }

  // ---- RPO

  private static List<RpoCompliance.Subject> subjects(SchedulePlacement.Share share, List<HostedClusterBackup> records) {
    Set<SchedulePlacement.Target> wanted = new HashSet<>(share.backedUp());
    Map<SchedulePlacement.Target, List<RetentionPlan.Backup>> byTarget = new HashMap<>();
    for (HostedClusterBackup b : records) {
      SchedulePlacement.Target t = PolicyInputs.target(b);
      if (t != null && wanted.contains(t)) {
        byTarget.computeIfAbsent(t, k -> new ArrayList<>()).add(PolicyInputs.backup(b));
      }
    }
    List<RpoCompliance.Subject> subjects = new ArrayList<>();
    for (SchedulePlacement.Target t : share.backedUp()) {
      Optional<RetentionPlan.Backup> newest = RetentionPlan.newestCompleted(byTarget.getOrDefault(t, List.of()))
          .filter(b -> b.completedAt() != null);
      subjects.add(new RpoCompliance.Subject(t, newest.map(RetentionPlan.Backup::name).orElse(null),
          newest.map(RetentionPlan.Backup::completedAt).orElse(null)));
    }
    return subjects;
  }

  // ---- status

  private BackupPolicyStatus status(BackupPolicy policy, List<String> problems, Optional<String> storeProblem,
                                    boolean suspended, SchedulePlacement.Share share, RpoCompliance.Report rpo,
                                    VerifiedRpo.Report verified, List<HostedClusterBackup> records, Instant now) {
    Long generation = policy.getMetadata().getGeneration();
    BackupPolicyStatus old = policy.getStatus();
    BackupPolicyStatus next = new BackupPolicyStatus();
    next.observedGeneration = generation;
    next.conditions = new ArrayList<>(old == null || old.conditions == null ? List.of() : old.conditions);
    for (DesiredCondition c : PolicyConditions.of(problems, storeProblem, suspended, share, rpo)) {
      Conditions.set(next.conditions, c.type(), c.status(), c.reason(), c.message(), generation, now);
    }
    boolean drills = policy.getSpec() != null && policy.getSpec().verification != null;
    if (drills) {
      List<HostedClusterBackup> live = records.stream().filter(b -> !PolicyInputs.deleting(b)).toList();
      for (DesiredCondition c : PolicyConditions.drills(verified, failedDrills(share, live), drilled(share, live))) {
        Conditions.set(next.conditions, c, generation, now);
      }
    } else {
      next.conditions.removeIf(c -> PolicyConditions.DRILL_TYPES.contains(c.getType()));
    }
    String name = policy.getMetadata().getName();
    next.lastScheduleTime = Time.format(records.stream().filter(b -> name.equals(PolicyInputs.policyOf(b)))
        .map(PolicyInputs::scheduledTime).filter(Objects::nonNull).max(Instant::compareTo).orElse(null));
    if (rpo != null) {
      next.compliant = rpo.compliant();
      next.total = rpo.total();
      next.rpoTarget = Durations.format(rpo.target());
      next.oldestNewestBackupAge = rpo.oldestNewestAge() == null ? null : Durations.format(rpo.oldestNewestAge());
      Map<SchedulePlacement.Target, VerifiedRpo.Entry> verifiedOf = new HashMap<>();
      if (verified != null) {
        next.verifiedCompliant = verified.compliant();
        next.verifiedRpoTarget = Durations.format(verified.target());
        next.oldestNewestVerifiedBackupAge = verified.oldestAge() == null ? null
            : Durations.format(verified.oldestAge());
        verified.entries().forEach(e -> verifiedOf.put(e.target(), e));
      }
      for (RpoCompliance.Entry e : rpo.entries().stream().limit(BackupPolicyStatus.MAX_RPO_ENTRIES).toList()) {
        BackupPolicyStatus.HostedClusterRpo r = new BackupPolicyStatus.HostedClusterRpo();
        r.cluster = e.target().cluster();
        r.namespace = e.target().hostedCluster().namespace;
        r.name = e.target().hostedCluster().name;
        r.newestBackup = e.newestBackup();
        r.newestBackupTime = Time.format(e.newestBackupCompletedAt());
        r.age = e.age() == null ? null : Durations.format(e.age());
        r.compliant = e.compliant();
        VerifiedRpo.Entry v = verifiedOf.get(e.target());
        if (v != null) {
          r.newestVerifiedBackup = v.newestVerifiedBackup();
          r.newestVerifiedBackupTime = Time.format(v.newestVerifiedBackupCompletedAt());
          r.verifiedAge = v.age() == null ? null : Durations.format(v.age());
          r.verifiedCompliant = v.compliant();
        }
        next.rpo.add(r);
      }
      int omitted = rpo.entries().size() - next.rpo.size();
      next.rpoOmitted = omitted > 0 ? omitted : null;
    }
    return next;
  }

  /**
   * The hub alone writes BackupPolicy status, so it is replaced whole with a JSON Patch (the CRUD mock appends arrays
   * on merge patches), and only when it changed.
   */
  private void writeStatus(BackupPolicy policy, BackupPolicyStatus next) {
    if (policy.getStatus() != null && json(policy.getStatus()).equals(json(next))) {
      return;
    }
    // the only writer of this status, recomputed from scratch every pass
    StatusWriter.write(hub, policy, next, StatusWriter.Precondition.LAST_WRITE_WINS);
  }

  // ---- event filters

  /** What placement reads from a cluster. */
  private static List<Object> placementView(ManagementCluster mc) {
    var s = mc.getStatus();
    return java.util.Arrays.asList(mc.getMetadata().getLabels(), PolicyInputs.lost(mc),
        s == null ? null : s.hostedClusterNames, s == null ? null : s.hostedClusterLabels);
  }

  /** What retention, RPO and drills read from a record. */
  private static List<Object> recordView(HostedClusterBackup b) {
    var s = b.getStatus();
    var v = s == null ? null : s.verification;
    var annotations = b.getMetadata().getAnnotations();
    return java.util.Arrays.asList(b.getMetadata().getLabels(), b.getMetadata().getDeletionTimestamp(),
        s == null ? null : s.phase, s == null ? null : s.completedAt,
        annotations == null ? null : annotations.get(HostedClusterBackup.VERIFY_ANNOTATION),
        v == null ? null : v.request, v == null ? null : v.passed);
  }

  private String json(Object o) {
    return hub.getKubernetesSerialization().asJson(o);
  }
}
