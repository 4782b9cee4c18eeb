package io.flotilla.sandbox.bench;

import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdTls;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The documented manual step, run as an operator would: the real {@code etcdctl} binary (Debian's etcd-client) with
 * the etcd's client certificate files, {@code ETCDCTL_API=3}.
 */
final class Etcdctl {
  private static final long TIMEOUT_MINUTES = 10;

  private final Path binary;
  private final EtcdProcess etcd;
  private final Path tlsDir;
  private final Path log;

  /** @param tlsDir receives ca.crt, etcd-client.crt and etcd-client.key; @param log etcdctl's output goes here */
  Etcdctl(Path binary, EtcdProcess etcd, Path tlsDir, Path log) {
    this.binary = binary;
    this.etcd = etcd;
    this.tlsDir = tlsDir;
    this.log = log;
    etcd.tls().writeClientFiles(tlsDir);
  }

  /** $PATH's etcdctl, then /usr/bin/etcdctl. */
  static Path find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcdctl"))) {
        return Path.of(dir, "etcdctl");
      }
    }
    Path fallback = Path.of("/usr/bin/etcdctl");
    if (Files.isExecutable(fallback)) {
      return fallback;
    }
    throw new IllegalStateException("etcdctl not found on PATH or at /usr/bin/etcdctl (Debian package etcd-client; "
        + "bin/setup installs it)");
  }

  /** {@code etcdctl snapshot save <file>}; returns once etcdctl exited (it fsyncs the file before renaming it). */
  void snapshotSave(Path file) throws IOException, InterruptedException {
    run("snapshot", "save", file.toString());
  }

  String version() throws IOException, InterruptedException {
    List<String> command = List.of(binary.toString(), "version");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    p.waitFor(30, TimeUnit.SECONDS);
    return out.lines().findFirst().orElse("?");
  }

  private void run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--endpoints", etcd.endpoint(),
        "--cacert", tlsDir.resolve(EtcdTls.CA_FILE).toString(),
        "--cert", tlsDir.resolve(EtcdTls.CLIENT_CERT_FILE).toString(),
        "--key", tlsDir.resolve(EtcdTls.CLIENT_KEY_FILE).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().put("ETCDCTL_API", "3");
    Process p = builder.start();
    try {
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        throw new IOException("etcdctl " + String.join(" ", args) + " did not finish in " + TIMEOUT_MINUTES + " min");
      }
    } finally {
      p.destroyForcibly();
    }
    if (p.exitValue() != 0) {
      throw new IOException("etcdctl " + String.join(" ", args) + " exited with " + p.exitValue() + ": "
          + Files.readString(log).strip());
    }
  }
}
