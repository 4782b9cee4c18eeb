package io.flotilla.hub.dr.policy;

import io.flotilla.common.Durations;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which backups of one hosted cluster a policy's retention deletes, with the reason for each decision. Plain values in
 * and out: the hub's reconciler deletes the records (the agent then deletes their objects in the bucket) and
 * {@code flotilla backup prune --dry-run} prints the same plan.
 *
 * <p><b>Scope.</b> A policy's retention governs the backups it scheduled (records labelled with it), per hosted
 * cluster (spec.hostedCluster, within one cluster namespace); the caller passes one such group. On-demand backups and
 * other policies' backups are never touched. A policy keeps pruning what it scheduled for a hosted cluster it no
 * longer backs up (another policy took it over), so those backups age out rather than stay forever.
 *
 * <p><b>Rules.</b> keepLast and maxAge are limits, each deletes what exceeds it:
 * <ul>
 *   <li>the newest Completed backup that is not known bad is never deleted, whatever the limits say: a hosted cluster
 *       always keeps a backup to restore (users of TTL-only tools ask for exactly this: velero#9061). A backup whose
 *       verification failed is never the one kept this way; and the newest backup whose verification passed is kept
 *       too, so newer unverified ones never push out the last one known to restore;</li>
 *   <li>keepLast N: Completed backups other than the N newest are deleted;</li>
 *   <li>maxAge D: Completed backups that completed more than D ago are deleted;</li>
 *   <li>Failed backups that ended before the newest Completed one completed are deleted (superseded: they explain
 *       nothing about the current state), as are Failed backups older than maxAge. Failed backups newer than the
 *       newest Completed one are kept within maxAge: they are the evidence of a running RPO breach;</li>
 *   <li>New and InProgress backups are never touched (the agent is working on them);</li>
 *   <li>without any limit (no retention) nothing is deleted.</li>
 * </ul>
 * Records already being deleted are left out: they neither count nor protect.
 *
 * <p><b>Order and age come from the hub's clock</b>, never a spoke's: a scheduled backup stands at its scheduled time
 * (a cron slot, the same on every clock), any other at its record's creationTimestamp (the hub's API server), and only
 * a record with neither at its reported completion. A spoke whose clock runs behind or ahead therefore cannot make an
 * old backup look newest, or a new one old enough to delete. Ties settle by name.
 */
public final class RetentionPlan {
  private RetentionPlan() {}

  /** @param keepLast null = no count limit; @param maxAge null = no age limit */
  public record Rules(Integer keepLast, Duration maxAge) {
    public static final Rules NONE = new Rules(null, null);

    public Rules {
      if (keepLast != null && keepLast < 1) {
        throw new IllegalArgumentException("keepLast must be at least 1, got " + keepLast);
      }
      if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
        throw new IllegalArgumentException("maxAge must be positive, got " + maxAge);
      }
    }

    /** @throws IllegalArgumentException for a spec {@link PolicyValidation} refuses */
    public static Rules of(BackupPolicySpec.Retention retention) {
      if (retention == null) {
        return NONE;
      }
      return new Rules(retention.keepLast, retention.maxAge == null ? null : Durations.parse(retention.maxAge));
    }

