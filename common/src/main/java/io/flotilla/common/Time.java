package io.flotilla.common;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps as Kubernetes writes them (UTC, second precision, "Z"). */
public final class Time {
  private Time() {}

  public static String format(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  public static Instant parse(String rfc3339) {
    return rfc3339 == null || rfc3339.isBlank() ? null
        : DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(rfc3339, Instant::from);
  }
}
