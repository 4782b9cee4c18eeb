package io.flotilla.common;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SemanticVersionTest {
  @Test
  void ordersByPrecedenceAsSemverOrgDefinesIt() {
    // The example chain from semver.org §11, plus numeric (not lexical) ordering of each part.
    List<String> ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.9.0", "1.10.0", "2.0.0", "10.0.0");
    List<String> shuffled = new ArrayList<>(ordered);
    Collections.shuffle(shuffled, new Random(7));
    shuffled.sort(SemanticVersion.PRECEDENCE);
    assertThat(shuffled).containsExactlyElementsOf(ordered);
  }

  @Test
  void buildMetadataDoesNotChangePrecedence() {
    assertThat(SemanticVersion.compare("1.1.0+build.7", "1.1.0")).isZero();
    assertThat(SemanticVersion.compare("1.1.0+b", "1.0.9")).isPositive();
  }

  @Test
  void refusesWhatIsNotASemanticVersion() {
    for (String bad : List.of("v1.0.0", "1.0", "01.0.0", "1.0.0-", "latest", "")) {
      assertThat(SemanticVersion.isValid(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> SemanticVersion.parse(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is not a semantic version");
    }
    assertThat(SemanticVersion.isValid(null)).isFalse();
  }

  @Test
  void parsesEveryPart() {
    SemanticVersion v = SemanticVersion.parse("12.3.45-rc.1+sha.5114f85");
    assertThat(v.major().intValue()).isEqualTo(12);
    assertThat(v.minor().intValue()).isEqualTo(3);
    assertThat(v.patch().intValue()).isEqualTo(45);
    assertThat(v.preRelease()).containsExactly("rc", "1");
    assertThat(v.build()).isEqualTo("sha.5114f85");
    assertThat(v).hasToString("12.3.45-rc.1+sha.5114f85");
  }
}
