package io.flotilla.agent.drill;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A private directory (mode 0700) for one verification: the plaintext snapshot, the restored data directory and the
 * scratch etcd's log. {@link #close()} deletes it whole. It records the agent process that owns it and the scratch
 * etcd it started, so that {@link #sweep} can clean up after an agent that was killed (SIGKILL, OOM) before its own
 * clean-up ran: nothing of a drill is left running or on disk for longer than until the next agent starts.
 */
public final class ScratchDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScratchDirectory.class);
  static final String PREFIX = "flotilla-drill-";
  static final String OWNER_FILE = "owner.pid";
  static final String ETCD_PID_FILE = "etcd.pid";

  private final Path path;

  private ScratchDirectory(Path path) {
    this.path = path;
  }

  /** A new directory under {@code parent}, owned by this process. */
  public static ScratchDirectory create(Path parent) throws IOException {
    Files.createDirectories(parent);
    Path dir = Files.createTempDirectory(parent, PREFIX,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.writeString(dir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
    return new ScratchDirectory(dir);
  }

  public Path path() {
    return path;
  }

  /** A path inside; nothing is created. */
  public Path resolve(String name) {
    return path.resolve(name);
  }

  /** Records the scratch etcd's pid, for {@link #sweep} should this process die with it running. */
  void recordEtcd(long pid) throws IOException {
    Files.writeString(path.resolve(ETCD_PID_FILE), Long.toString(pid), StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    delete(path);
  }

  /**
   * Removes what agents that died left under {@code parent}: directories whose owner process is gone, after killing the
   * scratch etcd they record if it still runs (checked by its command line naming the directory, so a reused pid is
   * never killed). Directories of live processes (another agent on the same machine, as in the sandbox) are left alone.
   *
   * @return how many directories were removed
   */
  public static int sweep(Path parent) {
    if (!Files.isDirectory(parent)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
      for (Path dir : dirs) {
        if (!Files.isDirectory(dir) || pid(dir.resolve(OWNER_FILE)).flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive).isPresent()) {
          continue;
        }
        pid(dir.resolve(ETCD_PID_FILE)).flatMap(ProcessHandle::of)
            .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
            .ifPresent(p -> {
              log.warn("stopping the scratch etcd (pid {}) of a restore drill an earlier agent left running", p.pid());
              p.destroyForcibly();
              p.onExit().join();
            });
        if (delete(dir)) {
          removed++;
          log.info("removed the scratch directory {} an earlier agent left", dir);
        }
      }
    } catch (IOException e) {
      log.warn("cannot look for left-over drill directories in {}: {}", parent, e.getMessage());
    }
    return removed;
  }

  private static Optional<Long> pid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean delete(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
      return true;
    } catch (IOException | java.io.UncheckedIOException e) {
      log.warn("cannot delete the scratch directory {}: {}", dir, e.getMessage());
      return false;
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
