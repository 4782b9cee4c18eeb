package io.flotilla.cli;

import io.flotilla.agent.addon.ReleaseTemplates;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** The add-on release sources `addon publish`, the demo and the benchmark read (addon-templates/README.md). */
final class AddOnTemplates {
  static final String DIR = "addon-templates";

  private AddOnTemplates() {}

  /**
   * {@code given} if set; else the nearest addon-templates folder in the working directory or above it, else the one
   * above this installation (bin/flotilla runs from cli/target in the repository), so the demo works from anywhere.
   */
  static Path locate(Path given) {
    if (given != null) {
      return given;
    }
    Path here = Path.of(DIR);
    List<Path> starts = new java.util.ArrayList<>(List.of(Path.of("").toAbsolutePath()));
    try {
      starts.add(Path.of(AddOnTemplates.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (URISyntaxException | RuntimeException e) {
      // no code source to go by: the working directory is enough
    }
    for (Path start : starts) {
      for (Path p = start; p != null; p = p.getParent()) {
        if (Files.isDirectory(p.resolve(DIR))) {
          return p.resolve(DIR);
        }
      }
    }
    return here; // load() reports that it is missing
  }

  /**
   * The releases under {@code dir}, of {@code addOn} and {@code version} when given.
   *
   * @throws BadInputException when the sources are invalid (every problem, on one line) or select nothing
   */
  static List<AddOnRelease> load(Path dir, String addOn, String version) {
    List<AddOnRelease> all;
    try {
      all = ReleaseTemplates.load(dir);
    } catch (ReleaseTemplates.ReleaseTemplateException e) {
      throw new BadInputException("invalid add-on templates in " + dir + ": " + String.join("; ", e.problems()));
    }
    List<AddOnRelease> selected = all.stream()
        .filter(r -> addOn == null || addOn.equals(r.getSpec().addOn))
        .filter(r -> version == null || version.equals(r.getSpec().version))
        .toList();
    if (selected.isEmpty()) {
      TreeSet<String> have = new TreeSet<>();
      all.forEach(r -> have.add(r.getMetadata().getName()));
      throw new BadInputException("no release" + (addOn == null ? "" : " of " + addOn)
          + (version == null ? "" : " " + version) + " in " + dir + " (have: " + String.join(", ", have) + ")");
    }
    return selected;
  }
}
