package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.foreign.ocm.ClusterClaim;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registration decisions: the hub's lease judgement (docs/ocm-facts.md §2.3), the automatic taints (§I2.1), the
 * claims a klusterlet exposes (§I2.3) and the hypershift-addon's hosting claims (§I2.6).
 */
class RegistrationDecisionsTest {
  private static final Instant RENEWED = Instant.parse("2026-12-10T12:00:00Z");

  // ---- §2.3: grace = 5 × leaseDurationSeconds (60 when unset or 0); Unknown from the expiry instant on

  @ParameterizedTest(name = "lease {0}s, {1}s after the renewal: expired {2}, look again at +{3}s")
  @CsvSource(nullValues = "null", value = {
      "60,   0,    false, 300",
      "60,   299,  false, 300",
      "60,   300,  true,  600",
      "60,   1000, true,  1300",
      "null, 299,  false, 300",
      "0,    300,  true,  600",
      "2,    9,    false, 10",
      "2,    10,   true,  20"})
  void leaseExpiry(Integer leaseDurationSeconds, long after, boolean expired, long recheckAfterRenewal) {
    LeaseExpiry e = LeaseExpiry.of(RENEWED, leaseDurationSeconds, RENEWED.plusSeconds(after));

    assertThat(e.expired()).isEqualTo(expired);
    assertThat(e.recheckAt()).isEqualTo(RENEWED.plusSeconds(recheckAfterRenewal));
  }

  @Test
  void gracePeriodIsFiveLeaseDurations() {
    assertThat(LeaseExpiry.gracePeriod(60)).isEqualTo(Duration.ofMinutes(5));
    assertThat(LeaseExpiry.gracePeriod(null)).isEqualTo(Duration.ofMinutes(5));
    assertThat(LeaseExpiry.gracePeriod(2)).isEqualTo(Duration.ofSeconds(10));
  }

  // ---- §I2.1: unreachable while Available is Unknown or missing, unavailable while False, neither while True

