package io.flotilla.hub.dr.policy;

import io.flotilla.common.DesiredCondition;

import static io.flotilla.hub.dr.policy.Specs.target;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.common.Conditions;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PolicyConditionsTest {
  static final SchedulePlacement.Share NONE = new SchedulePlacement.Share(List.of(), List.of(), List.of());

  static Map<String, DesiredCondition> byType(List<DesiredCondition> cs) {
    return cs.stream().collect(Collectors.toMap(DesiredCondition::type, Function.identity()));
  }

  static RpoCompliance.Report report(int compliant, int total) {
    return new RpoCompliance.Report(List.of(), compliant, total, Duration.ofHours(1), Duration.ofMinutes(10),
        Duration.ofMinutes(70), null, null);
  }

  @Test
  void alwaysTheFourConditions() {
    var c = byType(PolicyConditions.of(List.of(), Optional.empty(), false, NONE, report(2, 2)));
    assertThat(c).containsOnlyKeys(BackupPolicyStatus.VALID, BackupPolicyStatus.SUSPENDED,
        BackupPolicyStatus.OVERLAPPING, BackupPolicyStatus.COMPLIANT);
    assertThat(c.get(BackupPolicyStatus.VALID).status()).isEqualTo(Conditions.TRUE);
    assertThat(c.get(BackupPolicyStatus.SUSPENDED).status()).isEqualTo(Conditions.FALSE);
    assertThat(c.get(BackupPolicyStatus.OVERLAPPING).reason()).isEqualTo(PolicyConditions.REASON_NO_OVERLAP);
    assertThat(c.get(BackupPolicyStatus.COMPLIANT).message())
        .isEqualTo("all 2 hosted cluster(s) have a Completed backup no older than 1h10m (interval 1h + grace 10m)");
  }

  @Test
  void anInvalidPolicyPromisesNothing() {
    var c = byType(PolicyConditions.of(List.of("spec.schedule: bad", "spec.store is required"), Optional.empty(),
        false, NONE, null));
    assertThat(c.get(BackupPolicyStatus.VALID).message()).endsWith("spec.schedule: bad; spec.store is required");
    assertThat(c.get(BackupPolicyStatus.COMPLIANT).status()).isEqualTo(Conditions.UNKNOWN);
    assertThat(c.get(BackupPolicyStatus.COMPLIANT).reason()).isEqualTo(PolicyConditions.REASON_INVALID_SPEC);
    assertThat(c.get(BackupPolicyStatus.OVERLAPPING).reason()).isEqualTo(PolicyConditions.REASON_NOT_ACTIVE);
  }

  @Test
  void noHostedClustersIsUnknownNotCompliant() {
    var c = byType(PolicyConditions.of(List.of(), Optional.empty(), false, NONE, report(0, 0)));
    assertThat(c.get(BackupPolicyStatus.COMPLIANT).status()).isEqualTo(Conditions.UNKNOWN);
    assertThat(c.get(BackupPolicyStatus.COMPLIANT).reason()).isEqualTo(PolicyConditions.REASON_NO_HOSTED_CLUSTERS);
  }

  @Test
  void longListsAreCut() {
    List<SchedulePlacement.Overlap> yielded = IntStream.range(0, 13)
        .mapToObj(i -> new SchedulePlacement.Overlap(target("mc" + i, "clusters/x"), "aaa")).toList();
    var c = byType(PolicyConditions.of(List.of(), Optional.empty(), false,
        new SchedulePlacement.Share(List.of(), yielded, List.of()), report(0, 0)));
    assertThat(c.get(BackupPolicyStatus.OVERLAPPING).message())
        .startsWith("13 hosted cluster(s) this policy selects are backed up by another policy (of the active"
            + " policies selecting a hosted cluster, the one whose name sorts first backs it up): clusters/x on mc0 by aaa")
        .endsWith("and 3 more");
  }

  @Test
  void rpoExceededNamesTheLateOnes() {
    var late = new RpoCompliance.Entry(target("mc1", "clusters/a"), "b1", Instant.EPOCH, Duration.ofHours(5), false, null);
    var none = new RpoCompliance.Entry(target("mc2", "clusters/b"), null, null, null, false, null);
    var ok = new RpoCompliance.Entry(target("mc2", "clusters/c"), "c1", Instant.EPOCH, Duration.ofMinutes(5), true,
        Instant.EPOCH);
    var r = new RpoCompliance.Report(List.of(none, late, ok), 1, 3, Duration.ofHours(1), Duration.ofMinutes(10),
        Duration.ofMinutes(70), Duration.ofHours(5), Instant.EPOCH);
    var c = byType(PolicyConditions.of(List.of(), Optional.empty(), false, NONE, r)).get(BackupPolicyStatus.COMPLIANT);
    assertThat(c.status()).isEqualTo(Conditions.FALSE);
    assertThat(c.message()).isEqualTo("2 of 3 hosted cluster(s) have no Completed backup within 1h10m (interval 1h +"
        + " grace 10m): clusters/b on mc2 (no backup), clusters/a on mc1 (newest 5h old)");
  }
}
