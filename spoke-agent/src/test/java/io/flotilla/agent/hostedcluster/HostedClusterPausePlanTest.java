package io.flotilla.agent.hostedcluster;

import io.flotilla.agent.hostedcluster.HostedClusterPausePlan.Field;
import io.flotilla.agent.hostedcluster.HostedClusterPausePlan.Observed;
import io.flotilla.agent.hostedcluster.HostedClusterPausePlan.Release;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.SavedValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostedClusterPausePlanTest {
  private static final String ABSENT = "<absent>";

  private static String v(String s) { return ABSENT.equals(s) ? null : s; }

  /** field, value now → recorded (and changed) by a pause? "<absent>" is a missing field or annotation. */
  @ParameterizedTest(name = "{0} = {1} -> recorded: {2}")
  @CsvSource({
      "PAUSED_UNTIL,      <absent>,              true",
      "PAUSED_UNTIL,      false,                 true",
      "PAUSED_UNTIL,      2020-01-01T00:00:00Z,  true",   // a deadline: replaced by "true", put back verbatim
      "PAUSED_UNTIL,      2099-01-01T00:00:00Z,  true",   // even a far one: a pause must not expire (see class doc)
      "PAUSED_UNTIL,      true,                  false",  // already paused indefinitely: not ours to release
      "PAUSED_UNTIL,      True,                  false",
      "REPLICAS,          3,                     true",
      "REPLICAS,          <absent>,              true",
      "REPLICAS,          0,                     false",
      "CAPI_PAUSED,       <absent>,              true",
      "CAPI_PAUSED,       false,                 true",
      "CAPI_PAUSED,       true,                  false",
      "PAUSED_ANNOTATION, <absent>,              true",
      "PAUSED_ANNOTATION, false,                 true",
      "PAUSED_ANNOTATION, true,                  false",
  })
  void recordsOnlyWhatItChanges(Field field, String now, boolean recorded) {
    List<SavedValue> saved = HostedClusterPausePlan.toSave(List.of(new Observed("Kind", "ns", "obj", field, v(now))), true, true);

    if (recorded) {
      assertThat(saved).singleElement().satisfies(s -> {
        assertThat(s.field).isEqualTo(field.path());
        assertThat(s.value).isEqualTo(v(now));
        assertThat(HostedClusterPausePlan.fieldOf(s)).isEqualTo(field);
      });
    } else {
      assertThat(saved).isEmpty();
    }
  }

  /** quiesce, pauseWorkers → which fields a pause takes (pausedUntil always). */
  @ParameterizedTest(name = "quiesce={0} pauseWorkers={1} -> {2}")
  @CsvSource({
      "true,  true,  HostedCluster NodePool Deployment Cluster AgentMachine AgentCluster",
      "false, true,  HostedCluster NodePool Cluster AgentMachine AgentCluster",
      "true,  false, HostedCluster NodePool Deployment",
      "false, false, HostedCluster NodePool",
  })
  void takesWhatTheSpecAsksForInOrder(boolean quiesce, boolean pauseWorkers, String kinds) {
    List<Observed> observed = List.of(
        new Observed("HostedCluster", "clusters", "hc-1", Field.PAUSED_UNTIL, null),
        new Observed("NodePool", "clusters", "np", Field.PAUSED_UNTIL, null),
        new Observed("Deployment", "clusters-hc-1", "kube-apiserver", Field.REPLICAS, "3"),
        new Observed("Cluster", "clusters-hc-1", "infra", Field.CAPI_PAUSED, null),
        new Observed("AgentMachine", "clusters-hc-1", "am", Field.PAUSED_ANNOTATION, null),
        new Observed("AgentCluster", "clusters-hc-1", "ac", Field.PAUSED_ANNOTATION, null));

    List<SavedValue> saved = HostedClusterPausePlan.toSave(observed, quiesce, pauseWorkers);

    assertThat(saved).extracting(s -> s.kind).containsExactly(kinds.split(" "));
    assertThat(HostedClusterPausePlan.releaseOrder(saved)).extracting(s -> s.kind).first().isEqualTo(saved.get(saved.size() - 1).kind);
    assertThat(HostedClusterPausePlan.releaseOrder(saved)).extracting(s -> s.kind).last().isEqualTo("HostedCluster");
  }

  /** saved value, value now (or gone) → what a release does. */
  @ParameterizedTest(name = "{0}: saved {1}, now {2} -> {3}")
  @CsvSource({
      "PAUSED_UNTIL,      <absent>,             true,       PUT_BACK",
      "PAUSED_UNTIL,      2020-01-01T00:00:00Z, true,       PUT_BACK",
      "PAUSED_UNTIL,      <absent>,             <absent>,   ALREADY_BACK",   // an interrupted release
      "PAUSED_UNTIL,      <absent>,             2030-01-01T00:00:00Z, CHANGED_SINCE",  // theirs wins
      "PAUSED_UNTIL,      <absent>,             <gone>,     GONE",
      "REPLICAS,          3,                    0,          PUT_BACK",
      "REPLICAS,          3,                    3,          ALREADY_BACK",
      "REPLICAS,          3,                    5,          CHANGED_SINCE",
      "CAPI_PAUSED,       <absent>,             true,       PUT_BACK",
      "PAUSED_ANNOTATION, <absent>,             true,       PUT_BACK",
      "PAUSED_ANNOTATION, false,                true,       PUT_BACK",
  })
  void releasePutsBackOnlyWhatStillHasThePausedValue(Field field, String saved, String now, Release expected) {
    SavedValue v = new SavedValue("Kind", "ns", "obj", field.path(), v(saved));
    boolean exists = !"<gone>".equals(now);

    assertThat(HostedClusterPausePlan.release(v, exists, exists ? v(now) : null)).isEqualTo(expected);
  }

  /** The merge patch a write sends: null values stay, so an absent field comes back absent. Annotations are not merge-patched. */
  @Test
  void mergePatchesCarryTypedValuesAndNullsToRemove() {
    assertThat(Field.PAUSED_UNTIL.mergePatch("true")).isEqualTo(Map.of("spec", Map.of("pausedUntil", "true")));
    assertThat(Field.REPLICAS.mergePatch("3")).isEqualTo(Map.of("spec", Map.of("replicas", 3)));
    assertThat(Field.CAPI_PAUSED.mergePatch("true")).isEqualTo(Map.of("spec", Map.of("paused", true)));
    assertThat(Field.PAUSED_ANNOTATION.annotation()).isEqualTo("cluster.x-k8s.io/paused");
    assertThat(Field.PAUSED_UNTIL.annotation()).isNull();
    assertThatThrownBy(() -> Field.PAUSED_ANNOTATION.mergePatch(null)).hasMessageContaining("setAnnotation");
    Map<String, Object> removePause = new HashMap<>();
    removePause.put("pausedUntil", null);
    assertThat(Field.PAUSED_UNTIL.mergePatch(null)).isEqualTo(Map.of("spec", removePause));
  }

  @Test
  void refusesAFieldItDoesNotKnow() {
    SavedValue v = new SavedValue("Deployment", "ns", "d", "spec.template", "x");
    assertThatThrownBy(() -> HostedClusterPausePlan.fieldOf(v)).hasMessageContaining("unknown field 'spec.template'");
  }
}