  static Stream<Arguments> taints() {
    String unreachable = ManagedCluster.TAINT_UNREACHABLE;
    String unavailable = ManagedCluster.TAINT_UNAVAILABLE;
    return Stream.of(
        Arguments.of("Available missing", List.of(), null, List.of(unreachable)),
        Arguments.of("Available Unknown", List.of(), "Unknown", List.of(unreachable)),
        Arguments.of("Available False", List.of(), "False", List.of(unavailable)),
        Arguments.of("Available True", List.of(), "True", null),
        Arguments.of("Unknown → False swaps the taints", List.of(unreachable), "False", List.of(unavailable)),
        Arguments.of("True removes both", List.of(unreachable, unavailable), "True", List.of()),
        Arguments.of("already right: nothing to write", List.of(unreachable), "Unknown", null),
        Arguments.of("someone else's taints stay", List.of("example.com/maintenance"), "Unknown",
            List.of("example.com/maintenance", unreachable)),
        Arguments.of("someone else's taints stay when it recovers", List.of("example.com/maintenance", unreachable),
            "True", List.of("example.com/maintenance")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void taints(String what, List<String> current, String available, List<String> expected) {
    Instant earlier = RENEWED.minusSeconds(3600);
    List<ManagedCluster.Taint> taints = new ArrayList<>();
    current.forEach(k -> taints.add(taint(k, earlier)));

    Optional<List<ManagedCluster.Taint>> next = AvailabilityTaints.next(taints, available, RENEWED);

    if (expected == null) {
      assertThat(next).isEmpty();
      return;
    }
    assertThat(next).isPresent();
    assertThat(next.get()).extracting(t -> t.key).isEqualTo(expected);
    assertThat(next.get()).allSatisfy(t -> assertThat(t.effect).isEqualTo(ManagedCluster.EFFECT_NO_SELECT));
    // a taint that stays keeps its timeAdded; a new one is stamped now (OCM's webhook does it)
    next.get().forEach(t -> assertThat(t.timeAdded).isEqualTo(Time.format(current.contains(t.key) ? earlier : RENEWED)));
  }

  @Test
  void aTaintOfTheSameKeyWithAnotherEffectIsNotTheAutomaticOne() {
    ManagedCluster.Taint prefer = taint(ManagedCluster.TAINT_UNREACHABLE, RENEWED);
    prefer.effect = ManagedCluster.EFFECT_PREFER_NO_SELECT;

    List<ManagedCluster.Taint> next = AvailabilityTaints.next(List.of(prefer), "Unknown", RENEWED).orElseThrow();

    assertThat(next).extracting(t -> t.effect)
        .containsExactly(ManagedCluster.EFFECT_PREFER_NO_SELECT, ManagedCluster.EFFECT_NO_SELECT);
  }

  // ---- §I2.3: which claims the klusterlet copies into status, in which order

  @Test
  void reservedClaimsFirstThenCustomSortedAndSpokeOnlyOnesStay() {
    List<ClusterClaim> claims = List.of(claim("zeta.example.com", "1"), claim("id.k8s.io", "uid"),
        claim(ClusterClaim.HOSTING_CLUSTER, "true"), spokeOnly(claim("secret.example.com", "x")),
        claim("product.open-cluster-management.io", "OpenShift"), claim("alpha.example.com", "2"));

    ExposedClaims.Result r = ExposedClaims.of(claims, ExposedClaims.DEFAULT_MAX_CUSTOM_CLAIMS, Set.of());

    assertThat(r.claims()).extracting(c -> c.name).containsExactly("id.k8s.io", "product.open-cluster-management.io",
        "alpha.example.com", ClusterClaim.HOSTING_CLUSTER, "zeta.example.com");
    assertThat(r.truncated()).isZero();
  }

  @Test
  void customClaimsAreCutAtTwentyReservedOnesNever() {
    List<ClusterClaim> claims = new ArrayList<>();
    IntStream.range(0, 25).forEach(i -> claims.add(claim(String.format("c%02d.example.com", i), "v")));
    claims.add(claim("kubeversion.open-cluster-management.io", "v1.31.0"));
    claims.add(claim("region.example.com/reserved", "eu"));

    ExposedClaims.Result r = ExposedClaims.of(claims, 20, Set.of("/reserved"));

    assertThat(r.claims()).hasSize(22);
    assertThat(r.claims().subList(0, 2)).extracting(c -> c.name)
        .containsExactly("kubeversion.open-cluster-management.io", "region.example.com/reserved");
    assertThat(r.claims().get(21).name).isEqualTo("c19.example.com");
    assertThat(r.truncated()).isEqualTo(5);
  }

  // ---- §I2.6: the hypershift-addon's claims on a management cluster

  @ParameterizedTest(name = "{0} hosted clusters: full {1}, above threshold {2}, zero {3}")
  @CsvSource({"0, false, false, true", "1, false, false, false", "59, false, false, false", "60, false, true, false",
      "79, false, true, false", "80, true, true, false", "120, true, true, false"})
  void hostingClaims(int hostedClusters, boolean full, boolean aboveThreshold, boolean zero) {
    Map<String, String> claims = HostingClaims.of(hostedClusters, 80, 60);

    assertThat(claims).containsExactly(
        Map.entry(ClusterClaim.HOSTING_CLUSTER, "true"),
        Map.entry(ClusterClaim.FULL_HOSTED_CLUSTER_COUNT, Boolean.toString(full)),
        Map.entry(Ocm.ABOVE_THRESHOLD_HOSTED_CLUSTER_COUNT, Boolean.toString(aboveThreshold)),
        Map.entry(ClusterClaim.ZERO_HOSTED_CLUSTER_COUNT, Boolean.toString(zero)));
  }

  private static ManagedCluster.Taint taint(String key, Instant added) {
    ManagedCluster.Taint t = new ManagedCluster.Taint();
    t.key = key;
    t.effect = ManagedCluster.EFFECT_NO_SELECT;
    t.timeAdded = Time.format(added);
    return t;
  }

  static ClusterClaim claim(String name, String value) {
    ClusterClaim c = new ClusterClaim();
    c.setMetadata(new ObjectMetaBuilder().withName(name).build());
    c.getSpec().value = value;
    return c;
  }

  private static ClusterClaim spokeOnly(ClusterClaim c) {
    c.getMetadata().setLabels(Map.of(ClusterClaim.SPOKE_ONLY_LABEL, ""));
    return c;
  }
}
