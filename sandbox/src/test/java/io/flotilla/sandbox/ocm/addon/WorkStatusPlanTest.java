package io.flotilla.sandbox.ocm.addon;

import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.DesiredCondition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The work agent's decisions (docs/ocm-facts.md §2.5, §I7.2). */
class WorkStatusPlanTest {
  static final ManifestWork.ResourceIdentifier NAMESPACE = new ManifestWork.ResourceIdentifier("", "namespaces", "", "demo");
  static final ManifestWork.ResourceIdentifier DEPLOYMENT =
      new ManifestWork.ResourceIdentifier("apps", "deployments", "demo", "agent");

  static ManifestWork.DeleteOption option(String policy, ManifestWork.ResourceIdentifier... orphans) {
    ManifestWork.DeleteOption o = new ManifestWork.DeleteOption();
    o.propagationPolicy = policy;
    if (orphans.length > 0) {
      o.selectivelyOrphans = new ManifestWork.SelectivelyOrphan();
      o.selectivelyOrphans.orphaningRules = List.of(orphans);
    }
    return o;
  }

  @Test
  void deleteOptionDecidesWhatTheWorkOwns() {
    // no option is Foreground: everything goes with the work
    assertThat(WorkStatusPlan.ownedByTheWork(null, DEPLOYMENT)).isTrue();
    assertThat(WorkStatusPlan.ownedByTheWork(option("Foreground"), DEPLOYMENT)).isTrue();
    assertThat(WorkStatusPlan.ownedByTheWork(option("Orphan"), DEPLOYMENT)).isFalse();
    assertThat(WorkStatusPlan.ownedByTheWork(option("SelectivelyOrphan", NAMESPACE), NAMESPACE)).isFalse();
    assertThat(WorkStatusPlan.ownedByTheWork(option("SelectivelyOrphan", NAMESPACE), DEPLOYMENT)).isTrue();
    assertThat(WorkStatusPlan.ownedByTheWork(option("SelectivelyOrphan"), NAMESPACE)).isTrue();
  }

  @Test
  void kindsAreAppliedFoundationsFirstAndWorkloadsLast() {
    List<String> kinds = Arrays.asList("Deployment", "Widget", "ServiceAccount", "Namespace", "ClusterRole", "Service");
    kinds.sort((a, b) -> Integer.compare(WorkStatusPlan.applyRank(a), WorkStatusPlan.applyRank(b)));

    assertThat(kinds).containsExactly("Namespace", "ClusterRole", "ServiceAccount", "Service", "Deployment", "Widget");
  }

  @Test
  void wellKnownStatusReadsADeploymentsReplicasAndNothingBeforeItHasStatus() {
    ManifestWork.ManifestConfig config = new ManifestWork.ManifestConfig();
    ManifestWork.FeedbackRule rule = new ManifestWork.FeedbackRule();
    rule.type = "WellKnownStatus";
    config.feedbackRules = List.of(rule);
    Map<String, Object> rolledOut = Map.of("apiVersion", "apps/v1", "kind", "Deployment",
        "status", Map.of("replicas", 2, "readyReplicas", 2, "availableReplicas", 1));
    Map<String, Object> fresh = Map.of("apiVersion", "apps/v1", "kind", "Deployment", "spec", Map.of("replicas", 2));

    assertThat(WorkStatusPlan.feedback(rolledOut, config)).extracting(v -> v.name + "=" + v.fieldValue.integer)
        .containsExactly("ReadyReplicas=2", "Replicas=2", "AvailableReplicas=1");
    assertThat(WorkStatusPlan.feedback(fresh, config)).isEmpty();
  }

  @Test
  void jsonPathsReadScalarsIncludingFilteredOnes() {
    ManifestWork.ManifestConfig config = new ManifestWork.ManifestConfig();
    ManifestWork.FeedbackRule rule = new ManifestWork.FeedbackRule();
    rule.type = "JSONPaths";
    ManifestWork.JsonPath image = new ManifestWork.JsonPath();
    image.name = "image";
    image.path = ".spec.template.spec.containers[0].image";
    ManifestWork.JsonPath available = new ManifestWork.JsonPath();
    available.name = "available";
    available.path = ".status.conditions[?(@.type==\"Available\")].status";
    rule.jsonPaths = List.of(image, available);
    config.feedbackRules = List.of(rule);
    Map<String, Object> d = Map.of("apiVersion", "apps/v1", "kind", "Deployment",
        "spec", Map.of("template", Map.of("spec", Map.of("containers", List.of(Map.of("image", "agent:1"))))),
        "status", Map.of("conditions", List.of(Map.of("type", "Available", "status", "True"))));

    assertThat(WorkStatusPlan.feedback(d, config)).extracting(v -> v.name + "=" + v.fieldValue.type + ":"
        + v.fieldValue.string).containsExactly("image=String:agent:1", "available=String:True");
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource({
      "'True,True',    True,    ResourcesAvailable",
      "'True,False',   False,   ResourcesNotAvailable",
      "'True,Unknown', Unknown, ResourcesStatusUnknown",
      "'',             Unknown, ResourcesStatusUnknown"})
  void theWorksAvailableIsThatOfItsObjects(String objects, String status, String reason) {
    List<String> each = objects.isEmpty() ? List.of() : List.of(objects.split(","));

    DesiredCondition c = WorkStatusPlan.available(each);

    assertThat(List.of(c.status(), c.reason())).containsExactly(status, reason);
  }

  @Test
  void theWorksAppliedIsAllOrNothingAndAbsentBeforeAnyObject() {
    assertThat(WorkStatusPlan.applied(List.of())).isEmpty();
    assertThat(WorkStatusPlan.applied(List.of(true, true))).get().extracting(DesiredCondition::reason)
        .isEqualTo("AppliedManifestWorkComplete");
    assertThat(WorkStatusPlan.applied(List.of(true, false))).get().extracting(DesiredCondition::status)
        .isEqualTo("False");
  }
}
