package io.flotilla.hub.addon.validation;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.common.SemanticVersion;
import io.flotilla.api.common.Validation;
import io.flotilla.hub.cluster.selection.ClusterSelection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The add-on validation rules, in one place for both callers seed 003 asks for: the admission webhook refuses bad
 * input with these messages, and the reconcilers (which a webhook bypass or the sandbox's API server let bad input
 * reach) surface the same reason and message in status. Pure: values in, problems out.
 *
 * <p>Semantic-version precedence is implemented here (semver.org §11): no semver library is available to this
 * build offline, and precedence is a dozen lines.
 */
public final class AddOnValidation {
  private AddOnValidation() {}

  /** Same reason as the ManagedAddOn condition type, so webhook denials and status read alike. */
  public static final String INVALID_VERSION = ManagedAddOn.INVALID_VERSION;
  public static final String INVALID_NAME = "InvalidName";
  public static final String INVALID_ROLLOUT_STRATEGY = "InvalidRolloutStrategy";
  public static final String IMMUTABLE_SPEC = "ImmutableSpec";
  public static final String INVALID_PLACEMENT = "InvalidPlacement";

  public static final String IMMUTABLE_RELEASE_MESSAGE = "AddOnRelease spec is immutable; publish a new version instead";

  /** A reason (CamelCase, usable as a condition reason) and a message for a person. */
  public record Problem(String reason, String message) {
    public Problem {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }

  private static final Pattern SEMVER = Pattern.compile(Validation.SEMVER);
  private static final Pattern COUNT = Pattern.compile("^[0-9]+$");
  private static final Pattern PERCENT = Pattern.compile("^([0-9]+)%$");

  // ---------------------------------------------------------------- placement

  /** The fleet's clusters chosen both by labels and by an OCM Placement, or either of them unusable. */
  public static Optional<Problem> placementProblem(FleetAddOnSpec.Placement placement) {
    return placement == null ? Optional.empty()
        : ClusterSelection.specProblem("spec.placement", placement.clusterSelector, placement.placementRef)
            .map(m -> new Problem(INVALID_PLACEMENT, m));
  }

  // ---------------------------------------------------------------- versions

  public static boolean isSemanticVersion(String version) {
    return version != null && SEMVER.matcher(version).matches();
  }

  /** A malformed version, or empty when {@code version} is a semantic version. */
  public static Optional<Problem> versionFormatProblem(String version) {
    if (version == null || version.isBlank()) {
      return Optional.of(new Problem(INVALID_VERSION, "version is not set"));
    }
    return isSemanticVersion(version) ? Optional.empty()
        : Optional.of(new Problem(INVALID_VERSION, "version " + version + " is not a semantic version"));
  }

  /**
   * Why {@code version} cannot be used for {@code addOn}: malformed, or no release of it; the message names the
   * versions that do exist, in semver order.
   */
  public static Optional<Problem> versionProblem(String addOn, String version, Collection<String> releasedVersions) {
    Optional<Problem> format = versionFormatProblem(version);
    if (format.isPresent()) {
      return format;
    }
    if (releasedVersions != null && releasedVersions.contains(version)) {
      return Optional.empty();
    }
    return Optional.of(new Problem(INVALID_VERSION,
        "no release " + version + " of add-on " + addOn + "; available: " + available(releasedVersions)));
  }

  /** "1.0.0, 1.1.0" in semver order, or "none published". */
  public static String available(Collection<String> releasedVersions) {
    List<String> sorted = sortedVersions(releasedVersions);
    return sorted.isEmpty() ? "none published" : String.join(", ", sorted);
  }

  /** The versions of {@code addOn} among {@code releases} (by spec.addOn, not by name). */
  public static List<String> releasedVersions(String addOn, Collection<AddOnRelease> releases) {
    if (releases == null) {
      return List.of();
    }
    return sortedVersions(releases.stream()
        .filter(r -> r.getSpec() != null && Objects.equals(addOn, r.getSpec().addOn) && r.getSpec().version != null)
        .map(r -> r.getSpec().version)
        .collect(Collectors.toSet()));
  }

