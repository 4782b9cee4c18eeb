package io.flotilla.agent.addon;

import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders an AddOnRelease for one cluster: every {@code {{name}}} placeholder (spaces inside the braces allowed) in
 * every string value of every manifest, recursively, is replaced by the variable's value. Map keys are not templated.
 *
 * <p>Variables, later ones winning: the release's defaults, then the ManagedAddOn's {@code spec.variables}, then the
 * built-ins {@value #CLUSTER_NAME} and {@value #VERSION}, which are facts and cannot be overridden. A placeholder that
 * names no variable, or a variable without a value, fails the whole render: nothing half-rendered is ever applied.
 */
public final class ReleaseRenderer {
  public static final String CLUSTER_NAME = "clusterName";
  public static final String VERSION = "version";
  public static final Set<String> BUILT_INS = Set.of(CLUSTER_NAME, VERSION);

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.*?)}}");
  private static final Pattern NAME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9_]*$");

  private ReleaseRenderer() {}

  /** A render that cannot succeed; the message names each bad placeholder and where it is. */
  public static final class TemplateException extends RuntimeException {
    public TemplateException(String message) { super(message); }
  }

  /**
   * The variables for a cluster. A declared variable without a default that the ManagedAddOn does not set is absent,
   * so a placeholder naming it fails with a message saying so.
   */
  public static Map<String, String> variables(AddOnReleaseSpec release, Map<String, String> clusterVariables,
                                              String clusterName) {
    Map<String, String> values = new TreeMap<>();
    if (release.variables != null) {
      for (AddOnReleaseSpec.Variable v : release.variables) {
        if (v != null && v.name != null && v.defaultValue != null) {
          values.put(v.name, v.defaultValue);
        }
      }
    }
    if (clusterVariables != null) {
      clusterVariables.forEach((k, v) -> {
        if (k != null && v != null) {
          values.put(k, v);
        }
      });
    }
    values.put(CLUSTER_NAME, clusterName);
    values.put(VERSION, release.version);
    return values;
  }

  /** Deep copies of the release's manifests with every placeholder replaced. */
  public static List<Map<String, Object>> render(AddOnReleaseSpec release, Map<String, String> variables) {
    List<String> problems = new ArrayList<>();
    List<Map<String, Object>> rendered = new ArrayList<>();
    List<Map<String, Object>> manifests = release.manifests == null ? List.of() : release.manifests;
    for (int i = 0; i < manifests.size(); i++) {
      Map<String, Object> manifest = manifests.get(i);
      String where = describe(manifest, i);
      @SuppressWarnings("unchecked")
      Map<String, Object> copy = (Map<String, Object>) render(manifest, variables, where, "", problems);
      rendered.add(copy);
    }
    if (!problems.isEmpty()) {
      throw new TemplateException("cannot render " + release.addOn + " " + release.version + ": "
          + String.join("; ", problems) + " (defined: " + String.join(", ", variables.keySet())
          + undeclaredHint(release, variables) + ")");
    }
    return rendered;
  }

  /** Whether the text can name a variable (the pattern of AddOnReleaseSpec.Variable.name). */
  public static boolean isVariableName(String text) {
    return text != null && NAME.matcher(text).matches();
  }

  /** Every placeholder name used anywhere in the manifests (for checks before publishing). */
  public static Set<String> placeholders(List<Map<String, Object>> manifests) {
    Set<String> names = new TreeSet<>();
    collect(manifests, names);
    return names;
  }

  /** "Deployment metrics-forwarder/forwarder" style label of a manifest, for messages. */
  public static String describe(Map<String, Object> manifest, int index) {
    if (manifest == null) {
      return "manifest #" + (index + 1);
    }
    Object kind = manifest.get("kind");
    Object metadata = manifest.get("metadata");
    Object name = null;
    Object namespace = null;
    if (metadata instanceof Map<?, ?> m) {
      name = m.get("name");
      namespace = m.get("namespace");
    }
    return (kind == null ? "manifest #" + (index + 1) : kind) + " "
        + (namespace == null ? "" : namespace + "/") + (name == null ? "(unnamed)" : name);
  }

  private static Object render(Object node, Map<String, String> variables, String where, String path,
                               List<String> problems) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), render(v, variables, where, path + "." + k, problems)));
      return copy;
    }
    if (node instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        copy.add(render(list.get(i), variables, where, path + "[" + i + "]", problems));
      }
      return copy;
    }
    if (node instanceof String s) {
      return substitute(s, variables, where, path, problems);
    }
    return node;
  }

  private static String substitute(String s, Map<String, String> variables, String where, String path,
                                   List<String> problems) {
    Matcher m = PLACEHOLDER.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1).trim();
      String value = variables.get(name);
      if (!NAME.matcher(name).matches()) {
        problems.add(where + " " + path + ": malformed placeholder \"" + m.group() + "\"");
        value = m.group();
      } else if (value == null) {
        problems.add(where + " " + path + ": unknown variable \"" + name + "\"");
        value = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void collect(Object node, Set<String> names) {
    if (node instanceof Map<?, ?> map) {
      map.values().forEach(v -> collect(v, names));
    } else if (node instanceof List<?> list) {
      list.forEach(v -> collect(v, names));
    } else if (node instanceof String s) {
      Matcher m = PLACEHOLDER.matcher(s);
      while (m.find()) {
        names.add(m.group(1).trim());
      }
    }
  }

  /** Names declared by the release that have no value: the usual cause of an "unknown variable". */
  private static String undeclaredHint(AddOnReleaseSpec release, Map<String, String> variables) {
    if (release.variables == null) {
      return "";
    }
    List<String> missing = release.variables.stream().filter(v -> v != null && v.name != null)
        .map(v -> v.name).filter(n -> !variables.containsKey(n)).sorted().toList();
    return missing.isEmpty() ? "" : "; declared without a default and not set by the ManagedAddOn: "
        + String.join(", ", missing);
  }
}
