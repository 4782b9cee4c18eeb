package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RolloutRequestTest {
  private static RolloutRequest parse(String version, Type type, String maxConcurrency, String maxFailures,
      String selector) {
    return RolloutRequest.parse("metrics-forwarder", version, type, maxConcurrency, maxFailures, null, null, null,
        selector);
  }

  @Test
  void aNewFleetIsProgressiveOnlyWhenALimitIsGiven() {
    assertThat(parse("1.0.0", null, null, null, null).applyTo(null).rolloutStrategy.type).isEqualTo(Type.All);
    FleetAddOnSpec limited = parse("1.0.0", null, "25%", null, null).applyTo(null);
    assertThat(limited.rolloutStrategy.type).isEqualTo(Type.Progressive);
    assertThat(limited.rolloutStrategy.maxConcurrency).isEqualTo(new IntOrString("25%"));
    assertThat(parse("1.0.0", null, "2", null, null).applyTo(null).rolloutStrategy.maxConcurrency)
        .isEqualTo(new IntOrString(2));
    assertThat(parse("1.0.0", null, null, "1", null).applyTo(null).rolloutStrategy.type).isEqualTo(Type.Progressive);
  }

  @Test
  void anUpdateKeepsWhatWasNotGiven() {
    FleetAddOnSpec existing = RolloutRequest.parse("metrics-forwarder", "1.0.0", Type.Progressive, "2", "1", "30s",
        "5m", FailureStrategy.Rollback, "env=prod").applyTo(null);

    FleetAddOnSpec next = parse("1.1.0", null, null, null, null).applyTo(existing);

    assertThat(next.version).isEqualTo("1.1.0");
    assertThat(next.rolloutStrategy.type).isEqualTo(Type.Progressive);
    assertThat(next.rolloutStrategy.maxConcurrency).isEqualTo(new IntOrString(2));
    assertThat(next.rolloutStrategy.maxFailures).isEqualTo(new IntOrString(1));
    assertThat(next.rolloutStrategy.minSuccessTime).isEqualTo("30s");
    assertThat(next.rolloutStrategy.progressDeadline).isEqualTo("5m");
    assertThat(next.failureStrategy).isEqualTo(FailureStrategy.Rollback);
    assertThat(next.placement.clusterSelector.getMatchLabels()).isEqualTo(Map.of("env", "prod"));
    assertThat(existing.version).as("the stored spec is not modified").isEqualTo("1.0.0");
  }

  @Test
  void switchingToAllDropsTheConcurrencyLimitAndAnEmptySelectorSelectsEveryCluster() {
    FleetAddOnSpec existing = parse("1.0.0", Type.Progressive, "2", null, "env=prod").applyTo(null);

    FleetAddOnSpec next = parse("1.0.0", Type.All, null, null, "").applyTo(existing);

    assertThat(next.rolloutStrategy.type).isEqualTo(Type.All);
    assertThat(next.rolloutStrategy.maxConcurrency).isNull();
    assertThat(next.placement.clusterSelector).isNull();
    assertThat(RolloutRequest.describePlacement(next)).isEqualTo("every cluster");
  }

  @Test
  void aLimitOnAnAllFleetIsRefusedWithTheValidationsMessage() {
    FleetAddOnSpec all = parse("1.0.0", null, null, null, null).applyTo(null);

    assertThatThrownBy(() -> parse("1.1.0", null, "2", null, null).applyTo(all))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("maxConcurrency applies to Progressive and ProgressivePerGroup");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.0       | Progressive | 2     |      | version 1.0 is not a semantic version",
      "1.0.0     | Progressive | 0     |      | maxConcurrency must be at least 1, got 0",
      "1.0.0     | Progressive | 150%  |      | maxConcurrency 150% must be between 1% and 100%",
      "1.0.0     | Progressive | two   |      | maxConcurrency \"two\" must be a count or a percentage",
      "1.0.0     | Progressive | 2     | -1   | maxFailures \"-1\" must be a count or a percentage",
      "1.0.0     | All         | 2     |      | maxConcurrency applies to Progressive",
  })
  void badValuesAreRefusedBeforeTheHubIsAsked(String version, Type type, String maxConcurrency, String maxFailures,
      String message) {
    assertThatThrownBy(() -> parse(version, type, maxConcurrency, maxFailures, null))
        .isInstanceOf(BadInputException.class).hasMessageContaining(message);
  }

  @Test
  void durationsAndSelectorsAreChecked() {
    assertThatThrownBy(() -> RolloutRequest.parse("metrics-forwarder", "1.0.0", Type.Progressive, "1", null, "soon",
        null, null, null)).isInstanceOf(BadInputException.class).hasMessageContaining("minSuccessTime \"soon\"");
    assertThatThrownBy(() -> RolloutRequest.parse("metrics-forwarder", "1.0.0", Type.Progressive, "1", null, null,
        "0s", null, null)).isInstanceOf(BadInputException.class).hasMessageContaining("progressDeadline must be longer");
    assertThatThrownBy(() -> parse("1.0.0", null, null, null, "env"))
        .isInstanceOf(BadInputException.class).hasMessageContaining("\"env\" is not key=value");
    assertThatThrownBy(() -> parse("1.0.0", null, null, null, "env=a,env=b"))
        .isInstanceOf(BadInputException.class).hasMessageContaining("names env twice");
    assertThatThrownBy(() -> parse("1.0.0", null, null, null, "env=no spaces"))
        .isInstanceOf(BadInputException.class).hasMessageContaining("is not a label key=value");
    assertThat(RolloutRequest.selector("flotilla.io/sandbox=true, tier=1"))
        .containsExactly(Map.entry("flotilla.io/sandbox", "true"), Map.entry("tier", "1"));
  }

  @Test
  void theAddOnMustBeADnsLabel() {
    assertThatThrownBy(() -> RolloutRequest.parse("Metrics_Forwarder", "1.0.0", null, null, null, null, null, null,
        null)).isInstanceOf(BadInputException.class).hasMessageContaining("is not a DNS label");
  }

  @Test
  void describeNamesTheStrategyInOnePhrase() {
    FleetAddOnSpec spec = RolloutRequest.parse("metrics-forwarder", "1.0.0", Type.Progressive, "2", "10%", null,
        null, FailureStrategy.Rollback, null).applyTo(null);
    assertThat(RolloutRequest.describe(spec))
        .isEqualTo("Progressive (maxConcurrency 2, maxFailures 10%), failure strategy Rollback");
  }
}
