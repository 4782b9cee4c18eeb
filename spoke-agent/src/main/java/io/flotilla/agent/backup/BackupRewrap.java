package io.flotilla.agent.backup;

import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.AuthenticatedManifest;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.ManifestSeal;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Re-wraps a stored backup's data key under the store's active key, on request
 * ({@value HostedClusterBackup#REWRAP_ANNOTATION}, {@code flotilla backup rewrap}), so that a retired key can one day
 * leave the rings. Only {@code manifest.json} changes: the data key inside is the same, so the snapshot and resources
 * objects are not read again or rewritten, and the manifest is sealed anew under the active key.
 *
 * <p>In order, nothing written until all of it passed: the manifest is authenticated as a restore would
 * ({@link AuthenticatedManifest}); an unsealed format-1 manifest, which this rewrap will vouch for by sealing it, first
 * has its objects downloaded and checked against it; the new manifest must open; it replaces the old one only if that
 * is still the one read ({@code If-Match}), so a concurrent rewrap or deletion wins cleanly. It runs on the agent
 * because the keys are there.
 */
public final class BackupRewrap {
  private static final Logger log = LoggerFactory.getLogger(BackupRewrap.class);
  /** Event reasons. */
  public static final String REWRAPPED = "Rewrapped";
  public static final String REWRAP_FAILED = "RewrapFailed";

  private final StoreConnector stores;
  private final HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final Clock clock;

  public BackupRewrap(StoreConnector stores, HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records,
      Clock clock) {
    this.stores = Objects.requireNonNull(stores);
    this.records = Objects.requireNonNull(records);
    this.clock = Objects.requireNonNull(clock);
  }

  /** Whether the record carries a rewrap request not answered yet. */
  public boolean requested(HostedClusterBackup b) {
    String request = b.getMetadata().getAnnotations() == null ? null
        : b.getMetadata().getAnnotations().get(HostedClusterBackup.REWRAP_ANNOTATION);
    if (request == null || request.isBlank()) {
      return false;
    }
    HostedClusterBackupStatus.Rewrap r = b.getStatus() == null ? null : b.getStatus().rewrap;
    return r == null || !request.equals(r.request);
  }

  /** Answers the request in status.rewrap (and status.keyId), with an event. Never throws. */
  public void rewrap(HostedClusterBackup b) {
    HostedClusterBackupStatus.Rewrap r = new HostedClusterBackupStatus.Rewrap();
    r.request = b.getMetadata().getAnnotations().get(HostedClusterBackup.REWRAP_ANNOTATION);
    try {
      run(b, r);
      r.passed = true;
    } catch (Refused e) {
      r.passed = false;
      r.message = e.getMessage();
    } catch (RuntimeException e) {
      log.warn("rewrap of {}/{} failed unexpectedly", b.getMetadata().getNamespace(), b.getMetadata().getName(), e);
      r.passed = false;
      r.message = "InternalError: " + e.getClass().getSimpleName() + ": " + StoreConnector.firstLine(e.getMessage());
    }
    Instant now = clock.instant();
    r.rewrappedAt = Time.format(now);
    log.info("backup {}/{} rewrap: {}", b.getMetadata().getNamespace(), b.getMetadata().getName(),
        r.passed ? r.message : "FAILED: " + r.message);
    records.updateStatus(b.getMetadata().getNamespace(), b.getMetadata().getName(), s -> {
      s.rewrap = r;
      if (Boolean.TRUE.equals(r.passed) && r.toKeyId != null) {
        s.keyId = r.toKeyId;
      }
    });
    records.event(b, r.passed ? "Normal" : "Warning", r.passed ? REWRAPPED : REWRAP_FAILED, r.message);
  }

  private static final class Refused extends Exception {
    Refused(String reason, String message) {
      super(reason + ": " + message);
    }
  }

  private void run(HostedClusterBackup b, HostedClusterBackupStatus.Rewrap r) throws Refused {
    var location = b.getStatus() == null ? null : b.getStatus().location;
    if (location == null || location.keyPrefix == null) {
      throw new Refused("NotCompleted", "the backup has no location; it never completed");
    }
    try (StoreConnector.Connection store = stores.connectForWriting(b.getSpec().store)) {
      BackupLayout layout = BackupLayout.ofFolder(store.spec().prefix, location.keyPrefix).orElseThrow(() ->
          new Refused(BackupFailure.BACKUP_CORRUPT, location.keyPrefix + " is not a backup folder of store "
              + store.name()));
      BackupCatalog catalog = store.catalog();
      BackupCatalog.StoredManifest stored = catalog.readStored(layout);
      BackupManifest old = stored.manifest();
      r.fromKeyId = old.keyId();
      if (!BackupEncryption.CIPHER_TINK.equals(old.cipher())) {
        throw new Refused("NotClientSideEncrypted", "backup " + old.backup() + " is stored with cipher " + old.cipher()
            + ": it has no data key to rewrap");
      }
      if (store.encryption().mode() != BackupEncryption.Mode.AES256GCM) {
        throw new Refused("NotClientSideEncrypted", "store " + store.name() + " no longer encrypts client-side, so "
            + "it has no active key to rewrap under");
      }
      AuthenticatedManifest opened;
      try {
        opened = store.authenticate(old, layout);
      } catch (IntegrityException e) {
        throw new Refused(BackupFailure.BACKUP_CORRUPT, e.getMessage() + "; it was left as it is");
      }
      String activeId = store.encryption().keyId();
      r.toKeyId = activeId;
      if (activeId.equals(old.keyId()) && opened.sealed()) {
        r.message = "already under the active key '" + activeId + "'; nothing changed";
        return;
      }
      if (!opened.sealed()) {
        // sealing vouches for the manifest: its objects must match it first, as a restore would find them
        checkObjects(store, layout, opened);
      }
      KeyEncryptionKey from = store.keys().key(old.keyId());
      KeyEncryptionKey to = store.keys().key(activeId);
      BackupManifest rewrapped = ManifestSeal.seal(old.rewrapped(activeId, BackupEncryption.rewrapDataKey(old, from,
          to)), to);
      store.authenticate(rewrapped, layout); // opens as the next restore will open it, before it is written
      try {
        catalog.replace(layout, stored, rewrapped);
      } catch (BackupCatalog.ManifestConflict e) {
        throw new Refused("RewrapConflict", "manifest.json of backup " + old.backup() + " changed or went while it was "
            + "being rewrapped (" + e.getMessage() + "); nothing was written. Request the rewrap again");
      }
      r.message = "data key re-wrapped from key '" + old.keyId() + "' to the active key '" + activeId + "'"
          + (opened.sealed() ? "" : ", the format-" + old.formatVersion() + " manifest sealed after its objects matched "
          + "it") + "; the stored objects are unchanged";
    } catch (BackupFailure e) {
      throw new Refused(e.reason(), e.getMessage());
    } catch (WrongKeyException e) {
      throw new Refused(BackupFailure.ENCRYPTION_KEY_INVALID, e.getMessage());
    } catch (IntegrityException e) {
      throw new Refused(BackupFailure.BACKUP_CORRUPT, e.getMessage());
    } catch (IOException | SdkException e) {
      throw new Refused(BackupFailure.STORE_UNREACHABLE, "cannot read or write the backup: "
          + StoreConnector.firstLine(e.getMessage()));
    }
  }

  private static void checkObjects(StoreConnector.Connection store, BackupLayout layout, AuthenticatedManifest opened)
      throws IOException {
    BackupManifest m = opened.manifest();
    SnapshotReader reader = new SnapshotReader(store.s3(), store.spec().bucket, Codec.fromManifestName(m.codec()),
        opened.encryption());
    reader.read(layout.resolve(m.snapshot().object()), BackupLayout.SNAPSHOT_ROLE, m.snapshot().figures(),
        OutputStream.nullOutputStream());
    if (m.resources() != null) {
      reader.read(layout.resolve(m.resources().object()), BackupLayout.RESOURCES_ROLE, m.resources().figures(),
          OutputStream.nullOutputStream());
    }
  }
}
