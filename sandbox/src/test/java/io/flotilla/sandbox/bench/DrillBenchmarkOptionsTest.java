package io.flotilla.sandbox.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The drill benchmark's command line; the benchmark itself is run by hand (flotilla bench drill), not as a test. */
class DrillBenchmarkOptionsTest {
  @TempDir
  Path dir;

  @Test
  void parsesTheSizeRoundsAndWorkDirectory() {
    DrillBenchmark.Options o = DrillBenchmark.Options.parse("--size", "512", "--rounds", "5", "--work-dir",
        dir.toString(), "--seed", "7");
    assertThat(o.sizeMiB()).isEqualTo(512);
    assertThat(o.rounds()).isEqualTo(5);
    assertThat(o.workParent()).isEqualTo(dir);
    assertThat(o.seed()).isEqualTo(7);
  }

  @Test
  void defaultsToTheIssues256MiB() {
    DrillBenchmark.Options o = DrillBenchmark.Options.parse();
    assertThat(o.sizeMiB()).isEqualTo(256);
    assertThat(o.rounds()).isEqualTo(3);
  }

  @Test
  void badArgumentsSayWhat() {
    assertThatThrownBy(() -> DrillBenchmark.Options.parse("--size", "lots")).hasMessage("--size: not a number: lots");
    assertThatThrownBy(() -> DrillBenchmark.Options.parse("--size", "0")).hasMessageContaining("positive");
    assertThatThrownBy(() -> DrillBenchmark.Options.parse("--rounds")).hasMessageStartingWith("--rounds needs a value");
    assertThatThrownBy(() -> DrillBenchmark.Options.parse("--work-dir", dir.resolve("nope").toString()))
        .hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> DrillBenchmark.Options.parse("--fast", "yes")).hasMessageStartingWith("unknown option");
  }
}
