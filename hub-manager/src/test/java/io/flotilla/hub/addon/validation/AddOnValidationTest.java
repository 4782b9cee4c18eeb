package io.flotilla.hub.addon.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.hub.addon.validation.AddOnValidation.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddOnValidationTest {

  @Test
  void malformedVersionIsRefusedBeforeLookingForReleases() {
    assertThat(AddOnValidation.versionProblem("foo", "1.x", List.of("1.0.0")))
        .contains(new Problem("InvalidVersion", "version 1.x is not a semantic version"));
    assertThat(AddOnValidation.versionProblem("foo", "v1.0.0", List.of("1.0.0")))
        .contains(new Problem("InvalidVersion", "version v1.0.0 is not a semantic version"));
    assertThat(AddOnValidation.versionProblem("foo", null, List.of("1.0.0")))
        .contains(new Problem("InvalidVersion", "version is not set"));
  }

  @Test
  void missingReleaseNamesTheVersionsThatExistInSemverOrder() {
    assertThat(AddOnValidation.versionProblem("foo", "1.9.0", List.of("1.10.0", "1.1.0", "1.0.0", "1.1.0-rc.1")))
        .contains(new Problem("InvalidVersion",
            "no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0-rc.1, 1.1.0, 1.10.0"));
    assertThat(AddOnValidation.versionProblem("foo", "1.9.0", List.of()))
        .contains(new Problem("InvalidVersion", "no release 1.9.0 of add-on foo; available: none published"));
    assertThat(AddOnValidation.versionProblem("foo", "1.9.0", null)).get()
        .extracting(Problem::message).asString().endsWith("available: none published");
  }

  @Test
  void releasedVersionIsAccepted() {
    assertThat(AddOnValidation.versionProblem("foo", "1.1.0", List.of("1.0.0", "1.1.0"))).isEmpty();
  }

  @Test
  void releasedVersionsAreTakenFromSpecAddOnNotFromTheName() {
    List<AddOnRelease> releases = List.of(release("foo-1.0.0", "foo", "1.0.0"), release("foo-bar-2.0.0", "foo-bar", "2.0.0"),
        release("foo-1.1.0", "foo", "1.1.0"));
    assertThat(AddOnValidation.releasedVersions("foo", releases)).containsExactly("1.0.0", "1.1.0");
    assertThat(AddOnValidation.releasedVersions("foo-bar", releases)).containsExactly("2.0.0");
    assertThat(AddOnValidation.releasedVersions("baz", releases)).isEmpty();
  }

  @Test
  void semverPrecedenceFollowsTheSpecExample() {
    // semver.org §11.4: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11
    //   < 1.0.0-rc.1 < 1.0.0
    List<String> ordered = List.of("0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
        "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "2.0.0", "10.0.0",
        "99999999999999999999.0.0");
    List<String> shuffled = new ArrayList<>(ordered);
    Collections.shuffle(shuffled, new Random(42));
    assertThat(AddOnValidation.sortedVersions(shuffled)).containsExactlyElementsOf(ordered);
  }

  @Test
  void buildMetadataDoesNotAffectPrecedenceButTheOrderStaysTotal() {
    assertThat(AddOnValidation.comparePrecedence("1.0.0+a", "1.0.0+b")).isZero();
    assertThat(AddOnValidation.compareVersions("1.0.0+a", "1.0.0+b")).isNegative();
    assertThat(AddOnValidation.sortedVersions(List.of("1.x", "1.0.0", "abc", "0.1.0")))
        .containsExactly("0.1.0", "1.0.0", "1.x", "abc");
    assertThatThrownBy(() -> AddOnValidation.comparePrecedence("1.x", "1.0.0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.x");
  }

  @ParameterizedTest
  @CsvSource({"foo-1.0.0,foo,1.0.0,", "foo-1.0,foo,1.0,version 1.0 is not a semantic version",
      "foo-1.1.0,foo,1.0.0,'AddOnRelease of foo 1.0.0 must be named foo-1.0.0, not foo-1.1.0'",
      "bar-1.0.0,foo,1.0.0,'AddOnRelease of foo 1.0.0 must be named foo-1.0.0, not bar-1.0.0'"})
  void releaseMustBeNamedAfterAddOnAndVersion(String name, String addOn, String version, String message) {
    Optional<Problem> problem = AddOnValidation.releaseProblem(name, release(name, addOn, version).getSpec());
    if (message == null) {
      assertThat(problem).isEmpty();
    } else {
      assertThat(problem).map(Problem::message).contains(message);
    }
  }

  @Test
  void releaseSpecChangeIsAnyDifferenceByValue() {
    AddOnReleaseSpec a = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    AddOnReleaseSpec same = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    assertThat(AddOnValidation.releaseSpecChange(a, same)).isEmpty();

    AddOnReleaseSpec manifests = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    manifests.manifests.get(0).put("kind", "StatefulSet");
    AddOnReleaseSpec deadline = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    deadline.progressDeadline = "5m";
    AddOnReleaseSpec variable = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    variable.variables.get(0).defaultValue = "2";
    AddOnReleaseSpec version = release("foo-1.0.0", "foo", "1.0.1").getSpec();
    for (AddOnReleaseSpec changed : List.of(manifests, deadline, variable, version)) {
      assertThat(AddOnValidation.releaseSpecChange(a, changed))
          .contains("AddOnRelease spec is immutable; publish a new version instead");
    }
    // an absent list and an empty one are the same spec (JSON round trips may drop either)
    AddOnReleaseSpec noVariables = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    noVariables.variables = new ArrayList<>();
    AddOnReleaseSpec nullVariables = release("foo-1.0.0", "foo", "1.0.0").getSpec();
    nullVariables.variables = null;
    assertThat(AddOnValidation.releaseSpecChange(noVariables, nullVariables)).isEmpty();
  }

  @Test
  void defaultsAndSensibleStrategiesHaveNoProblems() {
    assertThat(AddOnValidation.strategyProblems(null)).isEmpty();
    assertThat(AddOnValidation.strategyProblems(new RolloutStrategy())).isEmpty();
    RolloutStrategy progressive = strategy(RolloutStrategy.Type.Progressive);
    progressive.maxConcurrency = new IntOrString(2);
    progressive.maxFailures = new IntOrString("10%");
    progressive.minSuccessTime = "1m30s";
    progressive.progressDeadline = "10m";
    assertThat(AddOnValidation.strategyProblems(progressive)).isEmpty();
    RolloutStrategy percent = strategy(RolloutStrategy.Type.Progressive);
    percent.maxConcurrency = new IntOrString("100%");
    percent.maxFailures = new IntOrString(0);
    assertThat(AddOnValidation.strategyProblems(percent)).isEmpty();
    RolloutStrategy perGroup = strategy(RolloutStrategy.Type.ProgressivePerGroup);
    perGroup.groups = List.of(group("canary", true), group("rest", false));
    assertThat(AddOnValidation.strategyProblems(perGroup)).isEmpty();
    assertThat(AddOnValidation.strategyProblem(perGroup)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0     | maxConcurrency must be at least 1, got 0",
      "-3    | maxConcurrency must be at least 1, got -3",
      "0%    | maxConcurrency 0% must be between 1% and 100%",
      "101%  | maxConcurrency 101% must be between 1% and 100%",
      "abc   | maxConcurrency \"abc\" must be a count or a percentage such as 25%",
      "-10%  | maxConcurrency \"-10%\" must be a count or a percentage such as 25%"})
  void nonsensicalMaxConcurrencyIsRefused(String value, String message) {
    RolloutStrategy s = strategy(RolloutStrategy.Type.Progressive);
    s.maxConcurrency = value.matches("-?\\d+") ? new IntOrString(Integer.parseInt(value)) : new IntOrString(value);
    assertThat(AddOnValidation.strategyProblems(s)).containsExactly(message);
    assertThat(AddOnValidation.strategyProblem(s))
        .contains(new Problem("InvalidRolloutStrategy", "rolloutStrategy: " + message));
  }

  @Test
  void maxConcurrencyAsADigitStringCountsAsACount() {
    RolloutStrategy s = strategy(RolloutStrategy.Type.Progressive);
    s.maxConcurrency = new IntOrString("0");
    assertThat(AddOnValidation.strategyProblems(s)).containsExactly("maxConcurrency must be at least 1, got 0");
    s.maxConcurrency = new IntOrString("3");
    assertThat(AddOnValidation.strategyProblems(s)).isEmpty();
  }

  @Test
  void maxFailuresMayBeZeroButNotNegativeOrAbove100Percent() {
    RolloutStrategy s = strategy(RolloutStrategy.Type.Progressive);
    s.maxFailures = new IntOrString(-1);
    assertThat(AddOnValidation.strategyProblems(s)).containsExactly("maxFailures must not be negative, got -1");
    s.maxFailures = new IntOrString("150%");
    assertThat(AddOnValidation.strategyProblems(s)).containsExactly("maxFailures 150% must be between 0% and 100%");
    s.maxFailures = new IntOrString("0%");
    assertThat(AddOnValidation.strategyProblems(s)).isEmpty();
  }

  @Test
  void durationsMustParseAndTheDeadlineMustBePositive() {
    RolloutStrategy s = strategy(RolloutStrategy.Type.Progressive);
    s.minSuccessTime = "5 minutes";
    s.progressDeadline = "0s";
    assertThat(AddOnValidation.strategyProblems(s)).containsExactly(
        "minSuccessTime \"5 minutes\" is not a duration such as 90s, 10m or 1h30m",
        "progressDeadline must be longer than 0s");
    s.minSuccessTime = "0s";
    s.progressDeadline = "PT10M";
    assertThat(AddOnValidation.strategyProblems(s))
        .containsExactly("progressDeadline \"PT10M\" is not a duration such as 90s, 10m or 1h30m");
  }

  @Test
  void groupRulesPerType() {
    RolloutStrategy perGroup = strategy(RolloutStrategy.Type.ProgressivePerGroup);
    assertThat(AddOnValidation.strategyProblems(perGroup)).containsExactly("ProgressivePerGroup needs at least one group");

    perGroup.groups = List.of(group("canary", true), group("b", false), group("canary", false), group("b", false));
    assertThat(AddOnValidation.strategyProblems(perGroup))
        .containsExactly("group names must be unique; repeated: b, canary");

    RolloutStrategy.Group noSelector = group("x", false);
    noSelector.clusterSelector = null;
    RolloutStrategy.Group noName = group(null, false);
    perGroup.groups = List.of(noSelector, noName);
    assertThat(AddOnValidation.strategyProblems(perGroup))
        .containsExactly("group x has no clusterSelector", "groups[1] has no name");

    // Progressive takes groups too (mandatory ones go first, as OCM's mandatoryDecisionGroups)
    RolloutStrategy progressive = strategy(RolloutStrategy.Type.Progressive);
    progressive.groups = List.of(group("canary", true));
    assertThat(AddOnValidation.strategyProblems(progressive)).isEmpty();

    RolloutStrategy all = strategy(RolloutStrategy.Type.All);
    all.groups = List.of(group("canary", true));
    all.maxConcurrency = new IntOrString(2);
    assertThat(AddOnValidation.strategyProblems(all)).containsExactly(
        "maxConcurrency applies to Progressive and ProgressivePerGroup; type All starts every cluster at once",
        "groups apply to Progressive and ProgressivePerGroup; type All starts every cluster at once");
  }

  @ParameterizedTest
  @CsvSource({"90s,PT1M30S", "1h30m,PT1H30M", "1.5h,PT1H30M", "500ms,PT0.5S", "10us,PT0.00001S", "7ns,PT0.000000007S",
      "0s,PT0S", "2h0m1s,PT2H1S"})
  void parsesKubernetesDurations(String text, String iso) {
    assertThat(AddOnValidation.parseDuration(text)).contains(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0", "5", "-1s", "1d", "PT1M", "1h 30m", "s", "3000000h"})
  void refusesWhatIsNotAKubernetesDuration(String text) {
    assertThat(AddOnValidation.parseDuration(text)).isEmpty();
  }

  static AddOnRelease release(String name, String addOn, String version) {
    AddOnRelease r = new AddOnRelease();
    r.setMetadata(new ObjectMetaBuilder().withName(name).build());
    AddOnReleaseSpec spec = new AddOnReleaseSpec();
    spec.addOn = addOn;
    spec.version = version;
    spec.manifests = new ArrayList<>(List.of(new HashMap<>(Map.of("apiVersion", "apps/v1", "kind", "Deployment"))));
    AddOnReleaseSpec.Variable v = new AddOnReleaseSpec.Variable();
    v.name = "replicas";
    v.defaultValue = "1";
    spec.variables = new ArrayList<>(List.of(v));
    r.setSpec(spec);
    return r;
  }

  static RolloutStrategy strategy(RolloutStrategy.Type type) {
    RolloutStrategy s = new RolloutStrategy();
    s.type = type;
    return s;
  }

  static RolloutStrategy.Group group(String name, boolean mandatory) {
    RolloutStrategy.Group g = new RolloutStrategy.Group();
    g.name = name;
    g.mandatory = mandatory;
    g.clusterSelector = new LabelSelectorBuilder().withMatchLabels(Map.of("ring", String.valueOf(name))).build();
    return g;
  }
}
