package io.flotilla.hub.addon.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PlacementTest {
  static final Map<String, String> PROD_EU = Map.of("env", "prod", "region", "eu");

  static LabelSelector expr(String key, String op, String... values) {
    return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op).withValues(values)
        .endMatchExpression().build();
  }

  static Stream<Arguments> selectors() {
    return Stream.of(
        Arguments.of("null selects all", null, true),
        Arguments.of("empty selects all", new LabelSelector(), true),
        Arguments.of("matchLabels hit", new LabelSelectorBuilder().addToMatchLabels("env", "prod").build(), true),
        Arguments.of("matchLabels miss", new LabelSelectorBuilder().addToMatchLabels("env", "dev").build(), false),
        Arguments.of("In hit", expr("region", "In", "us", "eu"), true),
        Arguments.of("In miss", expr("region", "In", "us"), false),
        Arguments.of("In on a missing key", expr("tier", "In", "gold"), false),
        Arguments.of("NotIn hit", expr("region", "NotIn", "us"), true),
        Arguments.of("NotIn miss", expr("region", "NotIn", "eu"), false),
        Arguments.of("NotIn on a missing key", expr("tier", "NotIn", "gold"), true),
        Arguments.of("Exists", expr("env", "Exists"), true),
        Arguments.of("Exists miss", expr("tier", "Exists"), false),
        Arguments.of("DoesNotExist", expr("tier", "DoesNotExist"), true),
        Arguments.of("DoesNotExist miss", expr("env", "DoesNotExist"), false),
        Arguments.of("labels and expressions are ANDed",
            new LabelSelectorBuilder(expr("region", "In", "eu")).addToMatchLabels("env", "dev").build(), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void evaluatesSelectorsLikeTheApiServer(String name, LabelSelector selector, boolean matches) {
    assertThat(LabelSelectors.matches(selector, PROD_EU)).isEqualTo(matches);
  }

  @Test
  void badSelectorsAreNamed() {
    assertThat(LabelSelectors.problem(expr("env", "Near", "x"))).get().asString().contains("unknown operator Near");
    assertThat(LabelSelectors.problem(expr("env", "In"))).get().asString().contains("needs at least one value");
    assertThat(LabelSelectors.problem(expr("env", "Exists", "x"))).get().asString().contains("takes no values");
    assertThatThrownBy(() -> Placement.decide(expr("env", "Near", "x"), Map.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Near");
  }

  @Test
  void decidesCreatesAdoptionsAndDeletes() {
    var clusters = Map.of("a", Map.of("env", "prod"), "b", Map.of("env", "prod"), "c", Map.of("env", "dev"),
        "d", Map.of("env", "prod"), "e", Map.of("env", "prod"));
    var existing = List.of(
        new Placement.Existing("b", true, false),   // stays
        new Placement.Existing("c", true, false),   // left the placement: delete
        new Placement.Existing("d", false, false),  // hand-made: adopt
        new Placement.Existing("e", true, true),    // being deleted: wait, do not recreate
        new Placement.Existing("gone", true, false), // cluster deleted: delete
        new Placement.Existing("x", false, false)); // hand-made outside the placement: not ours, leave
    var d = Placement.decide(new LabelSelectorBuilder().addToMatchLabels("env", "prod").build(), clusters, existing);
    assertThat(d.placed()).containsExactly("a", "b", "d", "e");
    assertThat(d.create()).containsExactly("a");
    assertThat(d.adopt()).containsExactly("d");
    assertThat(d.delete()).containsExactly("c", "gone");
  }
}
