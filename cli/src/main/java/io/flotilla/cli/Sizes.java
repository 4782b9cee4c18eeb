package io.flotilla.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes-style quantities for byte sizes: 512, 4Ki, 4Mi, 1Gi (also K, M, G as powers of 1000). */
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
}
