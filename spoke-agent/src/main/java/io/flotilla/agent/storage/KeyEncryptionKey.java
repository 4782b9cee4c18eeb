package io.flotilla.agent.storage;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.SecretBytes;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The key-encryption key (KEK): 32 raw bytes from the spoke's encryption Secret (keys {@code key} and {@code keyId}),
 * used as an AES-256-GCM AEAD that wraps each backup's fresh data key. Only the key id ever leaves the spoke; the key
 * itself is never logged, serialised or put in a manifest ({@link #toString()} is redacted).
 */
public final class KeyEncryptionKey {
  public static final int KEY_BYTES = 32;
  /** Secret data keys, as an installation writes them. */
  public static final String SECRET_KEY = "key";
  public static final String SECRET_KEY_ID = "keyId";

  private static final byte[] SELF_CHECK_AD = "flotilla:kek-self-check".getBytes(StandardCharsets.UTF_8);

  private final String keyId;
  private final Aead aead;

  private KeyEncryptionKey(String keyId, Aead aead) {
    this.keyId = keyId;
    this.aead = aead;
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
      return new KeyEncryptionKey(keyId, aead);
    } catch (GeneralSecurityException e) {
      throw new WrongKeyException("encryption key '" + keyId + "' cannot be used for AES-256-GCM", e);
    }
  }

  /** A random KEK, for tests and the sandbox's installer. */
  public static KeyEncryptionKey generateForTest(String keyId) {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    try {
      return from(key, keyId);
    } catch (WrongKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  public String keyId() {
    return keyId;
  }

  Aead aead() {
    return aead;
  }

  /**
   * Proves, before a backup or restore starts, that this KEK opens a data key wrapped earlier (e.g. the newest
   * manifest's): a Secret whose key changed under the same key id is caught here.
   *
   * @throws WrongKeyException when the key ids differ or the wrapped key does not unwrap
   */
  public void checkOpens(String wrappedKeyId, String wrappedDataKeyBase64) throws WrongKeyException {
    DataKeys.unwrap(this, wrappedKeyId, wrappedDataKeyBase64);
  }

  @Override
  public String toString() {
    return "KeyEncryptionKey[" + keyId + ", <redacted>]";
  }

  static byte[] wrapAd(String keyId) {
    return ("flotilla:data-key:" + keyId).getBytes(StandardCharsets.UTF_8);
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
