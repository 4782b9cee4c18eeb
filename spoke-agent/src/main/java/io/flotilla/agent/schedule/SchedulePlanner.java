package io.flotilla.agent.schedule;

import io.flotilla.common.CronSchedule;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which scheduled backups are due now: the schedule's decision, as values in and values out (no client, no clock).
 *
 * <p>The rule is Kubernetes CronJob's with {@code concurrencyPolicy: Forbid} and no {@code startingDeadlineSeconds}:
 * <ul>
 *   <li>A policy's hosted cluster is due when its schedule's most recent time at or before now is later than the time
 *       of its last run. It then runs once, for that most recent time.</li>
 *   <li>Catch-up: after the agent was down (or the hosted cluster busy) across several scheduled times, only the most
 *       recent one runs, once, as soon as the agent is back; the older ones are skipped, never run in a burst. There is
 *       no starting deadline: a late backup is better than none.</li>
 *   <li>Never two at once: a hosted cluster with a backup still running (any policy) is not started again; its missed
 *       time waits and runs, once, when it is free.</li>
 *   <li>A policy and hosted cluster seen for the first time start counting from now (as a CronJob counts from its
 *       creation): no backup for times before the agent knew of them.</li>
 * </ul>
 * Times are read in the entry's time zone (cron-utils handles daylight-saving transitions); last-run times are
 * instants, so a zone change does not replay a run.
 */
public final class SchedulePlanner {
  /**
   * @param runs     backups to start now, at most one per hosted cluster
   * @param lastRuns the last-run times to keep: those given, plus "now" for each newly seen policy and hosted cluster,
   *                 minus those no longer in the schedule; the caller adds each run's time once its record exists
   * @param problems entries that cannot run, each with the reason (the hub reports them on the policy too)
   */
  public record Plan(List<ScheduledRun> runs, Map<String, Instant> lastRuns, List<String> problems) {}

  private final Map<String, CronSchedule> parsed = new HashMap<>();

  /** Key of a policy's hosted cluster in the last-run times: "policy/namespace/name" (none of them contains "/"). */
  public static String key(String policy, NamespacedName hc) {
    return policy + "/" + hc.namespace + "/" + hc.name;
  }

  public Plan plan(EffectiveBackupSchedule schedule, Map<String, Instant> lastRuns, Set<NamespacedName> busy,
      Instant now) {
    List<ScheduledRun> runs = new ArrayList<>();
    Map<String, Instant> keep = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    Set<NamespacedName> starting = new HashSet<>(busy);
    List<EffectiveBackupSchedule.Entry> entries = schedule == null || schedule.entries == null ? List.of()
        : schedule.entries;
    Set<String> ambiguousNames = ambiguousNames(entries);
    for (EffectiveBackupSchedule.Entry entry : entries) {
      if (entry == null || entry.policy == null || entry.policy.isBlank()) {
        problems.add("a schedule entry names no policy");
        continue;
      }
      if (entry.store == null || entry.store.isBlank()) {
        problems.add("policy " + entry.policy + ": the schedule names no BackupStore");
        continue;
      }
      CronSchedule cron;
      try {
        cron = cron(entry);
      } catch (IllegalArgumentException e) {
        problems.add("policy " + entry.policy + ": " + e.getMessage());
        continue;
      }
      Optional<Instant> due = cron.lastAtOrBefore(now);
      for (NamespacedName hc : entry.hostedClusters == null ? List.<NamespacedName>of() : entry.hostedClusters) {
        if (hc == null || hc.namespace == null || hc.name == null) {
          continue;
        }
        String key = key(entry.policy, hc);
        Instant last = lastRuns.get(key);
        if (last == null) {
          keep.put(key, now);
          continue;
        }
        keep.put(key, last);
        if (due.isPresent() && due.get().isAfter(last) && starting.add(hc)) {
          runs.add(new ScheduledRun(entry, new NamespacedName(hc.namespace, hc.name), due.get(),
              ScheduledRun.recordName(entry.policy, hc, due.get(), ambiguousNames.contains(hc.name))));
        }
      }
    }
    return new Plan(List.copyOf(runs), keep, List.copyOf(problems));
  }

  private CronSchedule cron(EffectiveBackupSchedule.Entry entry) {
    String id = entry.schedule + "\u0000" + entry.timeZone;
    CronSchedule cron = parsed.get(id);
    if (cron == null) {
      cron = CronSchedule.parse(entry.schedule, entry.timeZone);
      parsed.put(id, cron);
    }
    return cron;
  }

  /** Hosted-cluster names that occur in more than one namespace: their record names carry the namespace too. */
  private static Set<String> ambiguousNames(List<EffectiveBackupSchedule.Entry> entries) {
    Map<String, String> namespaceOf = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    for (EffectiveBackupSchedule.Entry e : entries) {
      if (e == null || e.hostedClusters == null) {
        continue;
      }
      for (NamespacedName hc : e.hostedClusters) {
        if (hc != null && hc.name != null) {
          String ns = namespaceOf.putIfAbsent(hc.name, hc.namespace);
          if (ns != null && !ns.equals(hc.namespace)) {
            ambiguous.add(hc.name);
          }
        }
      }
    }
    return ambiguous;
  }
}
