package io.flotilla.sandbox.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The benchmark's command line and its median; the benchmark itself is run by hand, not as a test. */
class BackupBenchmarkOptionsTest {
  @TempDir
  Path dir;

  @Test
  void parsesSizesRoundsAndPaths() throws Exception {
    Path etcdctl = fakeEtcdctl();
    BackupBenchmark.Options options = BackupBenchmark.Options.parse("--sizes", "512, 256", "--rounds", "5",
        "--work-dir", dir.toString(), "--seed", "7", "--etcdctl", etcdctl.toString());
    assertThat(options.sizesMiB()).containsExactly(256L, 512L);
    assertThat(options.rounds()).isEqualTo(5);
    assertThat(options.workParent()).isEqualTo(dir);
    assertThat(options.seed()).isEqualTo(7);
    assertThat(options.etcdctl()).isEqualTo(etcdctl);
    assertThat(options.backup()).isSameAs(BackupUnderTest.PIPELINE);
  }

  @Test
  void defaultsToTwoSizesOfAtLeastTheIssuesMinimum() throws Exception {
    BackupBenchmark.Options options = BackupBenchmark.Options.parse("--etcdctl", fakeEtcdctl().toString());
    assertThat(options.sizesMiB()).containsExactly(256L, 512L);
    assertThat(options.rounds()).isEqualTo(5);
  }

  @Test
  void rejectsBadInputWithAMessage() throws Exception {
    String etcdctl = fakeEtcdctl().toString();
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--sizes", "256,lots", "--etcdctl", etcdctl))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--sizes: not a number: 256,lots");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--sizes", "0", "--etcdctl", etcdctl))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sizes must be positive");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--rounds", "0", "--etcdctl", etcdctl))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rounds must be at least 1");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--work-dir", dir.resolve("missing").toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a directory");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--etcdctl", dir.resolve("nope").toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not executable");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--frobnicate", "1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --frobnicate");
    assertThatThrownBy(() -> BackupBenchmark.Options.parse("--rounds"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rounds needs a value");
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(BackupBenchmark.median(List.of(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(3))))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(BackupBenchmark.median(List.of(Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(9)))).isEqualTo(Duration.ofSeconds(3));
  }

  private Path fakeEtcdctl() throws Exception {
    Path file = Files.writeString(dir.resolve("etcdctl"), "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
