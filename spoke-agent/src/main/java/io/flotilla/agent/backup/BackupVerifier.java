package io.flotilla.agent.backup;

import io.flotilla.agent.drill.RestoreDrill;
import io.flotilla.agent.drill.ScratchDirectory;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.work.StopSignal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.agent.storage.AuthenticatedManifest;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.common.Conditions;
import io.flotilla.common.Durations;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Verifies a stored backup on request ({@value HostedClusterBackup#VERIFY_ANNOTATION}): downloads, decrypts and
 * decompresses the snapshot, checks sizes and SHA-256 against {@code manifest.json}, then runs
 * {@code etcdctl snapshot status} on the bytes, which checks etcd's own hash trailer and reads the revision. A request
 * value starting with {@value HostedClusterBackup#RESTORE_DRILL_PREFIX} asks for a restore drill on top
 * ({@link RestoreDrill}: the snapshot restored into a scratch etcd and compared with the manifest); its result goes to
 * {@code status.verification.drill}.
 *
 * <p>It runs on the agent because the key and credentials never leave the spoke. The plaintext snapshot exists only
 * in a private scratch directory (mode 0700) that is deleted, with anything a drill restored, before the result is
 * reported. A verification the agent's stop cuts short is not answered: the next agent process runs it.
 */
public final class BackupVerifier {
  private static final Logger log = LoggerFactory.getLogger(BackupVerifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final Clock clock;
  private final RestoreDrill drill;

  public BackupVerifier(StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records, Clock clock) {
    this(stores, records, clock, RestoreDrill.inTemporaryDirectory(new StopSignal()));
  }

  /** @param drill runs restore drills, and holds the scratch directories of every verification */
  public BackupVerifier(StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records,
      Clock clock, RestoreDrill drill) {
    this.stores = Objects.requireNonNull(stores);
    this.records = Objects.requireNonNull(records);
    this.clock = Objects.requireNonNull(clock);
    this.drill = Objects.requireNonNull(drill);
  }

  /** Whether the record carries a verification request not answered yet. */
  public boolean requested(HostedClusterBackup b) {
    String request = b.getMetadata().getAnnotations() == null ? null
        : b.getMetadata().getAnnotations().get(HostedClusterBackup.VERIFY_ANNOTATION);
    if (request == null || request.isBlank()) {
      return false;
    }
    HostedClusterBackupStatus.Verification v = b.getStatus() == null ? null : b.getStatus().verification;
    return v == null || !request.equals(v.request);
  }

  public void verify(HostedClusterBackup b) {
    String request = b.getMetadata().getAnnotations().get(HostedClusterBackup.VERIFY_ANNOTATION);
    boolean restore = HostedClusterBackup.asksForRestoreDrill(request);
    HostedClusterBackupStatus.Verification v = new HostedClusterBackupStatus.Verification();
    v.request = request;
    long t0 = System.nanoTime();
    try {
      check(b, v, restore);
      v.passed = true;
    } catch (VerificationFailed e) {
      v.passed = false;
      v.message = e.getMessage();
    } catch (StopSignal.Stopped e) {
      log.info("backup {}/{}: verification stopped with the agent; the next agent process runs it",
          b.getMetadata().getNamespace(), b.getMetadata().getName());
      return;
    }
    if (restore) {
      if (v.drill == null) { // failed before the restore: the drill record says how long it took all the same
        v.drill = new HostedClusterBackupStatus.RestoreDrill();
      }
      v.drill.duration = Durations.formatMillis(java.time.Duration.ofNanos(System.nanoTime() - t0));
    }
    Instant now = clock.instant();
    v.verifiedAt = Time.format(now);
    log.info("backup {}/{} verified{}: {}", b.getMetadata().getNamespace(), b.getMetadata().getName(),
        restore ? " with a restore drill" : "", v.passed ? "passed" : "FAILED: " + v.message);
    String reason = restore ? (v.passed ? REASON_DRILL_PASSED : REASON_DRILL_FAILED)
        : v.passed ? "Verified" : "VerificationFailed";
    records.updateStatus(b.getMetadata().getNamespace(), b.getMetadata().getName(), s -> {
      s.verification = v;
      Conditions.set(s.conditions, HostedClusterBackup.CONDITION_VERIFIED, v.passed ? Conditions.TRUE : Conditions.FALSE,
          reason, v.message, b.getMetadata().getGeneration(), now);
    });
    records.event(b, v.passed ? "Normal" : "Warning", reason, v.message);
  }

  /** Reasons of the Verified condition and its event after a restore drill. */
  public static final String REASON_DRILL_PASSED = "DrillPassed";
  public static final String REASON_DRILL_FAILED = "DrillFailed";

  private static final class VerificationFailed extends Exception {
    VerificationFailed(String message) {
      super(message);
    }
  }

  private void check(HostedClusterBackup b, HostedClusterBackupStatus.Verification v, boolean restore)
      throws VerificationFailed, StopSignal.Stopped {
    var location = b.getStatus() == null ? null : b.getStatus().location;
    if (location == null || location.keyPrefix == null) {
      throw new VerificationFailed("the backup has no location; it never completed");
    }
    ScratchDirectory scratch = null;
    try (StoreConnector.Connection store = stores.connect(b.getSpec().store)) {
      // the manifest authenticated first (io.flotilla.agent.storage.AuthenticatedManifest), then the bytes
      AuthenticatedManifest opened = store.open(location.keyPrefix);
      BackupManifest manifest = opened.manifest();
      BackupEncryption encryption = opened.encryption();
      Codec codec = Codec.fromManifestName(manifest.codec());
      scratch = drill.scratch();
      Path file = Files.createFile(scratch.resolve("snapshot.db"),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (OutputStream out = Files.newOutputStream(file)) {
        new SnapshotReader(store.s3(), store.spec().bucket, codec, encryption).read(
            location.keyPrefix + manifest.snapshot().object(), BackupLayout.SNAPSHOT_ROLE, manifest.snapshot().figures(), out);
      }
      v.sha256Matches = true;
      JsonNode status = etcdctlSnapshotStatus(file);
      v.etcdRevision = status.path("revision").asLong();
      v.totalKeys = status.path("totalKey").asLong();
      Long expected = manifest.snapshot().etcdRevision();
      if (expected != null && !expected.equals(v.etcdRevision)) { // Long objects: == compares references
        throw new VerificationFailed("etcdctl snapshot status reports revision " + v.etcdRevision
            + " but the manifest records " + expected);
      }
      v.message = "SHA-256 matches the manifest (" + manifest.snapshot().rawBytes() + " bytes); etcdctl snapshot status: "
          + "revision " + v.etcdRevision + ", " + v.totalKeys + " keys";
      if (restore) {
        RestoreDrill.Outcome drilled = drill.run(scratch, file, manifest.snapshot());
        v.drill = drilled.status();
        if (!drilled.passed()) {
          throw new VerificationFailed(drilled.message());
        }
        v.message += "; " + drilled.message();
      }
    } catch (StopSignal.Stopped e) {
      throw e;
    } catch (IntegrityException e) {
      v.sha256Matches = false;
      throw new VerificationFailed("stored snapshot does not match its manifest: " + e.getMessage());
    } catch (WrongKeyException e) {
      throw new VerificationFailed("cannot decrypt: " + e.getMessage());
    } catch (BackupFailure e) {
      throw new VerificationFailed(e.reason() + ": " + e.getMessage());
    } catch (IOException | SdkException e) {
      throw new VerificationFailed("cannot read the backup: " + StoreConnector.firstLine(e.getMessage()));
    } finally {
      if (scratch != null) {
        scratch.close();
      }
    }
  }

  /** {@code etcdctl snapshot status -w json}: checks the hash trailer and reports hash, revision, totalKey. */
  static JsonNode etcdctlSnapshotStatus(Path file) throws VerificationFailed {
    String etcdctl = etcdctl();
    try {
      Process p = new ProcessBuilder(etcdctl, "snapshot", "status", file.toString(), "-w", "json")
          .redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new VerificationFailed("etcdctl snapshot status did not finish in 60 s");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new VerificationFailed("etcdctl snapshot status failed: " + StoreConnector.firstLine(text.strip()));
      }
      int brace = text.indexOf('{');
      return JSON.readTree(brace < 0 ? text : text.substring(brace));
    } catch (IOException e) {
      throw new VerificationFailed("cannot run " + etcdctl + ": " + e.getMessage()
          + " (install etcd-client, or set FLOTILLA_ETCDCTL)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VerificationFailed("interrupted");
    }
  }

  static String etcdctl() {
    String configured = System.getenv("FLOTILLA_ETCDCTL");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, "etcdctl"))) {
        return dir + "/etcdctl";
      }
    }
    return "etcdctl";
  }
}
