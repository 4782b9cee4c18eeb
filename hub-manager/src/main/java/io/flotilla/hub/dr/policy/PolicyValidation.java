package io.flotilla.hub.dr.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.common.CronSchedule;
import io.flotilla.common.Durations;
import io.flotilla.api.common.Validation;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.hub.addon.placement.LabelSelectors;
import io.flotilla.hub.cluster.selection.ClusterSelection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What is wrong with a BackupPolicy spec, as messages an operator can act on. The admission webhook refuses a policy
 * with any message, and the reconciler reports the same messages in the Valid condition (a policy can reach the API
 * without the webhook), so the two never disagree. An invalid policy takes no backups and deletes none.
 */
public final class PolicyValidation {
  private PolicyValidation() {}

  /** A cron expression has no year, so one that fires at all fires within 28 years of any instant. */
  private static final Instant NEVER_FIRES_PROBE = Instant.parse("2000-01-01T00:00:00Z");

  /** Every problem of {@code spec}; empty when it is valid. */
  public static List<String> validate(BackupPolicySpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      problems.add("spec is required");
      return problems;
    }
    boolean zoneKnown = true;
    try {
      CronSchedule.zone(spec.timeZone);
    } catch (IllegalArgumentException e) {
      zoneKnown = false;
      problems.add("spec.timeZone: " + e.getMessage());
    }
    try {
      // the zone was judged above; the expression is judged on its own so both problems are reported at once
      CronSchedule schedule = CronSchedule.parse(spec.schedule, zoneKnown ? spec.timeZone : null);
      if (schedule.nextAfter(NEVER_FIRES_PROBE).isEmpty()) {
        problems.add("spec.schedule: schedule \"" + spec.schedule + "\" never fires (no such date)");
      }
    } catch (IllegalArgumentException e) {
      problems.add("spec.schedule: " + e.getMessage());
    }
    if (spec.store == null || spec.store.isBlank()) {
      problems.add("spec.store is required: the name of a BackupStore");
    } else if (!spec.store.matches(Validation.DNS1123_SUBDOMAIN)) {
      problems.add("spec.store \"" + spec.store + "\" is not a valid BackupStore name");
    }
    ClusterSelection.specProblem("spec", spec.clusterSelector, spec.placementRef).ifPresent(problems::add);
    if (spec.hostedClusterSelector != null) {
      selectorProblem("spec.hostedClusterSelector.labelSelector", spec.hostedClusterSelector.labelSelector)
          .ifPresent(problems::add);
      List<String> namespaces = spec.hostedClusterSelector.namespaces;
      for (int i = 0; namespaces != null && i < namespaces.size(); i++) {
        String ns = namespaces.get(i);
        if (ns == null || !ns.matches(Validation.DNS1123_LABEL)) {
          problems.add("spec.hostedClusterSelector.namespaces[" + i + "] \"" + ns + "\" is not a namespace name");
        }
      }
    }
    if (spec.retention != null) {
      Integer keepLast = spec.retention.keepLast;
      if (keepLast != null && keepLast < 1) {
        problems.add("spec.retention.keepLast must be at least 1, got " + keepLast
            + " (the newest Completed backup is always kept; omit keepLast for no count limit)");
      }
      Durations.positiveProblem("spec.retention.maxAge", spec.retention.maxAge).ifPresent(problems::add);
    }
    io.flotilla.common.PauseWindow.problem("spec.maxPauseWindow", spec.maxPauseWindow).ifPresent(problems::add);
    verificationProblems(spec.verification, zoneKnown ? spec.timeZone : null, problems);
    return problems;
  }

  /** Restore drills: exactly one cadence, a count of at least 1 or a schedule that fires, a positive age. */
  private static void verificationProblems(BackupPolicySpec.Verification v, String timeZone, List<String> problems) {
    if (v == null) {
      return;
    }
    boolean schedule = v.schedule != null && !v.schedule.isBlank();
    if (v.everyNth == null && !schedule) {
      problems.add("spec.verification needs everyNth (drill every Nth backup, e.g. 1) or schedule (a cron"
          + " expression for the drills); remove verification for no drills");
    } else if (v.everyNth != null && schedule) {
      problems.add("spec.verification has both everyNth " + v.everyNth + " and schedule \"" + v.schedule
          + "\": drills follow one or the other, keep one");
    }
    if (v.everyNth != null && v.everyNth < 1) {
      problems.add("spec.verification.everyNth must be at least 1 (1 drills every backup), got " + v.everyNth);
    }
    if (schedule) {
      try {
        if (CronSchedule.parse(v.schedule, timeZone).nextAfter(NEVER_FIRES_PROBE).isEmpty()) {
          problems.add("spec.verification.schedule: schedule \"" + v.schedule + "\" never fires (no such date)");
        }
      } catch (IllegalArgumentException e) {
        problems.add("spec.verification.schedule: " + e.getMessage());
      }
    } else if (v.schedule != null) {
      problems.add("spec.verification.schedule is empty: a cron expression, or leave it out");
    }
    Durations.positiveProblem("spec.verification.maxVerifiedAge", v.maxVerifiedAge).ifPresent(problems::add);
  }

  /**
   * Why the policy's store refuses it: {@code encryption.required} and a store that does not encrypt. A store that
   * does not exist (yet) is not judged here: the agent reports it on each backup it cannot take.
   *
   * @param store the spec of the BackupStore named by {@code spec.store}; null when there is none
   */
  public static Optional<String> storeProblem(BackupPolicySpec spec, BackupStoreSpec store) {
    if (spec == null || spec.encryption == null || !Boolean.TRUE.equals(spec.encryption.required) || store == null) {
      return Optional.empty();
    }
    if (store.encryption == null || store.encryption.type == null
        || store.encryption.type == BackupStoreSpec.Encryption.Type.None) {
      return Optional.of("spec.encryption.required is set but BackupStore " + spec.store
          + " has encryption type None: no backups are scheduled until the store encrypts or the requirement is"
          + " lifted");
    }
    return Optional.empty();
  }

  private static Optional<String> selectorProblem(String field, LabelSelector selector) {
    return LabelSelectors.problem(selector).map(p -> field + ": " + p);
  }


}
