package io.flotilla.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes-style quantities for byte sizes: 512, 4Ki, 4Mi, 1Gi (also K, M, G as powers of 1000) are parsed;
 * sizes are printed in binary units with at most one decimal (4Ki, 1.7Mi, 2Gi).
 */
final class Sizes {
  private Sizes() {}

  private static final Pattern QUANTITY = Pattern.compile("^(\\d+)(Ki|Mi|Gi|K|M|G)?$");

  static long parse(String text) {
    Matcher m = QUANTITY.matcher(text.trim());
    if (!m.matches()) {
      throw new BadInputException("size \"" + text + "\" is not a quantity like 512Ki, 4Mi or 1Gi");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit.toUpperCase(Locale.ROOT)) {
      case "KI" -> n << 10;
      case "MI" -> n << 20;
      case "GI" -> n << 30;
      case "K" -> n * 1_000;
      case "M" -> n * 1_000_000;
      case "G" -> n * 1_000_000_000;
      default -> n;
    };
  }

  private static final String[] UNITS = {"Ki", "Mi", "Gi", "Ti"};

  /** 512B, 4Ki, 1.7Mi, 2Gi: for people reading progress and tables, not meant to be parsed back. */
  static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + "B";
    }
    double value = bytes;
    int unit = -1;
    // 1023.95 and up would print as "1024": move to the next unit instead
    while (value >= 1023.95 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    String text = String.format(Locale.ROOT, "%.1f", value);
    return (text.endsWith(".0") ? text.substring(0, text.length() - 2) : text) + UNITS[unit];
  }
}