  /** Distinct versions, lowest first by semver precedence; malformed ones last, alphabetically. */
  public static List<String> sortedVersions(Collection<String> versions) {
    if (versions == null) {
      return List.of();
    }
    return versions.stream().filter(Objects::nonNull).distinct().sorted(SEMVER_ORDER).toList();
  }

  /**
   * Semver precedence (semver.org §11). A total order: versions equal in precedence (they differ only in build
   * metadata) are ordered by their text, and malformed versions sort after all valid ones.
   */
  public static final Comparator<String> SEMVER_ORDER = AddOnValidation::compareVersions;

  public static int compareVersions(String a, String b) {
    boolean va = SemanticVersion.isValid(a);
    boolean vb = SemanticVersion.isValid(b);
    if (!va || !vb) {
      return va == vb ? a.compareTo(b) : (va ? -1 : 1);
    }
    int c = SemanticVersion.compare(a, b);
    return c != 0 ? c : a.compareTo(b);
  }

  /** Precedence only: 0 for versions that differ only in build metadata. */
  public static int comparePrecedence(String a, String b) {
    return SemanticVersion.compare(a, b);
  }

  // ---------------------------------------------------------------- releases

  /** An AddOnRelease must be named {@code <addOn>-<version>} and carry a semantic version. */
  public static Optional<Problem> releaseProblem(String name, AddOnReleaseSpec spec) {
    if (spec == null || spec.addOn == null || spec.addOn.isBlank()) {
      return Optional.of(new Problem(INVALID_NAME, "AddOnRelease " + name + " has no spec.addOn"));
    }
    Optional<Problem> format = versionFormatProblem(spec.version);
    if (format.isPresent()) {
      return format;
    }
    String expected = AddOnRelease.nameFor(spec.addOn, spec.version);
    if (!expected.equals(name)) {
      return Optional.of(new Problem(INVALID_NAME,
          "AddOnRelease of " + spec.addOn + " " + spec.version + " must be named " + expected + ", not " + name));
    }
    return Optional.empty();
  }

  /** Any difference between two specs of one AddOnRelease (compared as values, not by identity). */
  public static Optional<String> releaseSpecChange(AddOnReleaseSpec oldSpec, AddOnReleaseSpec newSpec) {
    return sameSpec(oldSpec, newSpec) ? Optional.empty() : Optional.of(IMMUTABLE_RELEASE_MESSAGE);
  }

  private static boolean sameSpec(AddOnReleaseSpec a, AddOnReleaseSpec b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.addOn, b.addOn)
        && Objects.equals(a.version, b.version)
        && Objects.equals(a.progressDeadline, b.progressDeadline)
        && Objects.equals(emptyIfNull(a.manifests), emptyIfNull(b.manifests))
        && sameVariables(emptyIfNull(a.variables), emptyIfNull(b.variables));
  }

