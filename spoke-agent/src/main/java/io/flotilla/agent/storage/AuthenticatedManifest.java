package io.flotilla.agent.storage;

import java.util.Objects;
import java.util.Optional;

/**
 * A manifest a restore, a verification or a rewrap may trust, and how to read its objects. {@link #open} checks, before
 * anything is downloaded or changed:
 * <ol>
 *   <li>that it describes the folder it was read from (cluster, hosted cluster, backup name): a folder copied or moved
 *       under another backup's name, another hosted cluster's or another cluster's is not that backup. The bucket and
 *       the store prefix are not bound, so a replicated bucket restores;</li>
 *   <li>that the key its {@code keyId} names is on this spoke (the active key or a retired one), and opens the data
 *       key;</li>
 *   <li>its seal ({@link ManifestSeal}), for client-side encrypted manifests of format 2: the object list, sizes and
 *       digests, the writer and the names are what the writer wrote.</li>
 * </ol>
 * Unsealed: format-1 manifests (read on their checksums, as before; {@code flotilla backup rewrap} seals them), and
 * stores with {@code encryption: None} or {@code SSEKMS}, where the spoke has no key to seal with — their manifests are
 * checked for (1) and their objects for size and SHA-256, nothing more.
 *
 * @param sealed whether the seal was verified
 */
public record AuthenticatedManifest(BackupManifest manifest, BackupEncryption encryption, boolean sealed) {

  /** The KEKs of this spoke, by id (the ring, and whatever else the caller can find them in). */
  @FunctionalInterface
  public interface Keys {
    /** @throws WrongKeyException naming the id when there is no such key here */
    KeyEncryptionKey key(String keyId) throws WrongKeyException;
  }

  /**
   * @throws IntegrityException the manifest is not the one written for {@code where}: misplaced, altered, unsealed
   *                            where it must be sealed (reported as {@code BackupCorrupt})
   * @throws WrongKeyException  the key it names is not here, or does not open its data key
   */
  public static AuthenticatedManifest open(BackupManifest manifest, BackupLayout where, Keys keys)
      throws IntegrityException, WrongKeyException {
    Objects.requireNonNull(where, "where");
    Optional<String> misplaced = misplaced(manifest, where);
    if (misplaced.isPresent()) {
      throw new IntegrityException(misplaced.get());
    }
    if (!BackupEncryption.CIPHER_TINK.equals(manifest.cipher())) {
      return new AuthenticatedManifest(manifest, BackupEncryption.forReading(manifest, null), false);
    }
    if (manifest.keyId() == null) {
      throw new IntegrityException("manifest.json of an encrypted backup names no keyId");
    }
    KeyEncryptionKey kek = keys.key(manifest.keyId());
    BackupEncryption encryption;
    try {
      encryption = BackupEncryption.forReading(manifest, kek);
    } catch (WrongKeyException e) {
      if (manifest.formatVersion() < 2 && opensAsFormat2(manifest, kek)) {
        throw new IntegrityException("manifest.json says format " + manifest.formatVersion() + " but its data key was "
            + "wrapped for a sealed format-2 manifest: its seal was removed");
      }
      throw e;
    }
    if (manifest.formatVersion() >= 2 || manifest.seal() != null) {
      ManifestSeal.verify(manifest, kek);
      return new AuthenticatedManifest(manifest, encryption, true);
    }
    return new AuthenticatedManifest(manifest, encryption, false);
  }

  /** Why {@code manifest} is not the backup of folder {@code where}; empty when it is. */
  public static Optional<String> misplaced(BackupManifest manifest, BackupLayout where) {
    BackupManifest.HostedClusterRef hc = manifest.hostedCluster();
    boolean same = Objects.equals(manifest.cluster(), where.cluster())
        && hc != null && Objects.equals(hc.namespace(), where.hostedClusterNamespace())
        && Objects.equals(hc.name(), where.hostedClusterName())
        && Objects.equals(manifest.backup(), where.backup());
    if (same) {
      return Optional.empty();
    }
    return Optional.of("manifest.json in folder " + where.folder() + " is that of backup " + manifest.backup()
        + " of hosted cluster " + (hc == null ? "?" : hc.namespace() + "/" + hc.name()) + " taken on cluster "
        + manifest.cluster() + ": a backup's folder copied or moved under another name is not that backup");
  }

  private static boolean opensAsFormat2(BackupManifest manifest, KeyEncryptionKey kek) {
    try {
      DataKeys.unwrap(kek, manifest.keyId(), manifest.wrappedDataKey(), 2);
      return true;
    } catch (WrongKeyException e) {
      return false;
    }
  }
}
