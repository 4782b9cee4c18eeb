package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import io.flotilla.api.common.Validation;
import io.flotilla.hub.addon.validation.AddOnValidation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What `addon rollout` was asked for. Options left out keep the FleetAddOn's current values; on a new FleetAddOn the
 * strategy is Progressive when a concurrency or failure limit is given, else All. Every shape (add-on name, version,
 * counts, durations, selector) is checked by {@link #parse} and the resulting strategy by {@link AddOnValidation}
 * (the webhook's and the reconcilers' rules) before the hub is touched, so bad input never reaches it.
 *
 * @param clusterSelector null to keep the placement; an empty map selects every cluster
 */
record RolloutRequest(String addOn, String version, RolloutStrategy.Type type, IntOrString maxConcurrency,
    IntOrString maxFailures, String minSuccessTime, String progressDeadline, FailureStrategy failureStrategy,
    Map<String, String> clusterSelector) {

  /** @throws BadInputException naming the value to change */
  static RolloutRequest parse(String addOn, String version, RolloutStrategy.Type type, String maxConcurrency,
      String maxFailures, String minSuccessTime, String progressDeadline, FailureStrategy failureStrategy,
      String clusterSelector) {
    requireAddOnName(addOn);
    requireVersionShape(version);
    RolloutRequest request = new RolloutRequest(addOn, version, type, countOrPercent(maxConcurrency),
        countOrPercent(maxFailures), minSuccessTime, progressDeadline, failureStrategy, selector(clusterSelector));
    // the strategy as a new FleetAddOn would get it; the update path is checked again against the stored spec
    request.applyTo(null);
    return request;
  }

  static void requireAddOnName(String addOn) {
    if (addOn == null || !addOn.matches(Validation.DNS1123_LABEL) || addOn.length() > 63) {
      throw new BadInputException("add-on name \"" + addOn + "\" is not a DNS label (lower-case letters, digits, '-')");
    }
  }

  static void requireVersionShape(String version) {
    AddOnValidation.versionFormatProblem(version).ifPresent(p -> {
      throw new BadInputException(p.message() + " (such as 1.2.0)");
    });
  }

  /** "3" is a count, "25%" a percentage; anything else is kept as text for the validation to name. */
  static IntOrString countOrPercent(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    return t.matches("[0-9]{1,9}") ? new IntOrString(Integer.parseInt(t)) : new IntOrString(t);
  }

  /** "env=prod,tier=1" as matchLabels; "" selects every cluster. */
  static Map<String, String> selector(String text) {
    if (text == null) {
      return null;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (text.isBlank()) {
      return labels;
    }
    for (String item : text.split(",", -1)) {
      int eq = item.indexOf('=');
      if (eq <= 0 || item.indexOf('=', eq + 1) >= 0) {
        throw new BadInputException("--cluster-selector \"" + text + "\": \"" + item.strip()
            + "\" is not key=value (give key=value pairs separated by commas)");
      }
      String key = item.substring(0, eq).strip();
      String value = item.substring(eq + 1).strip();
      if (!isLabelKey(key) || !(value.isEmpty() || isLabelName(value))) {
        throw new BadInputException("--cluster-selector \"" + text + "\": \"" + item.strip() + "\" is not a label "
            + "key=value (names: letters, digits, '-', '_', '.', at most 63; keys may have a DNS prefix and '/')");
      }
      if (labels.put(key, value) != null) {
        throw new BadInputException("--cluster-selector \"" + text + "\" names " + key + " twice");
      }
    }
    return labels;
  }

  private static final String LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";

  /** A label value, or the name part of a key (Kubernetes' qualified-name rules). */
  private static boolean isLabelName(String s) {
    return s.length() <= 63 && s.matches(LABEL_NAME);
  }

  /** {@code name} or {@code dns.prefix/name}. */
  private static boolean isLabelKey(String key) {
    int slash = key.indexOf('/');
    if (slash < 0) {
      return isLabelName(key);
    }
    String prefix = key.substring(0, slash);
    return prefix.length() <= 253 && prefix.matches(Validation.DNS1123_SUBDOMAIN) && isLabelName(key.substring(slash + 1));
  }

  /**
   * The FleetAddOn spec after this request: {@code existing} (null for a new FleetAddOn, left unmodified) with the
   * given options applied.
   *
   * @throws BadInputException when the resulting rollout strategy makes no sense
   */
  FleetAddOnSpec applyTo(FleetAddOnSpec existing) {
    FleetAddOnSpec spec = existing == null ? new FleetAddOnSpec() : Serialization.clone(existing);
    spec.version = version;
    RolloutStrategy s = spec.rolloutStrategy == null ? new RolloutStrategy() : spec.rolloutStrategy;
    if (type != null) {
      s.type = type;
      if (type == RolloutStrategy.Type.All && maxConcurrency == null) {
        s.maxConcurrency = null; // All starts every cluster: a kept limit would only make the strategy invalid
      }
    } else if (existing == null) {
      s.type = maxConcurrency != null || maxFailures != null ? RolloutStrategy.Type.Progressive : RolloutStrategy.Type.All;
    }
    if (maxConcurrency != null) {
      s.maxConcurrency = maxConcurrency;
    }
    if (maxFailures != null) {
      s.maxFailures = maxFailures;
    }
    if (minSuccessTime != null) {
      s.minSuccessTime = minSuccessTime;
    }
    if (progressDeadline != null) {
      s.progressDeadline = progressDeadline;
    }
    if (s.groups == null) {
      s.groups = new ArrayList<>();
    }
    spec.rolloutStrategy = s;
    if (failureStrategy != null) {
      spec.failureStrategy = failureStrategy;
    }
    if (clusterSelector != null) {
      if (spec.placement == null) {
        spec.placement = new FleetAddOnSpec.Placement();
      }
      if (clusterSelector.isEmpty()) {
        spec.placement.clusterSelector = null;
      } else {
        LabelSelector selector = new LabelSelector();
        selector.setMatchLabels(new LinkedHashMap<>(clusterSelector));
        spec.placement.clusterSelector = selector;
      }
    }
    List<String> problems = AddOnValidation.strategyProblems(s);
    if (!problems.isEmpty()) {
      throw new BadInputException("rollout strategy of " + addOn + ": " + String.join("; ", problems));
    }
    return spec;
  }

  /** "Progressive (maxConcurrency 2, maxFailures 0), failure strategy Pause": a strategy as one phrase. */
  static String describe(FleetAddOnSpec spec) {
    RolloutStrategy s = spec.rolloutStrategy == null ? new RolloutStrategy() : spec.rolloutStrategy;
    List<String> limits = new ArrayList<>();
    if (s.maxConcurrency != null) {
      limits.add("maxConcurrency " + text(s.maxConcurrency));
    }
    if (s.maxFailures != null) {
      limits.add("maxFailures " + text(s.maxFailures));
    }
    if (s.minSuccessTime != null) {
      limits.add("minSuccessTime " + s.minSuccessTime);
    }
    if (s.progressDeadline != null) {
      limits.add("progressDeadline " + s.progressDeadline);
    }
    if (s.groups != null && !s.groups.isEmpty()) {
      limits.add(s.groups.size() + " groups");
    }
    RolloutStrategy.Type type = s.type == null ? RolloutStrategy.Type.All : s.type;
    return type + (limits.isEmpty() ? "" : " (" + String.join(", ", limits) + ")") + ", failure strategy "
        + (spec.failureStrategy == null ? FailureStrategy.Pause : spec.failureStrategy);
  }

  static String text(IntOrString v) {
    return v.getIntVal() != null ? v.getIntVal().toString() : v.getStrVal();
  }

  /** "every cluster" or "clusters with env=prod,tier=1". */
  static String describePlacement(FleetAddOnSpec spec) {
    LabelSelector selector = spec.placement == null ? null : spec.placement.clusterSelector;
    if (selector == null || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()))) {
      return "every cluster";
    }
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      selector.getMatchExpressions().forEach(e -> parts.add(e.getKey() + " " + e.getOperator()
          + (e.getValues() == null || e.getValues().isEmpty() ? "" : " (" + String.join(",", e.getValues()) + ")")));
    }
    return "clusters with " + String.join(",", parts);
  }
}
