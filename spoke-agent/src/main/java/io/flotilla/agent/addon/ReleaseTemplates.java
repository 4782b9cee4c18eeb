package io.flotilla.agent.addon;

import io.flotilla.common.SemanticVersion;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import io.flotilla.api.common.Validation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads add-on release sources, {@code addon-templates/<addOn>/<version>/}, into AddOnRelease objects (what
 * {@code flotilla addon publish} creates on the hub). Each version folder holds {@value #RELEASE_FILE} (addOn,
 * version, progressDeadline, variables) and one or more manifest files ({@code *.yaml} / {@code *.yml}, several
 * documents per file allowed), applied in file-name order. See addon-templates/README.md for the format.
 *
 * <p>Everything that can be checked before publishing is checked here, and every problem of the whole tree is
 * reported at once: folder names, the release file's keys and values, objects without apiVersion / kind / name,
 * namespaced objects without a namespace, duplicate objects, and placeholders that name no variable.
 */
public final class ReleaseTemplates {
  public static final String RELEASE_FILE = "release.yaml";
  private static final Set<String> RELEASE_KEYS = Set.of("addOn", "version", "progressDeadline", "variables");
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private ReleaseTemplates() {}

  /** The sources cannot be published as they are; the message lists every problem with its file. */
  public static final class ReleaseTemplateException extends IllegalArgumentException {
    private final List<String> problems;

