package io.flotilla.agent.drill;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The etcd binaries a restore drill runs: {@code etcd} itself, and the tool that restores a snapshot into a data
 * directory. That tool is {@code etcdutl} where it exists (etcd 3.6 removed {@code etcdctl snapshot restore}), else
 * {@code etcdctl} (3.4 and 3.5, Debian's etcd-client, which bin/setup installs); both take the same flags. The same
 * order HyperShift's etcd-init script uses (docs/hypershift-facts.md §1.4), and the sandbox's EtcdInit after it.
 *
 * @param version the restore tool's first line of {@code version}, e.g. "etcdctl version: 3.4.23"
 */
public record EtcdBinaries(Path etcd, Path restoreTool, String version) {
  /** The etcd to run; the variable the sandbox's etcd launcher reads too. */
  public static final String ETCD_ENV = "FLOTILLA_ETCD";
  /** The etcdctl to use; the variable {@code BackupVerifier} reads for {@code etcdctl snapshot status}. */
  public static final String ETCDCTL_ENV = "FLOTILLA_ETCDCTL";

  /** Why a drill cannot run on this machine, with what to install. */
  public static final class Missing extends IOException {
    Missing(String message) {
      super(message);
    }
  }

  /** The name and version of the restore tool, for status: "etcdctl 3.4.23". */
  public String toolDescription() {
    String name = restoreTool.getFileName().toString();
    String v = version == null ? "" : version.replaceFirst("^.*?(\\d+\\.\\d+\\.\\d+\\S*).*$", "$1");
    return v.isEmpty() || v.equals(version) ? name : name + " " + v;
  }

  /** From the environment and the PATH of this process. */
  public static EtcdBinaries find() throws Missing {
    return find(System.getenv());
  }

  /** {@code env} stands for the process environment (tests give a PATH of their own). */
  static EtcdBinaries find(Map<String, String> env) throws Missing {
    Optional<Path> etcd = configured(env.get(ETCD_ENV), ETCD_ENV);
    if (etcd.isEmpty()) {
      etcd = onPath("etcd", env);
    }
    if (etcd.isEmpty()) {
      throw new Missing("etcd not found (set " + ETCD_ENV + ", or install etcd-server: bin/setup does)");
    }
    Optional<Path> etcdctl = configured(env.get(ETCDCTL_ENV), ETCDCTL_ENV);
    if (etcdctl.isEmpty()) {
      etcdctl = onPath("etcdctl", env);
    }
    // etcdutl beside the etcdctl or the etcd in use first: the one of the same release
    List<Path> siblings = new ArrayList<>();
    etcdctl.ifPresent(p -> siblings.add(p.resolveSibling("etcdutl")));
    siblings.add(etcd.get().resolveSibling("etcdutl"));
    Optional<Path> tool = siblings.stream().filter(EtcdBinaries::executable).findFirst();
    if (tool.isEmpty()) {
      tool = onPath("etcdutl", env);
    }
    if (tool.isEmpty()) {
      tool = etcdctl;
    }
    if (tool.isEmpty()) {
      throw new Missing("neither etcdutl nor etcdctl found (set " + ETCDCTL_ENV
          + ", or install etcd-client: bin/setup does)");
    }
    return new EtcdBinaries(etcd.get(), tool.get(), firstLineOf(tool.get(), "version"));
  }

  /** An explicit setting that points nowhere is an error, not a reason to use another binary silently. */
  private static Optional<Path> configured(String value, String variable) throws Missing {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    Path p = Path.of(value);
    if (!executable(p)) {
      throw new Missing(variable + "=" + value + " is not an executable");
    }
    return Optional.of(p);
  }

  private static Optional<Path> onPath(String name, Map<String, String> env) {
    List<Path> candidates = new ArrayList<>();
    for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    candidates.add(Path.of("/usr/bin", name));
    candidates.add(Path.of("/usr/local/bin", name));
    return candidates.stream().filter(EtcdBinaries::executable).findFirst();
  }

  private static boolean executable(Path p) {
    return Files.isExecutable(p) && !Files.isDirectory(p);
  }

  private static String firstLineOf(Path binary, String argument) throws Missing {
    try {
      ProcessBuilder b = new ProcessBuilder(binary.toString(), argument).redirectErrorStream(true);
      b.environment().put("ETCDCTL_API", "3");
      Process p = b.start();
      byte[] out = p.getInputStream().readNBytes(4096);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      return new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
    } catch (IOException e) {
      throw new Missing("cannot run " + binary + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Missing("interrupted while running " + binary + " " + argument);
    }
  }
}
