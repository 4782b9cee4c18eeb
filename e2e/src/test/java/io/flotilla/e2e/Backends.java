package io.flotilla.e2e;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Starts each backend once per test class and stops it after; skips kind without Docker, with the reason. */
final class Backends implements AutoCloseable {
  static final String SANDBOX = "sandbox";
  static final String KIND = "kind";

  private final Map<String, FleetBackend> started = new HashMap<>();
  private final Path dir;
  private final int clusters;
  private final int hostedPerCluster;

  Backends(Path dir, int clusters, int hostedPerCluster) {
    this.dir = dir;
    this.clusters = clusters;
    this.hostedPerCluster = hostedPerCluster;
  }

  static Stream<String> names() { return Stream.of(SANDBOX, KIND); }

  FleetBackend get(String name) {
    if (KIND.equals(name)) {
      Assumptions.assumeTrue(KindFleet.dockerAvailable(),
          "kind backend skipped: no Docker engine answers on this machine (the sandbox backend ran the same scenario)");
    }
    return started.computeIfAbsent(name, n -> KIND.equals(n)
        ? new KindFleet(dir.resolve(n), clusters, hostedPerCluster)
        : new SandboxFleet(dir.resolve(n), clusters, hostedPerCluster));
  }

  @Override
  public void close() {
    started.values().forEach(FleetBackend::close);
    started.clear();
  }
}
