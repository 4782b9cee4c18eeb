package io.flotilla.common;

import io.flotilla.api.common.Validation;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Kubernetes APIs write them ({@code 90s}, {@code 10m}, {@code 1h30m}, {@code 1.5h},
 * {@code 500ms}), the format {@link Validation#DURATION} admits. The one parser for every duration field in the API.
 */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile(Validation.DURATION);
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

  private Durations() {}

  /** @throws IllegalArgumentException when {@code value} is not a Go-style duration */
  public static Duration parse(String value) {
    if (value == null || !WHOLE.matcher(value).matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a duration such as 90s, 10m or 1h30m");
    }
    BigDecimal nanos = BigDecimal.ZERO;
    Matcher m = PART.matcher(value);
    while (m.find()) {
      BigDecimal amount = new BigDecimal(m.group(1));
      long unit = switch (m.group(2)) {
        case "ns" -> 1L;
        case "us" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      nanos = nanos.add(amount.multiply(BigDecimal.valueOf(unit)));
    }
    return Duration.ofNanos(nanos.setScale(0, java.math.RoundingMode.DOWN).longValueExact());
  }

  /** Like {@link #parse}, but {@code null}/blank gives {@code fallback}. */
  /**
   * Why {@code value} is not a positive duration, as a message naming {@code field}; empty when it is one or is null
   * (unset). The one check for every "positive duration" field: spec fields, CLI options.
   */
  public static java.util.Optional<String> positiveProblem(String field, String value) {
    if (value == null) {
      return java.util.Optional.empty();
    }
    if (value.trim().startsWith("-")) {
      return java.util.Optional.of(field + " must not be negative, got " + value);
    }
    Duration d;
    try {
      d = parse(value);
    } catch (IllegalArgumentException e) {
      return java.util.Optional.of(field + ": " + e.getMessage());
    }
    return d.isZero() ? java.util.Optional.of(field + " must be greater than zero, got " + value)
        : java.util.Optional.empty();
  }

  public static Duration parseOr(String value, Duration fallback) {
    return value == null || value.isBlank() ? fallback : parse(value);
  }

  /** Seconds with millisecond precision, a valid Go duration: {@code 1.234s}. */
  public static String formatMillis(Duration d) {
    return String.format(java.util.Locale.ROOT, "%d.%03ds", d.toSeconds(), d.toMillisPart());
  }

  /** Kubernetes-style text for a duration: {@code 1h30m0s} is written {@code 1h30m}, {@code 90s} as {@code 1m30s}. */
  public static String format(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder b = new StringBuilder();
    if (d.toHours() > 0) b.append(d.toHours()).append('h');
    if (d.toMinutesPart() > 0) b.append(d.toMinutesPart()).append('m');
    if (d.toSecondsPart() > 0) b.append(d.toSecondsPart()).append('s');
    return b.toString();
  }
}
