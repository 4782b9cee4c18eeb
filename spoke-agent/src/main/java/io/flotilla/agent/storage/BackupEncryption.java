package io.flotilla.agent.storage;

import com.google.crypto.tink.StreamingAead;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;

/**
 * How one backup's objects are protected, mirroring {@code BackupStore.spec.encryption.type}:
 * <ul>
 *   <li>{@link Mode#AES256GCM}: client-side envelope encryption; a fresh data key per backup, wrapped by the KEK;</li>
 *   <li>{@link Mode#SSEKMS}: no client-side encryption; uploads ask S3 for {@code aws:kms} with the given key id;</li>
 *   <li>{@link Mode#NONE}: bytes stored as they are (after compression).</li>
 * </ul>
 * The same data key covers every object of one backup; each object's role is bound as associated data, so the
 * snapshot and resources objects cannot be swapped for one another.
 */
public final class BackupEncryption {
  public enum Mode { NONE, AES256GCM, SSEKMS }

  public static final String CIPHER_TINK = "AES256_GCM_HKDF_1MB streaming (Tink)";
  public static final String CIPHER_NONE = "none";
  public static final String CIPHER_SSE_KMS = "SSE-KMS";

  private final Mode mode;
  private final StreamingAead aead;
  private final String keyId;
  private final String wrappedDataKey;
  private final String kmsKeyId;

  private BackupEncryption(Mode mode, StreamingAead aead, String keyId, String wrappedDataKey, String kmsKeyId) {
    this.mode = mode;
    this.aead = aead;
    this.keyId = keyId;
    this.wrappedDataKey = wrappedDataKey;
    this.kmsKeyId = kmsKeyId;
  }

  public static BackupEncryption none() {
    return new BackupEncryption(Mode.NONE, null, null, null, null);
  }

  public static BackupEncryption sseKms(String kmsKeyId) {
    if (kmsKeyId == null || kmsKeyId.isBlank()) {
      throw new IllegalArgumentException("SSEKMS encryption needs a kmsKeyId");
    }
    return new BackupEncryption(Mode.SSEKMS, null, kmsKeyId, null, kmsKeyId);
  }

  /**
   * For a new backup, from the BackupStore's {@code spec.encryption}. {@code kek} is the key loaded from
   * {@code keySecret} (required for AES256GCM, ignored otherwise); load it with {@link KeyEncryptionKey#from} in the
   * preflight, so a missing or malformed key fails before the hosted cluster is paused.
   *
   * @throws WrongKeyException when AES256GCM is configured and no KEK was given
   */
  public static BackupEncryption forStore(BackupStoreSpec.Encryption settings, KeyEncryptionKey kek) throws WrongKeyException {
    BackupStoreSpec.Encryption.Type type = settings == null || settings.type == null
        ? BackupStoreSpec.Encryption.Type.AES256GCM : settings.type;
    return switch (type) {
      case None -> none();
      case SSEKMS -> sseKms(settings.kmsKeyId);
      case AES256GCM -> {
        if (kek == null) {
          throw new WrongKeyException("store encryption is AES256GCM but no encryption key was loaded");
        }
        yield clientSide(kek);
      }
    };
  }

  /** For a new backup: generates a fresh data key and wraps it under {@code kek}. */
  public static BackupEncryption clientSide(KeyEncryptionKey kek) {
    DataKeys.DataKey dataKey = DataKeys.generate(Objects.requireNonNull(kek, "kek"));
    return new BackupEncryption(Mode.AES256GCM, dataKey.aead(), kek.keyId(), dataKey.wrappedBase64(), null);
  }

  /**
   * For reading an existing backup: the manifest's cipher, key id and wrapped data key; {@code kek} may be null for
   * unencrypted backups.
   *
   * @throws WrongKeyException when the backup is client-side encrypted and {@code kek} is missing or does not unwrap
   */
  public static BackupEncryption forReading(BackupManifest manifest, KeyEncryptionKey kek) throws WrongKeyException {
    String cipher = manifest.cipher();
    if (CIPHER_TINK.equals(cipher)) {
      if (kek == null) {
        throw new WrongKeyException("backup " + manifest.backup() + " is encrypted with key '" + manifest.keyId()
            + "' and no encryption key was given");
      }
      StreamingAead aead = DataKeys.unwrap(kek, manifest.keyId(), manifest.wrappedDataKey(), manifest.formatVersion());
      return new BackupEncryption(Mode.AES256GCM, aead, manifest.keyId(), manifest.wrappedDataKey(), null);
    }
    if (CIPHER_SSE_KMS.equals(cipher)) {
      return new BackupEncryption(Mode.SSEKMS, null, manifest.keyId(), null, manifest.keyId());
    }
    if (CIPHER_NONE.equals(cipher)) {
      return none();
    }
    throw new IllegalArgumentException("unknown cipher in manifest: " + cipher);
  }

  /**
   * The data key of {@code manifest} (opened with {@code from}, the KEK its key id names) wrapped under {@code to},
   * base64, for a manifest of the current format.
   *
   * @throws WrongKeyException when {@code from} does not open it
   */
  public static String rewrapDataKey(BackupManifest manifest, KeyEncryptionKey from, KeyEncryptionKey to)
      throws WrongKeyException {
    return DataKeys.rewrap(from, Objects.requireNonNull(to, "to"), manifest.keyId(), manifest.wrappedDataKey(),
        manifest.formatVersion());
  }

  public Mode mode() {
    return mode;
  }

  /** The manifest's {@code cipher}. */
  public String cipherName() {
    return switch (mode) {
      case NONE -> CIPHER_NONE;
      case SSEKMS -> CIPHER_SSE_KMS;
      case AES256GCM -> CIPHER_TINK;
    };
  }

  /** KEK id (client-side) or KMS key id (SSE-KMS); null for none. */
  public String keyId() {
    return keyId;
  }

  /** Base64 Tink keyset encrypted under the KEK; null unless client-side. */
  public String wrappedDataKey() {
    return wrappedDataKey;
  }

  /** The KMS key id the upload must request, when SSE-KMS. */
  public Optional<String> sseKmsKeyId() {
    return Optional.ofNullable(kmsKeyId);
  }

  /** {@code ".enc"} when the stored bytes need client-side decryption. */
  public String objectSuffix() {
    return mode == Mode.AES256GCM ? ".enc" : "";
  }

  /**
   * Wraps {@code out} so that what is written is encrypted. Closing the returned stream writes the final segment and
   * closes {@code out}.
   */
  public OutputStream encrypt(OutputStream out, String role) throws IOException {
    if (mode != Mode.AES256GCM) {
      return out;
    }
    try {
      return aead.newEncryptingStream(out, ad(role));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start encryption", e);
    }
  }

  /** Wraps {@code in} so that reads return plaintext; a tampered or truncated ciphertext fails with an IOException. */
  public InputStream decrypt(InputStream in, String role) throws IOException {
    if (mode != Mode.AES256GCM) {
      return in;
    }
    try {
      return aead.newDecryptingStream(in, ad(role));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start decryption", e);
    }
  }

  private static byte[] ad(String role) {
    return ("flotilla:" + role).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "BackupEncryption[" + mode + (keyId == null ? "" : ", key " + keyId) + "]";
  }

  /** An OutputStream whose close() only flushes: lets a codec/cipher chain finish without closing the upload. */
  static OutputStream closeShield(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
