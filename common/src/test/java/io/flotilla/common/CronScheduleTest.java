package io.flotilla.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  @Test
  void fiveFieldsAreUnixCronInTheGivenZone() {
    CronSchedule nightly = CronSchedule.parse("0 2 * * *", "Europe/Paris");
    // 2026-01-15 is winter time in Paris (UTC+1): 02:00 local is 01:00Z
    assertThat(nightly.nextAfter(Instant.parse("2026-01-15T00:30:00Z"))).contains(Instant.parse("2026-01-15T01:00:00Z"));
    // summer (UTC+2): 00:00Z
    assertThat(nightly.nextAfter(Instant.parse("2026-07-14T23:00:00Z"))).contains(Instant.parse("2026-07-15T00:00:00Z"));
    assertThat(nightly.intervalAt(Instant.parse("2026-01-15T12:00:00Z"))).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void sixFieldsPutSecondsFirst() {
    CronSchedule everyFive = CronSchedule.parse("*/5 * * * * *", null);
    assertThat(everyFive.nextAfter(Instant.parse("2026-01-01T00:00:03Z"))).contains(Instant.parse("2026-01-01T00:00:05Z"));
    assertThat(everyFive.nextAfter(Instant.parse("2026-01-01T00:00:05Z"))).contains(Instant.parse("2026-01-01T00:00:10Z"));
    assertThat(everyFive.lastAtOrBefore(Instant.parse("2026-01-01T00:00:05Z"))).contains(Instant.parse("2026-01-01T00:00:05Z"));
    assertThat(everyFive.lastAtOrBefore(Instant.parse("2026-01-01T00:00:07.5Z"))).contains(Instant.parse("2026-01-01T00:00:05Z"));
    assertThat(everyFive.intervalAt(Instant.parse("2026-01-01T00:00:07Z"))).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void weekdaySchedulesHaveTheGapThatContainsTheInstant() {
    CronSchedule weekdays = CronSchedule.parse("0 6 * * 1-5", "UTC");
    // Saturday 2026-01-17: the gap from Friday 06:00 to Monday 06:00
    assertThat(weekdays.intervalAt(Instant.parse("2026-01-17T12:00:00Z"))).isEqualTo(Duration.ofDays(3));
  }

  @Test
  void badInputSaysWhatIsWrong() {
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"61 * * * *\" is not a valid cron expression");
    assertThatThrownBy(() -> CronSchedule.parse("* * *", null)).hasMessageContaining("has 3 fields");
    assertThatThrownBy(() -> CronSchedule.parse("", null)).hasMessageContaining("schedule is empty");
    assertThatThrownBy(() -> CronSchedule.parse("0 2 * * *", "Mars/Olympus"))
        .hasMessageContaining("\"Mars/Olympus\" is not a known IANA time zone");
  }
}
