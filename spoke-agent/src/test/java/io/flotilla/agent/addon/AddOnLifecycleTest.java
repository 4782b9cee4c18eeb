package io.flotilla.agent.addon;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.agent.addon.AddOnLifecycle.ReleaseHealth;
import io.flotilla.agent.addon.WorkloadHealth.State;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.common.Conditions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddOnLifecycleTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Duration DEADLINE = Duration.ofMinutes(2);
  static final ReleaseHealth READY = health(State.Ready, null);
  static final ReleaseHealth WAITING = health(State.Waiting, "0 of 2 updated replicas available");
  static final ReleaseHealth CRASHING = health(State.Failed, "ProgressDeadlineExceeded");

  static ReleaseHealth health(State state, String detail) {
    return new ReleaseHealth(List.of(new WorkloadHealth("Deployment", "mf", "forwarder", state, detail)));
  }

  static ManagedAddOnStatus desired(ManagedAddOnStatus status, String version) {
    ManagedAddOnStatus s = AddOnLifecycle.copy(status);
    s.desiredVersion = version; // what the hub does
    return s;
  }

  /** One full operation the way the controller drives it: start, apply, then judge at {@code at}. */
  static ManagedAddOnStatus operate(ManagedAddOnStatus status, String version, Instant start, ReleaseHealth health,
                                    Instant at) {
    ManagedAddOnStatus s = desired(status, version);
    Operation op = AddOnLifecycle.nextOperation(s, version, start).orElseThrow();
    s = AddOnLifecycle.applied(AddOnLifecycle.start(s, op, start, 1L));
    return AddOnLifecycle.judge(s, health, DEADLINE, at, 1L);
  }

  static Condition condition(ManagedAddOnStatus s, String type) {
    return Conditions.find(s.conditions, type).orElseThrow(() -> new AssertionError("no " + type + " condition"));
  }

  @Test
  void nothingToDoUntilTheHubSetsADesiredVersion() {
    assertThat(AddOnLifecycle.nextOperation(new ManagedAddOnStatus(), null, T0)).isEmpty();
    assertThat(AddOnLifecycle.nextOperation(null, "", T0)).isEmpty();
  }

  @Test
  void installThenUpgradeThenRollbackWithVersionsHistoryAndTimestamps() {
    ManagedAddOnStatus s = operate(new ManagedAddOnStatus(), "1.0.0", T0, READY, T0.plusSeconds(5));
    assertThat(s.operation.type).isEqualTo(Type.Install);
    assertThat(s.operation.phase).isEqualTo(Phase.Succeeded);
    assertThat(s.operation.fromVersion).isNull();
    assertThat(s.operation.startedAt).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(s.operation.completedAt).isEqualTo("2026-03-01T10:00:05Z");
    assertThat(s.operation.message).isEqualTo("Install 1.0.0 succeeded: 1 workload available");
    assertThat(s.currentVersion).isEqualTo("1.0.0");
    assertThat(s.previousVersion).isNull();
    assertThat(s.lastKnownGoodVersion).isEqualTo("1.0.0");
    assertThat(s.history).isEmpty();
    assertThat(condition(s, ManagedAddOn.AVAILABLE).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(condition(s, ManagedAddOn.PROGRESSING).getReason()).isEqualTo(AddOnLifecycle.REASON_COMPLETED);
    assertThat(condition(s, ManagedAddOn.DEGRADED).getStatus()).isEqualTo(Conditions.FALSE);

    s = operate(s, "1.1.0", T0.plusSeconds(60), READY, T0.plusSeconds(70));
    assertThat(s.operation.type).isEqualTo(Type.Upgrade);
    assertThat(s.operation.fromVersion).isEqualTo("1.0.0");
    assertThat(s.currentVersion).isEqualTo("1.1.0");
    assertThat(s.previousVersion).isEqualTo("1.0.0");
    assertThat(s.lastKnownGoodVersion).isEqualTo("1.1.0");
    assertThat(s.history).extracting(o -> o.type + " " + o.toVersion + " " + o.phase)
        .containsExactly("Install 1.0.0 Succeeded");

    s = operate(s, "1.0.0", T0.plusSeconds(120), READY, T0.plusSeconds(125));
    assertThat(s.operation.type).isEqualTo(Type.Rollback);
    assertThat(s.operation.fromVersion).isEqualTo("1.1.0");
    assertThat(s.operation.toVersion).isEqualTo("1.0.0");
    assertThat(s.operation.message).isEqualTo("Rollback 1.1.0 → 1.0.0 succeeded: 1 workload available");
    assertThat(s.currentVersion).isEqualTo("1.0.0");
    assertThat(s.previousVersion).isEqualTo("1.1.0");
    assertThat(s.history).extracting(o -> o.type + " " + o.toVersion).containsExactly("Upgrade 1.1.0", "Install 1.0.0");
  }

  @Test
  void anOperationStaysInProgressUntilTheDeadlineThenFailsNamingTheWorkload() {
    ManagedAddOnStatus installed = operate(new ManagedAddOnStatus(), "1.1.0", T0, READY, T0);
    ManagedAddOnStatus s = operate(installed, "1.2.0", T0.plusSeconds(10), WAITING, T0.plusSeconds(20));
    assertThat(s.operation.phase).isEqualTo(Phase.InProgress);
    assertThat(s.operation.completedAt).isNull();
    assertThat(s.operation.message).isEqualTo(
        "Upgrade 1.1.0 → 1.2.0: waiting for Deployment mf/forwarder: 0 of 2 updated replicas available");
    assertThat(condition(s, ManagedAddOn.PROGRESSING).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(condition(s, ManagedAddOn.AVAILABLE).getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(AddOnLifecycle.deadline(s.operation, DEADLINE)).isEqualTo(T0.plusSeconds(130));

    // one second before the deadline: still waiting; at the deadline: failed
    assertThat(AddOnLifecycle.judge(s, WAITING, DEADLINE, T0.plusSeconds(129), 1L).operation.phase)
        .isEqualTo(Phase.InProgress);
    ManagedAddOnStatus failed = AddOnLifecycle.judge(s, WAITING, DEADLINE, T0.plusSeconds(130), 1L);
    assertThat(failed.operation.phase).isEqualTo(Phase.Failed);
    assertThat(failed.operation.completedAt).isEqualTo("2026-03-01T10:02:10Z");
    assertThat(failed.operation.message).isEqualTo("Upgrade 1.1.0 → 1.2.0 failed: not healthy within the progress "
        + "deadline of 2m: Deployment mf/forwarder: 0 of 2 updated replicas available");
    // the manifests of 1.2.0 are on the cluster; the last good version is still 1.1.0
    assertThat(failed.currentVersion).isEqualTo("1.2.0");
    assertThat(failed.previousVersion).isEqualTo("1.1.0");
    assertThat(failed.lastKnownGoodVersion).isEqualTo("1.1.0");
    assertThat(condition(failed, ManagedAddOn.DEGRADED)).satisfies(c -> {
      assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
      assertThat(c.getReason()).isEqualTo(AddOnLifecycle.REASON_OPERATION_FAILED);
      assertThat(c.getMessage()).contains("Deployment mf/forwarder");
    });
    assertThat(condition(failed, ManagedAddOn.PROGRESSING).getReason()).isEqualTo(AddOnLifecycle.REASON_FAILED);
    // a failed operation is not retried: only a new desired version starts another one
    assertThat(AddOnLifecycle.nextOperation(failed, "1.2.0", T0.plusSeconds(300))).isEmpty();

    // back to the last good version: a Rollback from the failed version
    Operation back = AddOnLifecycle.nextOperation(failed, "1.1.0", T0.plusSeconds(300)).orElseThrow();
    assertThat(back.type).isEqualTo(Type.Rollback);
    assertThat(back.fromVersion).isEqualTo("1.2.0");
  }

  @Test
  void aWorkloadThatFailedForGoodFailsTheOperationBeforeTheDeadline() {
    ManagedAddOnStatus s = operate(new ManagedAddOnStatus(), "1.0.0", T0, CRASHING, T0.plusSeconds(1));
    assertThat(s.operation.phase).isEqualTo(Phase.Failed);
    assertThat(s.operation.message).isEqualTo("Install 1.0.0 failed: Deployment mf/forwarder: ProgressDeadlineExceeded");
    assertThat(s.lastKnownGoodVersion).isNull();
  }

  @Test
  void aFailureBeforeAnythingWasAppliedLeavesTheCurrentVersionAlone() {
    ManagedAddOnStatus installed = operate(new ManagedAddOnStatus(), "1.1.0", T0, READY, T0);
    ManagedAddOnStatus s = desired(installed, "1.2.0");
    s = AddOnLifecycle.start(s, AddOnLifecycle.nextOperation(s, "1.2.0", T0).orElseThrow(), T0, 2L);
    s = AddOnLifecycle.fail(s, "cannot render metrics-forwarder 1.2.0: unknown variable \"url\"", T0, 2L);
    assertThat(s.operation.phase).isEqualTo(Phase.Failed);
    assertThat(s.operation.message).isEqualTo(
        "Upgrade 1.1.0 → 1.2.0 failed: cannot render metrics-forwarder 1.2.0: unknown variable \"url\"");
    assertThat(s.currentVersion).isEqualTo("1.1.0");
    // asking for 1.1.0 again abandons 1.2.0: recorded as a rollback
    Operation back = AddOnLifecycle.nextOperation(desired(s, "1.1.0"), "1.1.0", T0).orElseThrow();
    assertThat(back.type).isEqualTo(Type.Rollback);
  }

  @Test
  void anOperationCutShortByANewDesiredVersionIsRecordedAsFailedInTheHistory() {
    ManagedAddOnStatus installed = operate(new ManagedAddOnStatus(), "1.0.0", T0, READY, T0);
    ManagedAddOnStatus upgrading = operate(installed, "1.1.0", T0.plusSeconds(10), WAITING, T0.plusSeconds(11));
    ManagedAddOnStatus s = desired(upgrading, "1.0.0");
    Operation rollback = AddOnLifecycle.nextOperation(s, "1.0.0", T0.plusSeconds(12)).orElseThrow();
    assertThat(rollback.type).isEqualTo(Type.Rollback);
    s = AddOnLifecycle.start(s, rollback, T0.plusSeconds(12), 1L);
    Operation cut = s.history.get(0);
    assertThat(cut.phase).isEqualTo(Phase.Failed);
    assertThat(cut.completedAt).isEqualTo("2026-03-01T10:00:12Z");
    assertThat(cut.message).isEqualTo("Upgrade 1.0.0 → 1.1.0 superseded by Rollback 1.1.0 → 1.0.0");
  }

  @Test
  void historyKeepsTheNewestTenOperations() {
    ManagedAddOnStatus s = new ManagedAddOnStatus();
    for (int i = 0; i < 15; i++) {
      s = operate(s, "1." + i + ".0", T0.plusSeconds(i * 10L), READY, T0.plusSeconds(i * 10L + 1));
    }
    assertThat(s.history).hasSize(AddOnLifecycle.HISTORY_LIMIT);
    assertThat(s.history.get(0).toVersion).isEqualTo("1.13.0");
    assertThat(s.history.get(9).toVersion).isEqualTo("1.4.0");
    assertThat(s.operation.toVersion).isEqualTo("1.14.0");
  }

  @Test
  void healthThatFlapsAfterSuccessIsReportedWithoutRewritingTheOperation() {
    ManagedAddOnStatus ok = operate(new ManagedAddOnStatus(), "1.0.0", T0, READY, T0.plusSeconds(1));
    ManagedAddOnStatus flapped = AddOnLifecycle.judge(ok, WAITING, DEADLINE, T0.plusSeconds(600), 1L);
    assertThat(flapped.operation.phase).isEqualTo(Phase.Succeeded);
    assertThat(flapped.operation.completedAt).isEqualTo(ok.operation.completedAt);
    assertThat(condition(flapped, ManagedAddOn.AVAILABLE).getStatus()).isEqualTo(Conditions.FALSE);
    assertThat(condition(flapped, ManagedAddOn.DEGRADED).getReason()).isEqualTo(AddOnLifecycle.REASON_WORKLOADS_UNAVAILABLE);
    ManagedAddOnStatus recovered = AddOnLifecycle.judge(flapped, READY, DEADLINE, T0.plusSeconds(700), 1L);
    assertThat(condition(recovered, ManagedAddOn.AVAILABLE).getStatus()).isEqualTo(Conditions.TRUE);
    assertThat(condition(recovered, ManagedAddOn.DEGRADED).getStatus()).isEqualTo(Conditions.FALSE);
  }

  @Test
  void decisionsNeverModifyTheirInput() {
    ManagedAddOnStatus s = operate(new ManagedAddOnStatus(), "1.0.0", T0, READY, T0);
    String before = io.fabric8.kubernetes.client.utils.Serialization.asJson(s);
    ManagedAddOnStatus next = desired(s, "1.1.0");
    String nextBefore = io.fabric8.kubernetes.client.utils.Serialization.asJson(next);
    AddOnLifecycle.judge(AddOnLifecycle.applied(AddOnLifecycle.start(next,
        AddOnLifecycle.nextOperation(next, "1.1.0", T0).orElseThrow(), T0, 1L)), WAITING, DEADLINE, T0, 1L);
    AddOnLifecycle.fail(next, "x", T0, 1L);
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(s)).isEqualTo(before);
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(next)).isEqualTo(nextBefore);
  }

  @Test
  void theHubsFieldsSurviveTheAgentsWrite() {
    ManagedAddOnStatus fresh = new ManagedAddOnStatus();
    fresh.desiredVersion = "1.1.0";
    Conditions.set(fresh.conditions, ManagedAddOn.INVALID_VERSION, Conditions.FALSE, "VersionExists", "ok", 3L, T0);
    Conditions.set(fresh.conditions, ManagedAddOn.AVAILABLE, Conditions.UNKNOWN, "Stale", "old", 3L, T0);

    ManagedAddOnStatus ours = operate(new ManagedAddOnStatus(), "1.0.0", T0, READY, T0);
    ours.desiredVersion = "1.0.0"; // stale in our copy: must not overwrite the hub's

    ManagedAddOnStatus merged = AddOnLifecycle.mergeAgentFields(fresh, ours);
    assertThat(merged.desiredVersion).isEqualTo("1.1.0");
    assertThat(merged.currentVersion).isEqualTo("1.0.0");
    assertThat(merged.operation.phase).isEqualTo(Phase.Succeeded);
    assertThat(merged.conditions).extracting(Condition::getType)
        .containsExactly("Available", "Degraded", "InvalidVersion", "Progressing");
    assertThat(condition(merged, ManagedAddOn.INVALID_VERSION).getReason()).isEqualTo("VersionExists");
    assertThat(condition(merged, ManagedAddOn.AVAILABLE).getReason()).isEqualTo(AddOnLifecycle.REASON_WORKLOADS_AVAILABLE);
  }

  @Test
  void aMissingReleaseIsDegradedAndStartsNothing() {
    ManagedAddOnStatus s = AddOnLifecycle.releaseNotFound(new ManagedAddOnStatus(), "metrics-forwarder-9.9.9", T0, 1L);
    assertThat(condition(s, ManagedAddOn.DEGRADED)).satisfies(c -> {
      assertThat(c.getReason()).isEqualTo(AddOnLifecycle.REASON_RELEASE_NOT_FOUND);
      assertThat(c.getMessage()).isEqualTo("AddOnRelease metrics-forwarder-9.9.9 does not exist on the hub; nothing was applied");
    });
    assertThat(s.operation).isNull();
  }

  @Test
  void progressDeadlineIsAGoDurationDefaultingToFiveMinutes() {
    AddOnReleaseSpec spec = new AddOnReleaseSpec();
    assertThat(AddOnLifecycle.progressDeadline(spec)).isEqualTo(Duration.ofMinutes(5));
    for (var c : List.of(List.of("90s", "PT1M30S"), List.of("1h30m", "PT1H30M"), List.of("1.5s", "PT1.5S"),
        List.of("250ms", "PT0.25S"))) {
      spec.progressDeadline = c.get(0);
      assertThat(AddOnLifecycle.progressDeadline(spec)).as(c.get(0)).isEqualTo(Duration.parse(c.get(1)));
    }
    for (String bad : List.of("5", "m5", "5m x", "0s")) {
      spec.progressDeadline = bad;
      assertThatThrownBy(() -> AddOnLifecycle.progressDeadline(spec)).as(bad)
          .hasMessageContaining("is not a positive duration");
    }
  }
}
