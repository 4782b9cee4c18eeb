package io.flotilla.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** manifests/crds must hold exactly the CRDs the crd-generator produces from the classes in this module. */
class CrdsAreCurrentTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path COMMITTED = Path.of("../manifests/crds");
  private static final String HOW_TO_FIX = "manifests/crds is stale; run: ./mvnw -pl api -Pupdate-crds process-classes";

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    Set<String> generated = ours(GENERATED);
    assertThat(generated).as("generated Flotilla CRDs").hasSize(11);
    assertThat(ours(COMMITTED)).as(HOW_TO_FIX).isEqualTo(generated);
    for (String name : generated) {
      assertThat(Files.readString(COMMITTED.resolve(name)))
          .as(HOW_TO_FIX + " (" + name + " differs)")
          .isEqualTo(Files.readString(GENERATED.resolve(name)));
    }
  }

  private static Set<String> ours(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".flotilla.io-v1.yml"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
