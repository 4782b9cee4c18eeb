package io.flotilla.common;

import io.flotilla.api.common.Validation;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version (semver.org 2.0.0, no leading "v") ordered by precedence: pre-releases sort before their
 * release, build metadata is ignored. Decides whether moving to a version is an upgrade or a rollback.
 */
public record SemanticVersion(BigInteger major, BigInteger minor, BigInteger patch, List<String> preRelease,
                              String build) implements Comparable<SemanticVersion> {
  private static final Pattern SEMVER = Pattern.compile(Validation.SEMVER);
  private static final Pattern NUMERIC = Pattern.compile("^(0|[1-9]\\d*)$");

  /** Orders version strings by precedence; both must be valid. */
  public static final Comparator<String> PRECEDENCE = (a, b) -> parse(a).compareTo(parse(b));

  /** @throws IllegalArgumentException when the text is not a semantic version */
  public static SemanticVersion parse(String text) {
    Matcher m = text == null ? null : SEMVER.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("\"" + text + "\" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.2.0)");
    }
    List<String> pre = m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."));
    return new SemanticVersion(new BigInteger(m.group(1)), new BigInteger(m.group(2)), new BigInteger(m.group(3)),
        pre, m.group(5));
  }

  public static boolean isValid(String text) {
    return text != null && SEMVER.matcher(text).matches();
  }

  /** Negative, zero or positive as a has lower, equal or higher precedence than b. */
  public static int compare(String a, String b) {
    return parse(a).compareTo(parse(b));
  }

  @Override
  public int compareTo(SemanticVersion o) {
    int c = major.compareTo(o.major);
    if (c == 0) {
      c = minor.compareTo(o.minor);
    }
    if (c == 0) {
      c = patch.compareTo(o.patch);
    }
    if (c != 0) {
      return c;
    }
    // A release has higher precedence than any of its pre-releases.
    if (preRelease.isEmpty() || o.preRelease.isEmpty()) {
      return Boolean.compare(preRelease.isEmpty(), o.preRelease.isEmpty());
    }
    for (int i = 0; i < Math.min(preRelease.size(), o.preRelease.size()); i++) {
      c = compareIdentifier(preRelease.get(i), o.preRelease.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(preRelease.size(), o.preRelease.size());
  }

  private static int compareIdentifier(String a, String b) {
    boolean an = NUMERIC.matcher(a).matches();
    boolean bn = NUMERIC.matcher(b).matches();
    if (an && bn) {
      return new BigInteger(a).compareTo(new BigInteger(b));
    }
    if (an != bn) {
      return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    }
    return a.compareTo(b);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + String.join(".", preRelease))
        + (build == null ? "" : "+" + build);
  }
}
