package io.flotilla.agent.storage;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.subtle.Hkdf;
import com.google.crypto.tink.util.SecretBytes;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The key-encryption key (KEK): 32 raw bytes from the spoke's key Secret (one entry of its {@link KeyRing}), used as
 * an AES-256-GCM AEAD that wraps each backup's fresh data key. Only the key id ever leaves the spoke; the key itself
 * is never logged, serialised or put in a manifest ({@link #toString()} is redacted).
 *
 * <p>A second key is derived from it with HKDF-SHA256 (RFC 5869) for sealing manifests ({@link ManifestSeal}): one key
 * per purpose, so the AES-GCM key is never also an HMAC key. The raw KEK is not kept once both are built.
 */
public final class KeyEncryptionKey {
  public static final int KEY_BYTES = 32;
  /** Secret data keys, as an installation writes them. */
  public static final String SECRET_KEY = "key";
  public static final String SECRET_KEY_ID = "keyId";

  private static final byte[] SELF_CHECK_AD = "flotilla:kek-self-check".getBytes(StandardCharsets.UTF_8);
  /** HKDF info of the manifest-seal key; a new purpose gets a new info string, never this one. */
  private static final byte[] SEAL_KEY_INFO = "flotilla:manifest-seal:v1".getBytes(StandardCharsets.UTF_8);
  private static final String HMAC = "HmacSHA256";

  private final String keyId;
  private final Aead aead;
  private final SecretKeySpec sealKey;

  private KeyEncryptionKey(String keyId, Aead aead, SecretKeySpec sealKey) {
    this.keyId = keyId;
    this.aead = aead;
    this.sealKey = sealKey;
  }

  /**
   * Validates and loads a KEK. Call it in the backup preflight: a missing, short or unusable key fails here, before
   * the hosted cluster is paused.
   *
   * @throws WrongKeyException when the key is absent, not 32 bytes, the id is blank, or the AEAD self-check fails
   */
  public static KeyEncryptionKey from(byte[] key, String keyId) throws WrongKeyException {
    if (keyId == null || keyId.isBlank()) {
      throw new WrongKeyException("encryption key Secret has no '" + SECRET_KEY_ID + "'");
    }
    if (key == null || key.length == 0) {
      throw new WrongKeyException("encryption key '" + keyId + "': Secret has no '" + SECRET_KEY + "'");
    }
    if (key.length != KEY_BYTES) {
      throw new WrongKeyException("encryption key '" + keyId + "' must be " + KEY_BYTES + " raw bytes, is "
          + key.length + " (a base64 or hex string stored as the value is a common cause)");
    }
    if (allSame(key)) {
      throw new WrongKeyException("encryption key '" + keyId + "' is a constant byte string, not a random key");
    }
    try {
      AesGcmKey aesKey = AesGcmKey.builder()
          .setParameters(AesGcmParameters.builder().setKeySizeBytes(KEY_BYTES).setIvSizeBytes(12).setTagSizeBytes(16)
              .setVariant(AesGcmParameters.Variant.NO_PREFIX).build())
          .setKeyBytes(SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get()))
          .build();
      Aead aead = AesGcmJce.create(aesKey);
      // Cheap self-check: a JCE provider without AES-GCM, or a broken key object, fails here and not mid-backup.
      byte[] probe = "probe".getBytes(StandardCharsets.UTF_8);
      if (!Arrays.equals(probe, aead.decrypt(aead.encrypt(probe, SELF_CHECK_AD), SELF_CHECK_AD))) {
        throw new WrongKeyException("encryption key '" + keyId + "' failed its self-check");
      }
      SecretKeySpec sealKey = new SecretKeySpec(Hkdf.computeHkdf("HMACSHA256", key, null, SEAL_KEY_INFO, KEY_BYTES),
          HMAC);
      return new KeyEncryptionKey(keyId, aead, sealKey);
    } catch (GeneralSecurityException e) {
      throw new WrongKeyException("encryption key '" + keyId + "' cannot be used for AES-256-GCM", e);
    }
  }

  /** A random KEK, for tests and the sandbox's installer. */
  public static KeyEncryptionKey generateForTest(String keyId) {
    try {
      return from(randomKeyBytes(), keyId);
    } catch (WrongKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** 32 bytes from the platform's SecureRandom: a new key, as {@code flotilla store rotate-key} has agents make. */
  public static byte[] randomKeyBytes() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }

  public String keyId() {
    return keyId;
  }

  Aead aead() {
    return aead;
  }

  /** HMAC-SHA256 under this KEK's derived seal key. */
  byte[] seal(byte[] message) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(sealKey);
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /**
   * Proves, before a backup or restore starts, that this KEK opens a data key wrapped earlier (e.g. the newest
   * manifest's): a Secret whose key changed under the same key id is caught here.
   *
   * @throws WrongKeyException when the key ids differ or the wrapped key does not unwrap
   */
  public void checkOpens(String wrappedKeyId, String wrappedDataKeyBase64) throws WrongKeyException {
    DataKeys.unwrap(this, wrappedKeyId, wrappedDataKeyBase64, BackupManifest.FORMAT_VERSION);
  }

  /** As {@link #checkOpens(String, String)}, for the data key of {@code manifest} (whose format decides how it was wrapped). */
  public void checkOpens(BackupManifest manifest) throws WrongKeyException {
    DataKeys.unwrap(this, manifest.keyId(), manifest.wrappedDataKey(), manifest.formatVersion());
  }

  /**
   * Encrypts another KEK's raw bytes under this one, for the bucket's copy of a rotated key ({@link KeyEnvelope}); the
   * associated data names both ids, so an envelope cannot be passed off as another key's.
   */
  byte[] wrapKey(String wrappedKeyId, byte[] rawKey) {
    try {
      return aead.encrypt(rawKey, envelopeAd(wrappedKeyId, keyId));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot wrap key '" + wrappedKeyId + "'", e);
    }
  }

  /** The reverse of {@link #wrapKey}; the caller builds the KEK from the bytes and forgets them. */
  byte[] unwrapKey(String wrappedKeyId, byte[] wrapped) throws WrongKeyException {
    try {
      return aead.decrypt(wrapped, envelopeAd(wrappedKeyId, keyId));
    } catch (GeneralSecurityException e) {
      throw new WrongKeyException("the bucket's copy of key '" + wrappedKeyId + "' does not open under key '" + keyId
          + "': the Secret holds a different key '" + keyId + "' than the agent that stored it, or the copy was "
          + "altered");
    }
  }

  private static byte[] envelopeAd(String wrappedKeyId, String underKeyId) {
    return ("flotilla:kek:" + wrappedKeyId + ":under:" + underKeyId).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "KeyEncryptionKey[" + keyId + ", <redacted>]";
  }

  /**
   * Associated data of a wrapped data key. Format 2 (sealed manifests) wraps under its own label, so a format-2
   * manifest stripped of its seal and relabelled format 1 does not open as a legacy one ({@link AuthenticatedManifest}).
   */
  static byte[] wrapAd(String keyId, int formatVersion) {
    return ((formatVersion >= 2 ? "flotilla:data-key:v2:" : "flotilla:data-key:") + keyId)
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] decodeBase64(String value, String what) throws WrongKeyException {
    try {
      return Base64.getDecoder().decode(Objects.requireNonNull(value, what));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new WrongKeyException(what + " is missing or not base64");
    }
  }

  private static boolean allSame(byte[] key) {
    for (byte b : key) {
      if (b != key[0]) {
        return false;
      }
    }
    return true;
  }
}