  private static boolean sameVariables(List<AddOnReleaseSpec.Variable> a, List<AddOnReleaseSpec.Variable> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      AddOnReleaseSpec.Variable x = a.get(i);
      AddOnReleaseSpec.Variable y = b.get(i);
      if (x == null || y == null ? x != y
          : !Objects.equals(x.name, y.name) || !Objects.equals(x.defaultValue, y.defaultValue)) {
        return false;
      }
    }
    return true;
  }

  private static <T> List<T> emptyIfNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  // ---------------------------------------------------------------- rollout strategy

  /** Everything wrong with a rollout strategy, one message each; empty when it makes sense. Null means defaults. */
  public static List<String> strategyProblems(RolloutStrategy strategy) {
    List<String> problems = new ArrayList<>();
    if (strategy == null) {
      return problems;
    }
    RolloutStrategy.Type type = strategy.type == null ? RolloutStrategy.Type.All : strategy.type;

    if (strategy.maxConcurrency != null) {
      if (type == RolloutStrategy.Type.All) {
        problems.add("maxConcurrency applies to Progressive and ProgressivePerGroup; type All starts every cluster"
            + " at once");
      }
      countOrPercentProblem("maxConcurrency", strategy.maxConcurrency, 1).ifPresent(problems::add);
    }
    if (strategy.maxFailures != null) {
      countOrPercentProblem("maxFailures", strategy.maxFailures, 0).ifPresent(problems::add);
    }
    durationProblem("minSuccessTime", strategy.minSuccessTime, false).ifPresent(problems::add);
    durationProblem("progressDeadline", strategy.progressDeadline, true).ifPresent(problems::add);

    List<RolloutStrategy.Group> groups = emptyIfNull(strategy.groups);
    if (type == RolloutStrategy.Type.ProgressivePerGroup && groups.isEmpty()) {
      problems.add("ProgressivePerGroup needs at least one group");
    }
    if (type == RolloutStrategy.Type.All && !groups.isEmpty()) {
      problems.add("groups apply to Progressive and ProgressivePerGroup; type All starts every cluster at once");
    }
    Set<String> seen = new HashSet<>();
    Set<String> duplicates = new TreeSet<>();
    for (int i = 0; i < groups.size(); i++) {
      RolloutStrategy.Group group = groups.get(i);
      String name = group == null ? null : group.name;
      if (name == null || name.isBlank()) {
        problems.add("groups[" + i + "] has no name");
        continue;
      }
      if (!seen.add(name)) {
        duplicates.add(name);
      }
      if (group.clusterSelector == null) {
        problems.add("group " + name + " has no clusterSelector");
      }
    }
    if (!duplicates.isEmpty()) {
      problems.add("group names must be unique; repeated: " + String.join(", ", duplicates));
    }
    return problems;
  }

  /** The strategy's problems as one Problem (reason {@value #INVALID_ROLLOUT_STRATEGY}), or empty. */
  public static Optional<Problem> strategyProblem(RolloutStrategy strategy) {
    List<String> problems = strategyProblems(strategy);
    return problems.isEmpty() ? Optional.empty()
        : Optional.of(new Problem(INVALID_ROLLOUT_STRATEGY, "rolloutStrategy: " + String.join("; ", problems)));
  }

  /** A count (>= {@code min}) or a percentage ({@code min}%..100%), as OCM's IntOrString fields take. */
  private static Optional<String> countOrPercentProblem(String field, IntOrString value, int min) {
    Integer count = value.getIntVal();
    String text = value.getStrVal();
    if (count == null && text != null && COUNT.matcher(text).matches()) {
      count = parseIntOrMax(text);
    }
    String bound = min == 0 ? "must not be negative" : "must be at least " + min;
    if (count != null) {
      return count < min ? Optional.of(field + " " + bound + ", got " + count) : Optional.empty();
    }
    Matcher percent = text == null ? null : PERCENT.matcher(text);
    if (percent == null || !percent.matches()) {
      return Optional.of(field + " \"" + text + "\" must be a count or a percentage such as 25%");
    }
    int p = parseIntOrMax(percent.group(1));
    if (p < min || p > 100) {
      return Optional.of(field + " " + text + " must be between " + min + "% and 100%");
    }
    return Optional.empty();
  }

  private static int parseIntOrMax(String digits) {
    return digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
  }

  private static Optional<String> durationProblem(String field, String value, boolean positive) {
    if (value == null) {
      return Optional.empty();
    }
    Optional<Duration> d = parseDuration(value);
    if (d.isEmpty()) {
      return Optional.of(field + " \"" + value + "\" is not a duration such as 90s, 10m or 1h30m");
    }
    if (positive && d.get().isZero()) {
      return Optional.of(field + " must be longer than 0s");
    }
    return Optional.empty();
  }

  /**
   * A duration as Kubernetes APIs write them (Go's time.ParseDuration without sign: "90s", "1.5h", "1h30m",
   * "500ms"), matching {@link Validation#DURATION}; empty when malformed.
   */
  public static Optional<Duration> parseDuration(String value) {
    try {
      return Optional.of(io.flotilla.common.Durations.parse(value));
    } catch (IllegalArgumentException | ArithmeticException e) {
      return Optional.empty(); // malformed, or beyond ~292 years as in Go
    }
  }

}
