package io.flotilla.hub.dr.policy;

import io.flotilla.common.DesiredCondition;

import io.flotilla.common.Conditions;
import io.flotilla.common.Durations;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The BackupPolicy conditions, built in one place from what the reconcile found: {@code Valid} (spec and store),
 * {@code Suspended}, {@code Overlapping} (the overlap rule of {@link SchedulePlacement}, stated in the message) and
 * {@code Compliant} (the {@link RpoCompliance} report); with restore drills ({@link #drills}) {@code DrillsPassing}
 * (naming the backups whose latest drill failed) and {@code VerifiedCompliant} (the {@link VerifiedRpo} report).
 * Messages name at most {@value #MAX_NAMED} hosted clusters or backups.
 */
public final class PolicyConditions {
  private PolicyConditions() {}

  public static final String REASON_VALID_SPEC = "ValidSpec";
  public static final String REASON_INVALID_SPEC = "InvalidSpec";
  public static final String REASON_STORE_NOT_ENCRYPTED = "StoreNotEncrypted";
  public static final String REASON_SUSPENDED = "Suspended";
  public static final String REASON_ACTIVE = "Active";
  public static final String REASON_YIELDS = "YieldsHostedClusters";
  public static final String REASON_TAKES_PRECEDENCE = "TakesPrecedence";
  public static final String REASON_NO_OVERLAP = "NoOverlap";
  public static final String REASON_NOT_ACTIVE = "NotActive";
  public static final String REASON_WITHIN_RPO = "WithinRPO";
  public static final String REASON_RPO_EXCEEDED = "RPOExceeded";
  public static final String REASON_NO_HOSTED_CLUSTERS = "NoHostedClusters";
  public static final String REASON_DRILLS_PASSED = "DrillsPassed";
  public static final String REASON_DRILL_FAILED = "DrillFailed";
  public static final String REASON_NO_DRILLS_YET = "NoDrillsYet";
  public static final String REASON_WITHIN_VERIFIED_RPO = "WithinVerifiedRPO";
  public static final String REASON_VERIFIED_RPO_EXCEEDED = "VerifiedRPOExceeded";

  /** The condition types only a policy with spec.verification has. */
  public static final List<String> DRILL_TYPES = List.of(BackupPolicyStatus.DRILLS_PASSING,
      BackupPolicyStatus.VERIFIED_COMPLIANT);

  /** A backup whose latest restore drill failed: {@code cluster} is its namespace, {@code message} the agent's. */
  public record FailedDrill(String cluster, String backup, SchedulePlacement.Target target, String message) {}

  /** The overlap rule as the Overlapping condition states it. */
  public static final String OVERLAP_RULE = "of the active policies selecting a hosted cluster, the one whose name"
      + " sorts first backs it up";

  static final int MAX_NAMED = 10;

  /**
   * @param problems     {@link PolicyValidation#validate} messages
   * @param storeProblem {@link PolicyValidation#storeProblem}
   * @param share        the policy's {@link SchedulePlacement.Share}
   * @param rpo          the RPO report; null when not evaluated (the policy is not active)
   */
  public static List<DesiredCondition> of(List<String> problems, Optional<String> storeProblem, boolean suspended,
                                   SchedulePlacement.Share share, RpoCompliance.Report rpo) {
    List<DesiredCondition> out = new ArrayList<>();
    boolean valid = problems.isEmpty() && storeProblem.isEmpty();
    if (!problems.isEmpty()) {
      out.add(new DesiredCondition(BackupPolicyStatus.VALID, Conditions.FALSE, REASON_INVALID_SPEC,
          "the spec is invalid, so the policy schedules no backups and deletes none: " + String.join("; ", problems)));
    } else if (storeProblem.isPresent()) {
      out.add(new DesiredCondition(BackupPolicyStatus.VALID, Conditions.FALSE, REASON_STORE_NOT_ENCRYPTED, storeProblem.get()));
    } else {
      out.add(new DesiredCondition(BackupPolicyStatus.VALID, Conditions.TRUE, REASON_VALID_SPEC, "the spec is valid"));
    }
    out.add(suspended
        ? new DesiredCondition(BackupPolicyStatus.SUSPENDED, Conditions.TRUE, REASON_SUSPENDED,
            "spec.suspend is set: no backups are scheduled; retention still applies")
        : new DesiredCondition(BackupPolicyStatus.SUSPENDED, Conditions.FALSE, REASON_ACTIVE, "backups are scheduled"));
    out.add(overlapping(valid && !suspended, share));
    out.add(compliant(problems, storeProblem, suspended, rpo));
    return out;
  }

  private static DesiredCondition overlapping(boolean active, SchedulePlacement.Share share) {
    if (!active) {
      return new DesiredCondition(BackupPolicyStatus.OVERLAPPING, Conditions.FALSE, REASON_NOT_ACTIVE,
          "the policy is not active, so it takes no hosted cluster from another policy");
    }
    if (!share.yielded().isEmpty()) {
      String message = share.yielded().size() + " hosted cluster(s) this policy selects are backed up by another"
          + " policy (" + OVERLAP_RULE + "): " + named(share.yielded(), o -> o.target() + " by " + o.policy());
      if (!share.precedes().isEmpty()) {
        message += "; it backs up " + share.precedes().size() + " hosted cluster(s) later policies also select: "
            + named(share.precedes(), o -> o.target() + " (also " + o.policy() + ")");
      }
      return new DesiredCondition(BackupPolicyStatus.OVERLAPPING, Conditions.TRUE, REASON_YIELDS, message);
    }
    if (!share.precedes().isEmpty()) {
      return new DesiredCondition(BackupPolicyStatus.OVERLAPPING, Conditions.TRUE, REASON_TAKES_PRECEDENCE,
          share.precedes().size() + " hosted cluster(s) this policy backs up are also selected by policies whose"
              + " names sort after it (" + OVERLAP_RULE + "): "
              + named(share.precedes(), o -> o.target() + " (also " + o.policy() + ")"));
    }
    return new DesiredCondition(BackupPolicyStatus.OVERLAPPING, Conditions.FALSE, REASON_NO_OVERLAP,
        "no other active policy selects the hosted clusters this policy selects");
  }

  private static DesiredCondition compliant(List<String> problems, Optional<String> storeProblem, boolean suspended,
                                     RpoCompliance.Report rpo) {
    if (rpo == null) {
      String reason = !problems.isEmpty() ? REASON_INVALID_SPEC
          : storeProblem.isPresent() ? REASON_STORE_NOT_ENCRYPTED : REASON_SUSPENDED;
      return new DesiredCondition(BackupPolicyStatus.COMPLIANT, Conditions.UNKNOWN, reason,
          "the policy is not active, so it promises no RPO");
    }
    String target = Durations.format(rpo.target()) + " (interval " + Durations.format(rpo.interval()) + " + grace "
        + Durations.format(rpo.grace()) + ")";
    if (rpo.total() == 0) {
      return new DesiredCondition(BackupPolicyStatus.COMPLIANT, Conditions.UNKNOWN, REASON_NO_HOSTED_CLUSTERS,
          "the policy backs up no hosted cluster: its selectors select none, or other policies back them up");
    }
    if (rpo.compliant() == rpo.total()) {
      return new DesiredCondition(BackupPolicyStatus.COMPLIANT, Conditions.TRUE, REASON_WITHIN_RPO,
          "all " + rpo.total() + " hosted cluster(s) have a Completed backup no older than " + target);
    }
    List<RpoCompliance.Entry> late = rpo.entries().stream().filter(e -> !e.compliant()).toList();
    return new DesiredCondition(BackupPolicyStatus.COMPLIANT, Conditions.FALSE, REASON_RPO_EXCEEDED,
        late.size() + " of " + rpo.total() + " hosted cluster(s) have no Completed backup within " + target + ": "
            + named(late, e -> e.target() + (e.age() == null ? " (no backup)"
                : " (newest " + Durations.format(e.age()) + " old)")));
  }

  /**
   * {@code DrillsPassing} and {@code VerifiedCompliant}, for a policy with spec.verification.
   *
   * @param verified the verified RPO report; null when the policy is not active
   * @param failed   backups of the hosted clusters the policy backs up whose latest drill failed, newest first
   * @param drilled  how many of those backups have a drill answer (passed or failed)
   */
  public static List<DesiredCondition> drills(VerifiedRpo.Report verified, List<FailedDrill> failed, int drilled) {
    if (verified == null) {
      return List.of(
          new DesiredCondition(BackupPolicyStatus.DRILLS_PASSING, Conditions.UNKNOWN, REASON_NOT_ACTIVE,
              "the policy is not active, so it asks for no restore drills"),
          new DesiredCondition(BackupPolicyStatus.VERIFIED_COMPLIANT, Conditions.UNKNOWN, REASON_NOT_ACTIVE,
              "the policy is not active, so it promises no verified RPO"));
    }
    DesiredCondition passing;
    if (!failed.isEmpty()) {
      // which backup, and what the agent found: the operator's first two questions
      passing = new DesiredCondition(BackupPolicyStatus.DRILLS_PASSING, Conditions.FALSE, REASON_DRILL_FAILED,
          failed.size() + " backup(s) failed their restore drill: " + named(failed, f -> f.cluster() + "/"
              + f.backup() + " (" + f.target().hostedCluster() + "): " + firstWords(f.message()))
              + "; delete the backup, or drill it again with flotilla backup verify --restore CLUSTER BACKUP");
    } else if (drilled == 0) {
      passing = new DesiredCondition(BackupPolicyStatus.DRILLS_PASSING, Conditions.UNKNOWN, REASON_NO_DRILLS_YET,
          "no backup of the policy's hosted clusters has been drilled yet");
    } else {
      passing = new DesiredCondition(BackupPolicyStatus.DRILLS_PASSING, Conditions.TRUE, REASON_DRILLS_PASSED,
          "the latest restore drill of each of the " + drilled + " drilled backup(s) passed");
    }
    DesiredCondition compliant;
    String target = Durations.format(verified.target());
    if (verified.total() == 0) {
      compliant = new DesiredCondition(BackupPolicyStatus.VERIFIED_COMPLIANT, Conditions.UNKNOWN,
          REASON_NO_HOSTED_CLUSTERS, "the policy backs up no hosted cluster");
    } else if (verified.compliant() == verified.total()) {
      compliant = new DesiredCondition(BackupPolicyStatus.VERIFIED_COMPLIANT, Conditions.TRUE,
          REASON_WITHIN_VERIFIED_RPO, "all " + verified.total() + " hosted cluster(s) have a backup that passed a"
              + " restore drill no older than " + target);
    } else {
      List<VerifiedRpo.Entry> late = verified.entries().stream().filter(e -> !e.compliant()).toList();
      compliant = new DesiredCondition(BackupPolicyStatus.VERIFIED_COMPLIANT, Conditions.FALSE,
          REASON_VERIFIED_RPO_EXCEEDED, late.size() + " of " + verified.total() + " hosted cluster(s) have no backup"
              + " that passed a restore drill within " + target + ": " + named(late, e -> e.target()
              + (e.age() == null ? " (none drilled)" : " (newest drilled " + Durations.format(e.age()) + " old)")));
    }
    return List.of(passing, compliant);
  }

  /** The agent's message, cut to a length a condition list stays readable with. */
  private static String firstWords(String message) {
    if (message == null) {
      return "no message";
    }
    String one = message.lines().findFirst().orElse("");
    return one.length() <= 200 ? one : one.substring(0, 199) + "…";
  }

  private static <T> String named(List<T> items, Function<T, String> name) {
    List<String> names = items.stream().limit(MAX_NAMED).map(name).toList();
    String text = String.join(", ", names);
    return items.size() > MAX_NAMED ? text + " and " + (items.size() - MAX_NAMED) + " more" : text;
  }
}
