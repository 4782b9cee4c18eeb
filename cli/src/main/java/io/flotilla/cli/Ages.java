package io.flotilla.cli;

import java.time.Duration;

/** Ages as kubectl prints them: 45s, 3m12s, 2h5m, 4d3h. */
public final class Ages {
  private Ages() {}

  public static String of(Duration d) {
    if (d == null) {
      return "<never>";
    }
    long s = Math.max(0, d.getSeconds());
    if (s < 120) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    if (s < 86400) {
      return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
    }
    return (s / 86400) + "d" + ((s % 86400) / 3600 == 0 ? "" : ((s % 86400) / 3600) + "h");
  }
}
