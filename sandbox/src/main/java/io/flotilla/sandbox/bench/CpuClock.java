package io.flotilla.sandbox.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * CPU time of the processes a run involves, so that a slow run on a busy machine can be told from a run that needs
 * more CPU: this JVM (the pipeline and the in-process S3Proxy), its reaped children (etcdctl), and etcd. Linux only
 * ({@code /proc}); elsewhere the figures are absent.
 */
final class CpuClock {
  /** USER_HZ: /proc reports clock ticks, 100 per second on every Linux architecture the sandbox runs on. */
  private static final long TICKS_PER_SECOND = 100;

  private CpuClock() {}

  record Reading(long jvmNanos, long childrenNanos, long etcdNanos) {
    Reading minus(Reading earlier) {
      return new Reading(jvmNanos - earlier.jvmNanos, childrenNanos - earlier.childrenNanos,
          etcdNanos - earlier.etcdNanos);
    }
  }

  /** Empty when /proc is not there. */
  static Optional<Reading> read(long etcdPid) {
    try {
      long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
      String[] self = fields(Path.of("/proc/self/stat"));
      String[] etcd = fields(Path.of("/proc/" + etcdPid + "/stat"));
      // After the command name: index 11/12 are utime/stime, 13/14 cutime/cstime (children waited for).
      long children = ticks(self[13]) + ticks(self[14]);
      long etcdCpu = ticks(etcd[11]) + ticks(etcd[12]);
      return Optional.of(new Reading(jvm, children, etcdCpu));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static Duration seconds(long nanos) {
    return Duration.ofNanos(nanos);
  }

  private static String[] fields(Path stat) throws IOException {
    String line = Files.readString(stat);
    // The command name is in parentheses and may contain spaces; the fields start after the last ") ".
    return line.substring(line.lastIndexOf(") ") + 2).split(" ");
  }

  private static long ticks(String value) {
    return Long.parseLong(value.strip()) * (1_000_000_000L / TICKS_PER_SECOND);
  }
}
