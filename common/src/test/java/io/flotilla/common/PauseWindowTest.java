package io.flotilla.common;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PauseWindowTest {
  @Test
  void unsetIsTheDefaultAndAWindowIsPositiveAndAtMostAnHour() {
    assertThat(PauseWindow.parse("f", null)).isEqualTo(PauseWindow.DEFAULT);
    assertThat(PauseWindow.parse("f", " ")).isEqualTo(PauseWindow.DEFAULT);
    assertThat(PauseWindow.parse("f", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(PauseWindow.parse("f", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(PauseWindow.problem("spec.maxPauseWindow", "61m")).get().asString()
        .contains("spec.maxPauseWindow must be at most 1h").contains("61m");
    assertThat(PauseWindow.problem("f", "0s")).get().asString().contains("greater than zero");
    assertThat(PauseWindow.problem("f", "-5m")).get().asString().contains("must not be negative");
    assertThat(PauseWindow.problem("f", "soon")).isPresent();
    assertThatThrownBy(() -> PauseWindow.parse("--max-pause-window", "24h"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--max-pause-window must be at most 1h");
  }
}
