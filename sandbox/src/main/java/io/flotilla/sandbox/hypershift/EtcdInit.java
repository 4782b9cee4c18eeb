package io.flotilla.sandbox.hypershift;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sandbox's etcd-init: what HyperShift's {@code etcd-init} init container does before etcd starts when
 * {@code restoreSnapshotURL} is set and {@code EtcdSnapshotRestored} is not True (docs/hypershift-facts.md §1.4 "How the restore
 * executes", {@code control-plane-operator/.../v2/etcd/etcd-init.sh}):
 * <ol>
 *   <li>exit early, successfully, if the data directory is not empty ("not restoring snapshot");</li>
 *   <li>download the URL ({@code curl -o /tmp/snapshot}; no redirects are followed, as curl without -L);</li>
 *   <li>fail if the body starts with {@code <?xml}: an S3 error (expired presign, NoSuchKey, AccessDenied);</li>
 *   <li>{@code etcdutl snapshot restore} if etcdutl exists (etcd 3.6+), else {@code etcdctl snapshot restore} (3.5
 *       and older, Debian's etcd-client), into a staging directory, then move it into place.</li>
 * </ol>
 * The downloaded file is always removed. Messages never contain the URL's query string (a presigned signature).
 */
final class EtcdInit {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdInit.class);
  /** The data directory, as EtcdLauncher lays it out under a member directory. */
  static final String DATA_DIR = "data";
  private static final String RESTORE_DIR = "restore";
  private static final String DOWNLOAD_FILE = "snapshot.download";
  private static final String LOG_FILE = "etcd-init.log";
  /**
   * The peer URL recorded in the restored membership. EtcdLauncher later listens on a free port of its choosing; a
   * single member never dials its own peer URL, and etcd ignores the --initial-* flags for an existing data directory,
   * so the restored member starts and serves the snapshot's keys (the member and cluster IDs are new, as after any
   * restore).
   */
  static final String PEER_URL = "http://127.0.0.1:2380";
  private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(30);
  private static final long RESTORE_TIMEOUT_MINUTES = 10;
  private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]{1,200})</Code>");
  private static final Pattern XML_MESSAGE = Pattern.compile("<Message>([^<]{1,500})</Message>");

  private final HttpClient http;
  private final Path etcdBinary;

  /** @param etcdBinary the etcd the sandbox runs; etcdutl/etcdctl next to it are preferred over the PATH's */
  EtcdInit(HttpClient http, Path etcdBinary) {
    this.http = http;
    this.etcdBinary = etcdBinary;
  }

  /** A fault for tests: the management cluster's network drops etcd-init's download (a firewall, a NetworkPolicy). */
  private volatile boolean downloadsBlocked;

  void blockDownloads(boolean blocked) { downloadsBlocked = blocked; }

  RestoreOutcome run(RestoreSnapshotUrl url, Path memberDir, String memberName) {
    Path data = memberDir.resolve(DATA_DIR);
    Path download = memberDir.resolve(DOWNLOAD_FILE);
    Path staging = memberDir.resolve(RESTORE_DIR);
    try {
      Files.createDirectories(memberDir);
      if (!isEmptyOrMissing(data)) {
        LOG.info("etcd-init {}: {} not empty, not restoring snapshot", memberDir, data);
        return RestoreOutcome.skippedDataDirectoryNotEmpty();
      }
      LOG.info("etcd-init {}: downloading snapshot from {}", memberDir, url.redacted());
      if (downloadsBlocked) {
        return failed(url, "downloading the snapshot from " + url.redacted() + " failed: connection timed out"
            + " (sandbox fault: this cluster's restore downloads are blocked)");
      }
      HttpResponse<Path> response;
      try {
        response = http.send(HttpRequest.newBuilder(url.uri()).timeout(DOWNLOAD_TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofFile(download));
      } catch (IOException e) {
        return failed(url, "downloading the snapshot from " + url.redacted() + " failed: " + describe(e));
      }
      long size = Files.size(download);
      Optional<String> xmlError = xmlError(download);
      if (xmlError.isPresent()) {
        return failed(url, "the restore URL returned an XML document instead of a snapshot (HTTP "
            + response.statusCode() + xmlError.get() + ")");
      }
      if (response.statusCode() / 100 != 2) {
        return failed(url, "downloading the snapshot from " + url.redacted() + " returned HTTP " + response.statusCode());
      }
      Optional<Path> tool = restoreTool();
      if (tool.isEmpty()) {
        return failed(url, "neither etcdutl nor etcdctl found (install Debian's etcd-client; bin/setup does)");
      }
      deleteRecursively(staging);
      Optional<String> error = restore(tool.get(), download, staging, memberName, memberDir.resolve(LOG_FILE));
      if (error.isPresent()) {
        deleteRecursively(staging);
        return failed(url, tool.get().getFileName() + " snapshot restore failed: " + error.get());
      }
      deleteRecursively(data);
      Files.move(staging, data);
      LOG.info("etcd-init {}: restored a {}-byte snapshot with {}", memberDir, size, tool.get().getFileName());
      return RestoreOutcome.restored("Snapshot restored (" + size + " bytes) with " + tool.get().getFileName()
          + " snapshot restore");
    } catch (IOException e) {
      return failed(url, "etcd-init failed: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(url, "etcd-init was interrupted");
    } finally {
      try {
        Files.deleteIfExists(download);
      } catch (IOException e) {
        LOG.warn("etcd-init {}: cannot remove the downloaded snapshot: {}", memberDir, e.getMessage());
      }
    }
  }

  private static RestoreOutcome failed(RestoreSnapshotUrl url, String message) {
    String safe = url.scrub(message);
    LOG.warn("etcd-init: {}", safe);
    return RestoreOutcome.failed(HyperShiftSimulator.REASON_ETCD_RESTORE_FAILED, safe);
  }

  /** etcd-init's check: the first five bytes are {@code <?xml}. Returns the S3 error code and message if it is. */
  static Optional<String> xmlError(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(4096);
    }
    if (head.length < 5 || !new String(head, 0, 5, StandardCharsets.US_ASCII).equals("<?xml")) {
      return Optional.empty();
    }
    String body = new String(head, StandardCharsets.UTF_8);
    StringBuilder s = new StringBuilder();
    Matcher code = XML_CODE.matcher(body);
    if (code.find()) {
      s.append(", S3 error ").append(code.group(1));
    }
    Matcher message = XML_MESSAGE.matcher(body);
    if (message.find()) {
      s.append(": ").append(message.group(1));
    }
    return Optional.of(s.toString());
  }

  private static Optional<String> restore(Path tool, Path snapshot, Path target, String memberName, Path log)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(tool.toString(), "snapshot", "restore", snapshot.toString(),
        "--data-dir", target.toString(),
        "--name", memberName,
        "--initial-cluster", memberName + "=" + PEER_URL,
        "--initial-advertise-peer-urls", PEER_URL));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("ETCDCTL_API", "3");
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    Process process = builder.start();
    try {
      if (!process.waitFor(RESTORE_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        return Optional.of("did not finish in " + RESTORE_TIMEOUT_MINUTES + " min");
      }
    } finally {
      process.destroyForcibly();
    }
    if (process.exitValue() == 0) {
      return Optional.empty();
    }
    return Optional.of("exit " + process.exitValue() + ": " + lastLines(log, logStart, 3));
  }

  /** etcdutl first (etcd 3.6+), then etcdctl: next to the etcd binary, on the PATH, in /usr/bin. */
  Optional<Path> restoreTool() {
    for (String name : List.of("etcdutl", "etcdctl")) {
      List<Path> candidates = new ArrayList<>();
      if (etcdBinary != null && etcdBinary.getParent() != null) {
        candidates.add(etcdBinary.resolveSibling(name));
      }
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Path.of(dir, name));
        }
      }
      candidates.add(Path.of("/usr/bin", name));
      for (Path candidate : candidates) {
        if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  static boolean isEmptyOrMissing(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static String lastLines(Path log, long from, int lines) throws IOException {
    byte[] all = Files.readAllBytes(log);
    String text = new String(all, (int) Math.min(from, all.length), (int) (all.length - Math.min(from, all.length)),
        StandardCharsets.UTF_8);
    List<String> l = text.lines().filter(s -> !s.isBlank()).toList();
    return String.join(" | ", l.subList(Math.max(0, l.size() - lines), l.size()));
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
