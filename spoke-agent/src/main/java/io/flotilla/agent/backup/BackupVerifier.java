package io.flotilla.agent.backup;

import io.flotilla.agent.hub.HubRecords;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.common.Conditions;
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
 * Verifies a stored backup without restoring it, on request ({@value HostedClusterBackup#VERIFY_ANNOTATION}):
 * downloads, decrypts and decompresses the snapshot, checks sizes and SHA-256 against {@code manifest.json}, then runs
 * {@code etcdctl snapshot status} on the bytes, which checks etcd's own hash trailer and reads the revision.
 *
 * <p>It runs on the agent because the key and credentials never leave the spoke. The plaintext snapshot exists only
 * in a private temporary file (mode 0600) that is deleted before the result is reported.
 */
public final class BackupVerifier {
  private static final Logger log = LoggerFactory.getLogger(BackupVerifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final Clock clock;

  public BackupVerifier(StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records, Clock clock) {
    this.stores = Objects.requireNonNull(stores);
    this.records = Objects.requireNonNull(records);
    this.clock = Objects.requireNonNull(clock);
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
    HostedClusterBackupStatus.Verification v = new HostedClusterBackupStatus.Verification();
    v.request = request;
    try {
      check(b, v);
      v.passed = true;
    } catch (VerificationFailed e) {
      v.passed = false;
      v.message = e.getMessage();
    }
    Instant now = clock.instant();
    v.verifiedAt = Time.format(now);
    log.info("backup {}/{} verified: {}", b.getMetadata().getNamespace(), b.getMetadata().getName(),
        v.passed ? "passed" : "FAILED: " + v.message);
    records.updateStatus(b.getMetadata().getNamespace(), b.getMetadata().getName(), s -> {
      s.verification = v;
      Conditions.set(s.conditions, HostedClusterBackup.CONDITION_VERIFIED, v.passed ? Conditions.TRUE : Conditions.FALSE,
          v.passed ? "Verified" : "VerificationFailed", v.message, b.getMetadata().getGeneration(), now);
    });
    records.event(b, v.passed ? "Normal" : "Warning", v.passed ? "Verified" : "VerificationFailed", v.message);
  }

  private static final class VerificationFailed extends Exception {
    VerificationFailed(String message) {
      super(message);
    }
  }

  private void check(HostedClusterBackup b, HostedClusterBackupStatus.Verification v) throws VerificationFailed {
    var location = b.getStatus() == null ? null : b.getStatus().location;
    if (location == null || location.keyPrefix == null) {
      throw new VerificationFailed("the backup has no location; it never completed");
    }
    Path file = null;
    try (StoreConnector.Connection store = stores.connect(b.getSpec().store)) {
      BackupCatalog catalog = store.catalog();
      BackupManifest manifest = catalog.read(new BackupCatalog.BackupRef(location.keyPrefix,
          location.keyPrefix + BackupLayout.MANIFEST));
      BackupEncryption encryption = BackupEncryption.forReading(manifest, store.kek());
      Codec codec = Codec.fromManifestName(manifest.codec());
      file = Files.createTempFile("flotilla-verify-", ".db",
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
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.warn("could not delete the verification file {}", file);
        }
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