    ReleaseTemplateException(Path dir, List<String> problems) {
      super("invalid add-on templates in " + dir + ":\n  " + String.join("\n  ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() { return problems; }
  }

  /**
   * Every release under {@code addonTemplatesDir}, ordered by add-on and then by version precedence.
   *
   * @throws ReleaseTemplateException when any source is invalid
   * @throws UncheckedIOException     when the folder cannot be read
   */
  public static List<AddOnRelease> load(Path addonTemplatesDir) {
    if (!Files.isDirectory(addonTemplatesDir)) {
      throw new ReleaseTemplateException(addonTemplatesDir, List.of(addonTemplatesDir + " is not a directory"));
    }
    List<String> problems = new ArrayList<>();
    List<AddOnRelease> releases = new ArrayList<>();
    for (Path addOnDir : directories(addonTemplatesDir)) {
      String addOn = addOnDir.getFileName().toString();
      if (!addOn.matches(Validation.DNS1123_LABEL) || addOn.length() > 63) {
        problems.add(addOnDir + ": add-on folder names must be DNS labels (lower case, digits, '-')");
        continue;
      }
      List<Path> versions = directories(addOnDir);
      if (versions.isEmpty()) {
        problems.add(addOnDir + ": no version folders");
      }
      for (Path versionDir : versions) {
        AddOnRelease release = loadVersion(addOn, versionDir, problems);
        if (release != null) {
          releases.add(release);
        }
      }
    }
    if (releases.isEmpty() && problems.isEmpty()) {
      problems.add(addonTemplatesDir + ": no add-on folders");
    }
    if (!problems.isEmpty()) {
      throw new ReleaseTemplateException(addonTemplatesDir, problems);
    }
    releases.sort(Comparator.comparing((AddOnRelease r) -> r.getSpec().addOn)
        .thenComparing(r -> r.getSpec().version, SemanticVersion.PRECEDENCE));
    return releases;
  }

  private static AddOnRelease loadVersion(String addOn, Path dir, List<String> problems) {
    int before = problems.size();
    String folderVersion = dir.getFileName().toString();
    if (!SemanticVersion.isValid(folderVersion)) {
      problems.add(dir + ": version folder names must be semantic versions such as 1.2.0");
      return null;
    }
    Path releaseFile = dir.resolve(RELEASE_FILE);
    if (!Files.isRegularFile(releaseFile)) {
      problems.add(dir + ": " + RELEASE_FILE + " is missing");
      return null;
    }
    AddOnReleaseSpec spec = readReleaseFile(releaseFile, problems);
    if (spec == null) {
      return null;
    }
    if (spec.addOn != null && !spec.addOn.equals(addOn)) {
      problems.add(releaseFile + ": addOn \"" + spec.addOn + "\" does not match the folder name \"" + addOn + "\"");
    }
    spec.addOn = addOn;
    if (spec.version == null) {
      problems.add(releaseFile + ": version is missing");
    } else if (!spec.version.equals(folderVersion)) {
      problems.add(releaseFile + ": version \"" + spec.version + "\" does not match the folder name \"" + folderVersion + "\"");
    }
    if (spec.progressDeadline != null) {
      try {
        AddOnLifecycle.progressDeadline(spec);
      } catch (IllegalArgumentException e) {
        problems.add(releaseFile + ": " + e.getMessage());
      }
    }
    Set<String> declared = new HashSet<>();
    for (AddOnReleaseSpec.Variable v : spec.variables) {
      if (v == null || !ReleaseRenderer.isVariableName(v.name)) {
        problems.add(releaseFile + ": variable names must start with a letter and hold only letters, digits and '_'"
            + (v == null || v.name == null ? "" : " (\"" + v.name + "\")"));
      } else if (ReleaseRenderer.BUILT_INS.contains(v.name)) {
        problems.add(releaseFile + ": variable \"" + v.name + "\" is built in and cannot be declared");
      } else if (!declared.add(v.name)) {
        problems.add(releaseFile + ": variable \"" + v.name + "\" is declared twice");
      }
    }

    spec.manifests = new ArrayList<>();
    Set<String> objects = new HashSet<>();
    for (Path file : manifestFiles(dir)) {
      for (Map<String, Object> manifest : readManifests(file, problems)) {
        String problem = manifestProblem(manifest);
        if (problem != null) {
          problems.add(file + ": " + ReleaseRenderer.describe(manifest, spec.manifests.size()) + ": " + problem);
        } else if (!objects.add(identity(manifest))) {
          problems.add(file + ": " + ReleaseRenderer.describe(manifest, spec.manifests.size()) + " is defined twice");
        }
        spec.manifests.add(manifest);
      }
    }
    if (spec.manifests.isEmpty()) {
      problems.add(dir + ": no manifests (add *.yaml files next to " + RELEASE_FILE + ")");
    }
    Set<String> unknown = new TreeSet<>(ReleaseRenderer.placeholders(spec.manifests));
    unknown.removeAll(declared);
    unknown.removeAll(ReleaseRenderer.BUILT_INS);
    if (!unknown.isEmpty()) {
      problems.add(dir + ": placeholders name undeclared variables: " + String.join(", ", unknown)
          + " (declare them in " + RELEASE_FILE + "; built in: " + String.join(", ", new TreeSet<>(ReleaseRenderer.BUILT_INS)) + ")");
    }
    if (problems.size() > before) {
      return null;
    }
    AddOnRelease release = new AddOnRelease();
    release.getMetadata().setName(AddOnRelease.nameFor(addOn, spec.version));
    release.getMetadata().setLabels(new LinkedHashMap<>(Map.of(ManifestApplier.NAME_LABEL, addOn)));
    release.setSpec(spec);
    return release;
  }

  private static AddOnReleaseSpec readReleaseFile(Path file, List<String> problems) {
    Map<String, Object> raw;
    try (InputStream in = Files.newInputStream(file)) {
      raw = YAML.unmarshal(in, new TypeReference<Map<String, Object>>() { });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (RuntimeException e) {
      problems.add(file + ": not valid YAML: " + ManifestApplier.oneLine(rootCause(e)));
      return null;
    }
    if (raw == null) {
      problems.add(file + ": empty");
      return null;
    }
    Set<String> unknownKeys = new TreeSet<>(raw.keySet());
    unknownKeys.removeAll(RELEASE_KEYS);
    if (!unknownKeys.isEmpty()) {
      problems.add(file + ": unknown keys " + unknownKeys + " (allowed: " + new TreeSet<>(RELEASE_KEYS) + ")");
      return null;
    }
    try {
      AddOnReleaseSpec spec = YAML.convertValue(raw, AddOnReleaseSpec.class);
      if (spec.variables == null) {
        spec.variables = new ArrayList<>();
      }
      return spec;
    } catch (IllegalArgumentException e) {
      problems.add(file + ": " + ManifestApplier.oneLine(rootCause(e)));
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> readManifests(Path file, List<String> problems) {
    Object parsed;
    try (InputStream in = Files.newInputStream(file)) {
      parsed = YAML.unmarshal(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (RuntimeException e) {
      problems.add(file + ": cannot be read as Kubernetes objects (placeholders must sit inside quoted strings, e.g. "
          + "namespace: \"{{namespace}}\"): " + ManifestApplier.oneLine(rootCause(e)));
      return List.of();
    }
    List<Object> documents = parsed == null ? List.of() : parsed instanceof List<?> l ? (List<Object>) l : List.of(parsed);
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (Object document : documents) {
      if (document instanceof KubernetesResource) {
        manifests.add(YAML.convertValue(document, Map.class));
      }
    }
    return manifests;
  }

  private static String manifestProblem(Map<String, Object> manifest) {
    if (!(manifest.get("apiVersion") instanceof String) || !(manifest.get("kind") instanceof String)) {
      return "apiVersion and kind are required";
    }
    Object metadata = manifest.get("metadata");
    if (!(metadata instanceof Map<?, ?> m) || !(m.get("name") instanceof String name) || name.isBlank()) {
      return "metadata.name is required";
    }
    Class<? extends KubernetesResource> type = YAML.getRegisteredKubernetesResource(
        (String) manifest.get("apiVersion"), (String) manifest.get("kind"));
    if (type != null && Namespaced.class.isAssignableFrom(type) && !(m.get("namespace") instanceof String)) {
      return "metadata.namespace is required (the agent applies to a whole cluster, there is no default namespace)";
    }
    return null;
  }

  private static String identity(Map<String, Object> manifest) {
    Map<?, ?> metadata = (Map<?, ?>) manifest.get("metadata");
    return manifest.get("apiVersion") + "/" + manifest.get("kind") + "/" + metadata.get("namespace") + "/"
        + metadata.get("name");
  }

  private static List<Path> directories(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static List<Path> manifestFiles(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isRegularFile).filter(p -> {
        String n = p.getFileName().toString();
        return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.equals(RELEASE_FILE) && !n.startsWith(".");
      }).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
