package io.flotilla.agent.drill;

import io.etcd.jetcd.Client;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.work.StopSignal;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.common.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A restore drill (docs/backup-and-restore.md, "Restore drills"): a verified plaintext snapshot restored with
 * {@code etcdctl snapshot restore} (or {@code etcdutl}) into a data directory in a {@link ScratchDirectory}, that etcd
 * started on loopback ({@link ScratchEtcd}), its revision, live key count and HashKV at the backup's revision read over
 * the KV and maintenance APIs and compared with the manifest ({@link DrillComparison}), and the etcd stopped. A
 * stored object that passes its SHA-256 can still be a snapshot etcd cannot restore or start from, or another
 * etcd's snapshot under this backup's name; HyperShift's own restore checks only the snapshot's hash trailer
 * (docs/hypershift-facts.md §1.4), and this is the check that it would come back as it was.
 *
 * <p>It stops when the agent does (SIGTERM, {@link StopSignal}): the restore or the etcd is stopped, and
 * {@link StopSignal.Stopped} is thrown instead of a result, so a drill cut short is never recorded as failed; the
 * caller deletes the scratch directory.
 */
public final class RestoreDrill {
  private static final Logger log = LoggerFactory.getLogger(RestoreDrill.class);
  static final Duration RESTORE_TIMEOUT = Duration.ofMinutes(30);
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  static final String DATA_DIR = "data";
  static final String LOG_FILE = "etcd.log";

  private final Path parent;
  private final StopSignal stop;

  /** @param parent where scratch directories go; needs about twice the largest snapshot free */
  public RestoreDrill(Path parent, StopSignal stop) {
    this.parent = Objects.requireNonNull(parent, "parent");
    this.stop = Objects.requireNonNull(stop, "stop");
  }

  /** Scratch directories in the JVM's temporary directory ({@code java.io.tmpdir}; in a pod, an emptyDir). */
  public static RestoreDrill inTemporaryDirectory(StopSignal stop) {
    return new RestoreDrill(Path.of(System.getProperty("java.io.tmpdir")), stop);
  }

  public Path parent() {
    return parent;
  }

  /** A new scratch directory for one verification; the caller closes it. */
  public ScratchDirectory scratch() throws IOException {
    return ScratchDirectory.create(parent);
  }

  /** Removes what drills of agents that died left behind ({@link ScratchDirectory#sweep}). */
  public int sweep() {
    return ScratchDirectory.sweep(parent);
  }

  /**
   * @param status  what goes into {@code status.verification.drill}
   * @param message one sentence for {@code status.verification.message}
   */
  public record Outcome(boolean passed, HostedClusterBackupStatus.RestoreDrill status, String message) {}

  /**
   * Drills {@code snapshot} (plaintext, its SHA-256 already checked) in {@code scratch}.
   *
   * @param expected the manifest's snapshot figures
   * @throws StopSignal.Stopped when the agent stops meanwhile
   */
  public Outcome run(ScratchDirectory scratch, Path snapshot, BackupManifest.ObjectFigures expected)
      throws StopSignal.Stopped {
    HostedClusterBackupStatus.RestoreDrill status = new HostedClusterBackupStatus.RestoreDrill();
    EtcdBinaries binaries;
    try {
      binaries = EtcdBinaries.find();
    } catch (EtcdBinaries.Missing e) {
      return failed(status, "cannot drill on this agent: " + e.getMessage());
    }
    status.tool = binaries.toolDescription();
    Path data = scratch.resolve(DATA_DIR);
    Path etcdLog = scratch.resolve(LOG_FILE);
    long t0 = System.nanoTime();
    int peerPort;
    try {
      peerPort = ScratchEtcd.freePort();
      restore(binaries, snapshot, data, peerPort, etcdLog);
    } catch (StopSignal.Stopped e) {
      throw e;
    } catch (IOException e) {
      return failed(status, stopOr(e, status.tool + " snapshot restore failed: " + e.getMessage()));
    }
    status.restoreDuration = Durations.formatMillis(Duration.ofNanos(System.nanoTime() - t0));

    ScratchEtcd started;
    try {
      started = ScratchEtcd.start(binaries, scratch, data, etcdLog, peerPort, stop, START_TIMEOUT);
    } catch (StopSignal.Stopped e) {
      throw e;
    } catch (IOException e) {
      return failed(status, stopOr(e, "the restored etcd did not start: " + e.getMessage()));
    }
    DrillComparison.Observed observed;
    try (ScratchEtcd etcd = started) {
      observed = read(etcd, expected);
    } catch (IOException e) {
      return failed(status, stopOr(e, "the restored etcd " + e.getMessage()));
    }
    stop.check("the restore drill");

    DrillComparison.Verdict verdict = DrillComparison.compare(expected, observed);
    status.etcdRevision = observed.revision();
    status.keys = observed.keysAtRevision();
    status.revisionMatches = verdict.revisionMatches();
    status.keysMatch = verdict.keysMatch();
    status.hashMatches = verdict.hashMatches();
    String notes = verdict.notes().isEmpty() ? "" : " (" + String.join("; ", verdict.notes()) + ")";
    if (!verdict.passed()) {
      return failed(status, "restore drill failed: " + String.join("; ", verdict.problems()) + notes);
    }
    String message = "restore drill passed: " + status.tool + " restored the snapshot in " + status.restoreDuration
        + "; at revision " + expected.etcdRevision() + " the restored etcd holds " + observed.keysAtRevision()
        + " keys as the manifest records" + (Boolean.TRUE.equals(verdict.hashMatches())
        ? " and its HashKV equals the manifest's" : "") + notes;
    return new Outcome(true, status, message);
  }

