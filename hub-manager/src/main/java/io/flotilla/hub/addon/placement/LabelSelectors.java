package io.flotilla.hub.addon.placement;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Evaluates a metav1.LabelSelector against a set of labels, client-side, with the API server's semantics
 * (matchLabels and matchExpressions ANDed; In, NotIn, Exists, DoesNotExist). Needed because the fabric8 mock
 * ignores set-based selectors, and because rollout groups are evaluated on cached clusters. fabric8 7.5.2 ships no
 * client-side matcher.
 */
public final class LabelSelectors {
  private LabelSelectors() {}

  /** True if {@code selector} selects {@code labels}; a null or empty selector selects everything. */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(l.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, l)) {
          return false;
        }
      }
    }
    return true;
  }

  /** What makes {@code selector} unusable (an unknown or missing operator, values where none belong), or empty. */
  public static Optional<String> problem(LabelSelector selector) {
    if (selector == null || selector.getMatchExpressions() == null) {
      return Optional.empty();
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      String op = r.getOperator();
      boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
      if (r.getKey() == null || r.getKey().isBlank()) {
        return Optional.of("a label selector requirement has no key");
      }
      if (op == null || !List.of("In", "NotIn", "Exists", "DoesNotExist").contains(op)) {
        return Optional.of("label selector requirement on " + r.getKey() + " has unknown operator " + op
            + " (use In, NotIn, Exists or DoesNotExist)");
      }
      if ((op.equals("In") || op.equals("NotIn")) != hasValues) {
        return Optional.of("label selector requirement on " + r.getKey() + ": " + op
            + (hasValues ? " takes no values" : " needs at least one value"));
      }
    }
    return Optional.empty();
  }

  static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String op = r.getOperator();
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    boolean has = labels.containsKey(r.getKey());
    if (op == null) {
      throw new IllegalArgumentException("label selector requirement on " + r.getKey() + " has no operator");
    }
    return switch (op) {
      case "In" -> has && values.contains(labels.get(r.getKey()));
      case "NotIn" -> !has || !values.contains(labels.get(r.getKey()));
      case "Exists" -> has;
      case "DoesNotExist" -> !has;
      default -> throw new IllegalArgumentException("label selector requirement on " + r.getKey()
          + " has unknown operator " + op + " (use In, NotIn, Exists or DoesNotExist)");
    };
  }
}
