package io.flotilla.cli;

import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RollbackTargetTest {
  private static Operation op(Type type, String from, String to, Phase phase) {
    Operation o = new Operation();
    o.type = type;
    o.fromVersion = from;
    o.toVersion = to;
    o.phase = phase;
    return o;
  }

  private static ManagedAddOnStatus status(String current, String previous, String lastKnownGood, Operation op,
      Operation... history) {
    ManagedAddOnStatus s = new ManagedAddOnStatus();
    s.currentVersion = current;
    s.previousVersion = previous;
    s.lastKnownGoodVersion = lastKnownGood;
    s.operation = op;
    s.history = new ArrayList<>(List.of(history));
    return s;
  }

  @Test
  void aFailedUpgradeGoesBackToTheLastKnownGoodVersion() {
    ManagedAddOnStatus s = status("1.2.0", "1.1.0", "1.1.0", op(Type.Upgrade, "1.1.0", "1.2.0", Phase.Failed),
        op(Type.Upgrade, "1.0.0", "1.1.0", Phase.Succeeded));
    assertThat(RollbackTarget.from(s)).isEqualTo("1.2.0");
    assertThat(RollbackTarget.forCluster(s)).contains("1.1.0");
  }

  @Test
  void aHealthyClusterGoesBackToTheVersionThatWorkedBeforeTheCurrentOne() {
    ManagedAddOnStatus s = status("1.1.0", "1.0.0", "1.1.0", op(Type.Upgrade, "1.0.0", "1.1.0", Phase.Succeeded),
        op(Type.Install, null, "1.0.0", Phase.Succeeded));
    assertThat(RollbackTarget.forCluster(s)).contains("1.0.0");
  }

  @Test
  void anOperationStillRunningIsWhatIsRolledBackFrom() {
    // 1.2.0 applied but not healthy yet: current moved, the operation still heads for it
    ManagedAddOnStatus s = status("1.2.0", "1.1.0", "1.1.0", op(Type.Upgrade, "1.1.0", "1.2.0", Phase.InProgress));
    assertThat(RollbackTarget.forCluster(s)).contains("1.1.0");
  }

  @Test
  void aVersionThatNeverWorkedIsNotATarget() {
    // only the previous version is left, and it is lower: it is the fallback
    ManagedAddOnStatus s = status("1.1.0", "1.0.0", null, op(Type.Upgrade, "1.0.0", "1.1.0", Phase.Failed));
    assertThat(RollbackTarget.forCluster(s)).contains("1.0.0");
    // nothing lower than the first install
    ManagedAddOnStatus first = status("1.0.0", null, "1.0.0", op(Type.Install, null, "1.0.0", Phase.Succeeded));
    assertThat(RollbackTarget.forCluster(first)).isEmpty();
    assertThat(RollbackTarget.forCluster(null)).isEmpty();
  }

  @Test
  void theFleetGoesBackToItsLastKnownGoodVersionOnlyWhenItIsLower() {
    FleetAddOn fleet = new FleetAddOn();
    fleet.getSpec().version = "1.2.0";
    fleet.getStatus().lastKnownGoodVersion = "1.1.0";
    assertThat(RollbackTarget.forFleet(fleet)).contains("1.1.0");
    fleet.getStatus().lastKnownGoodVersion = "1.2.0";
    assertThat(RollbackTarget.forFleet(fleet)).isEmpty();
    fleet.getStatus().lastKnownGoodVersion = null;
    assertThat(RollbackTarget.forFleet(fleet)).isEmpty();
  }

  @Test
  void lowerMeansLowerSemverPrecedence() {
    assertThat(RollbackTarget.isLower("1.9.0", "1.10.0")).isTrue();
    assertThat(RollbackTarget.isLower("1.1.0-rc.1", "1.1.0")).isTrue();
    assertThat(RollbackTarget.isLower("1.1.0", "1.1.0")).isFalse();
    assertThat(RollbackTarget.isLower("x", "1.1.0")).isFalse();
  }
}