    boolean any() { return keepLast != null || maxAge != null; }
  }

  /**
   * One HostedClusterBackup record.
   *
   * @param phase       null = New
   * @param completedAt when it completed or failed, by the agent's (spoke's) clock; null if not (yet) reported
   * @param createdAt   the record's creation time (the hub's API server)
   * @param scheduledAt the cron slot a scheduled backup ran for; null for an on-demand one
   * @param verified    the outcome of its last verification: true passed, false failed, null never verified
   */
  public record Backup(String name, Phase phase, Instant completedAt, Instant createdAt, Instant scheduledAt,
                       Boolean verified) {
    public Backup {
      Objects.requireNonNull(name, "name");
    }

    public Backup(String name, Phase phase, Instant completedAt, Instant createdAt) {
      this(name, phase, completedAt, createdAt, null, null);
    }

    /** The time it stands at, by the hub's clock: scheduled time, else creation, else the reported completion. */
    Instant time() {
      return scheduledAt != null ? scheduledAt : createdAt != null ? createdAt : completedAt;
    }

    boolean knownBad() { return Boolean.FALSE.equals(verified); }
  }

  public enum Action { KEEP, DELETE }

  public record Decision(Backup backup, Action action, String reason) {}

  /** @param decisions one per backup given, newest first */
  public record Plan(List<Decision> decisions) {
    public List<Decision> deletions() {
      return decisions.stream().filter(d -> d.action() == Action.DELETE).toList();
    }

    public List<Decision> kept() {
      return decisions.stream().filter(d -> d.action() == Action.KEEP).toList();
    }
  }

  /** Newest first by the hub's clock ({@link Backup#time()}), then name; unknown times last. */
  public static final Comparator<Backup> NEWEST_FIRST = Comparator
      .comparing(Backup::time, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Backup::name)
      .reversed();

  /** The newest Completed backup among {@code backups} whose verification did not fail. */
  public static Optional<Backup> newestCompleted(Collection<Backup> backups) {
    return backups.stream().filter(b -> b.phase() == Phase.Completed && !b.knownBad()).min(NEWEST_FIRST);
  }

  /** The newest Completed backup whose verification passed. */
  static Optional<Backup> newestVerified(Collection<Backup> backups) {
    return backups.stream().filter(b -> b.phase() == Phase.Completed && Boolean.TRUE.equals(b.verified()))
        .min(NEWEST_FIRST);
  }

  /**
   * The plan of every hosted cluster whose backups {@code policy} scheduled: the records labelled {@link
   * io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule#POLICY_LABEL} with it, grouped by cluster namespace and
   * spec.hostedCluster. Records being deleted and records without spec.hostedCluster are left out.
   *
   * @param records      HostedClusterBackup records from any cluster namespaces
   * @param skipClusters cluster namespaces left alone (the hub passes the lost clusters: fail-over restores from their
   *                     backups, and no agent could delete their objects)
   */
  public static Map<SchedulePlacement.Target, Plan> forPolicy(String policy, Rules rules,
                                                              Collection<HostedClusterBackup> records,
                                                              Set<String> skipClusters, Instant now) {
    Map<SchedulePlacement.Target, List<Backup>> groups = new TreeMap<>();
    for (HostedClusterBackup b : records) {
      SchedulePlacement.Target t = PolicyInputs.target(b);
      if (t != null && policy.equals(PolicyInputs.policyOf(b)) && !PolicyInputs.deleting(b)
          && !skipClusters.contains(t.cluster())) {
        groups.computeIfAbsent(t, k -> new ArrayList<>()).add(PolicyInputs.backup(b));
      }
    }
    Map<SchedulePlacement.Target, Plan> plans = new TreeMap<>();
    groups.forEach((t, backups) -> plans.put(t, plan(rules, backups, now)));
    return plans;
  }

  /** @param backups the records of one hosted cluster that one policy scheduled, not being deleted */
  public static Plan plan(Rules rules, Collection<Backup> backups, Instant now) {
    List<Backup> ordered = backups.stream().sorted(NEWEST_FIRST).toList();
    Backup newest = newestCompleted(ordered).orElse(null);
    Backup verified = newestVerified(ordered).orElse(null);
    Instant oldestAllowed = rules.maxAge() == null ? null : now.minus(rules.maxAge());
    List<Decision> out = new ArrayList<>();
    int completedRank = 0;
    for (Backup b : ordered) {
      Phase phase = b.phase() == null ? Phase.New : b.phase();
      switch (phase) {
        case New, InProgress -> out.add(keep(b, phase + ": the agent is still working on it"));
        case Completed -> {
          completedRank++;
          if (b == newest) {
            out.add(keep(b, "newest Completed backup of the hosted cluster not known bad: never deleted"));
          } else if (b == verified) {
            out.add(keep(b, "newest backup of the hosted cluster whose verification passed: never deleted"));
          } else if (rules.keepLast() != null && completedRank > rules.keepLast()) {
            out.add(delete(b, "beyond keepLast " + rules.keepLast() + ": it is Completed backup number "
                + completedRank + ", newest first"));
          } else if (tooOld(b, oldestAllowed)) {
            out.add(delete(b, "older than maxAge " + Durations.format(rules.maxAge()) + ": taken at "
                + Time.format(b.time())));
          } else if (!rules.any()) {
            out.add(keep(b, "no retention limits"));
          } else {
            out.add(keep(b, "within " + limits(rules)));
          }
        }
        case Failed -> {
          if (!rules.any()) {
            out.add(keep(b, "no retention limits"));
          } else if (newest != null && b.time() != null && b.time().isBefore(newest.time())) {
            out.add(delete(b, "Failed before the newest Completed backup " + newest.name() + " completed"));
          } else if (tooOld(b, oldestAllowed)) {
            out.add(delete(b, "Failed, older than maxAge " + Durations.format(rules.maxAge())));
          } else {
            out.add(keep(b, newest == null ? "Failed, and no backup has completed: kept as evidence"
                : "Failed after the newest Completed backup: kept as evidence"));
          }
        }
      }
    }
    return new Plan(List.copyOf(out));
  }

  /** A backup whose time is unknown is never too old: it is kept rather than guessed at. */
  private static boolean tooOld(Backup b, Instant oldestAllowed) {
    return oldestAllowed != null && b.time() != null && b.time().isBefore(oldestAllowed);
  }

  private static String limits(Rules rules) {
    List<String> parts = new ArrayList<>();
    if (rules.keepLast() != null) {
      parts.add("keepLast " + rules.keepLast());
    }
    if (rules.maxAge() != null) {
      parts.add("maxAge " + Durations.format(rules.maxAge()));
    }
    return String.join(" and ", parts);
  }

  private static Decision keep(Backup b, String reason) { return new Decision(b, Action.KEEP, reason); }

  private static Decision delete(Backup b, String reason) { return new Decision(b, Action.DELETE, reason); }
}
