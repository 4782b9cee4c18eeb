package io.flotilla.sandbox.kube;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The CRDs a mock API server knows, for discovery and server-side printing. The mock's CRUD store holds them too,
 * but the dispatcher must not call back into its own server, so it keeps this copy.
 */
public final class CrdCatalog {
  static final String CRD_DIRECTORY = "META-INF/fabric8/";

  /** Keyed by CRD name (plural.group). */
  private final Map<String, CustomResourceDefinition> crds = new ConcurrentHashMap<>();

  void add(CustomResourceDefinition crd) { crds.put(crd.getMetadata().getName(), crd); }

  Collection<CustomResourceDefinition> all() { return List.copyOf(crds.values()); }

  Optional<CustomResourceDefinition> find(String group, String plural) {
    return Optional.ofNullable(crds.get(plural + "." + group));
  }

  static Optional<CustomResourceDefinitionVersion> version(CustomResourceDefinition crd, String version) {
    return crd.getSpec().getVersions().stream().filter(v -> v.getName().equals(version)).findFirst();
  }

  /** Every CRD YAML the flotilla-api artifact ships (ours and the foreign kinds), whether it is a jar or a directory. */
  public static List<CustomResourceDefinition> loadApiCrds() {
    Path location;
    try {
      location = Path.of(ManagementCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the flotilla-api classes", e);
    }
    List<CustomResourceDefinition> result = new ArrayList<>();
    try {
      if (Files.isDirectory(location)) {
        Path dir = location.resolve(CRD_DIRECTORY);
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
            try (InputStream in = Files.newInputStream(file)) {
              result.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
            }
          }
        }
      } else {
        try (JarFile jar = new JarFile(location.toFile())) {
          List<JarEntry> entries = jar.stream()
              .filter(e -> e.getName().startsWith(CRD_DIRECTORY) && e.getName().endsWith(".yml"))
              .sorted((a, b) -> a.getName().compareTo(b.getName())).toList();
          for (JarEntry entry : entries) {
            try (InputStream in = jar.getInputStream(entry)) {
              result.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CRDs from " + location, e);
    }
    if (result.isEmpty()) {
      throw new IllegalStateException("no CRDs under " + CRD_DIRECTORY + " in " + location);
    }
    return result;
  }
}
