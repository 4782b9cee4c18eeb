package io.flotilla.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {
  @Test
  void parsesGoStyleDurations() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofNanos(1_500), Durations.parse("1us500ns"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "ten minutes", "-5s", "5d", "PT5M", "1h 30m"})
  void refusesAnythingElse(String value) {
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(value));
  }

  @Test
  void blankFallsBack() {
    assertEquals(Duration.ofMinutes(5), Durations.parseOr(null, Duration.ofMinutes(5)));
    assertEquals(Duration.ofMinutes(5), Durations.parseOr(" ", Duration.ofMinutes(5)));
  }

  @Test
  void formatsLikeKubernetes() {
    assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("0ms", Durations.format(Duration.ZERO));
    assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
    assertEquals("1.234s", Durations.formatMillis(Duration.ofMillis(1234)));
    assertEquals(Duration.ofMillis(1234), Durations.parse(Durations.formatMillis(Duration.ofMillis(1234))));
  }
}
