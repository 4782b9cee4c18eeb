package io.flotilla.e2e;

import io.flotilla.sandbox.Fleet;
import io.flotilla.sandbox.etcd.EtcdLauncher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One way for the e2e scenarios to bring up an in-process sandbox fleet, skipping cleanly without etcd. */
public final class SandboxFleets {
  private SandboxFleets() {}

  /** A fleet with 1 s heartbeats (grace 5), shaped by {@code options}; skips the test class when etcd is missing. */
  public static Fleet upOrSkip(Path dir, UnaryOperator<Fleet.Options> options) {
    try {
      EtcdLauncher.findEtcd();
    } catch (RuntimeException e) {
      assumeTrue(false, "no etcd: " + e.getMessage());
    }
    return Fleet.up(options.apply(Fleet.Options.defaults(dir).withHeartbeat(Duration.ofSeconds(1), 5)), line -> { });
  }
}