  private static Outcome failed(HostedClusterBackupStatus.RestoreDrill status, String message) {
    return new Outcome(false, status, message);
  }

  /** A failure caused by the agent stopping (etcd killed under the read) is a stop, never a failed drill. */
  private String stopOr(IOException e, String message) throws StopSignal.Stopped {
    stop.check("the restore drill");
    return message;
  }

  /**
   * {@code <tool> snapshot restore}: the flags etcd-init passes (docs/hypershift-facts.md §1.4), the member named and
   * its peer URL on the port the scratch etcd then listens on. The restore checks the snapshot's hash trailer itself.
   */
  private void restore(EtcdBinaries binaries, Path snapshot, Path data, int peerPort, Path etcdLog)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(binaries.restoreTool().toString(), "snapshot", "restore",
        snapshot.toString(), "--data-dir", data.toString(), "--name", ScratchEtcd.MEMBER,
        "--initial-cluster", ScratchEtcd.MEMBER + "=" + ScratchEtcd.peerUrl(peerPort),
        "--initial-advertise-peer-urls", ScratchEtcd.peerUrl(peerPort)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(etcdLog.toFile()));
    builder.environment().put("ETCDCTL_API", "3");
    Process p = builder.start();
    try {
      long until = System.nanoTime() + RESTORE_TIMEOUT.toNanos();
      while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
        stop.check("the restore drill's snapshot restore");
        if (System.nanoTime() > until) {
          throw new IOException("did not finish within " + RESTORE_TIMEOUT.toMinutes() + " min");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted during snapshot restore");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (p.exitValue() != 0) {
      throw new IOException("exit " + p.exitValue() + ": " + ScratchEtcd.tail(etcdLog));
    }
    if (!Files.isDirectory(data)) {
      throw new IOException("it exited 0 but wrote no data directory: " + ScratchEtcd.tail(etcdLog));
    }
  }

  /** Revision and, at the backup's revision, live keys and HashKV. */
  private static DrillComparison.Observed read(ScratchEtcd etcd, BackupManifest.ObjectFigures expected)
      throws IOException {
    try (Client client = etcd.client()) {
      EtcdState now;
      try {
        now = EtcdState.read(client, READ_TIMEOUT);
      } catch (IOException e) {
        throw new IOException("does not answer: " + e.getMessage(), e);
      }
      Long at = expected.etcdRevision();
      if (at == null || now.revision() < at) {
        return new DrillComparison.Observed(now.revision(), null, null);
      }
      try {
        long keys = EtcdState.keysAt(client, at, READ_TIMEOUT);
        EtcdState.Hash hash = expected.hashKV() == null ? null
            : EtcdState.hashAt(client, etcd.endpoint(), at, READ_TIMEOUT);
        log.debug("drill etcd at revision {}: {} keys at {}, hash {}", now.revision(), keys, at, hash);
        return new DrillComparison.Observed(now.revision(), keys, hash);
      } catch (IOException e) {
        throw new IOException("cannot be read at the backup's revision " + at + ": " + e.getMessage(), e);
      }
    }
  }
}
