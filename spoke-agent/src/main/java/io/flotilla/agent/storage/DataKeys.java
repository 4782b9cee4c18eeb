package io.flotilla.agent.storage;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;

import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Per-backup data keys: a fresh Tink streaming-AEAD keyset (AES256_GCM_HKDF_1MB: segmented AES-256-GCM, 1 MiB
 * segments, so encrypting and decrypting hold one segment at a time), serialised as a Tink keyset encrypted under the
 * KEK. The wrapped form is what the manifest carries.
 */
final class DataKeys {
  static {
    try {
      StreamingAeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private DataKeys() {}

  record DataKey(StreamingAead aead, String wrappedBase64) {
    @Override
    public String toString() {
      return "DataKey[<redacted>]";
    }
  }

  /** A fresh data key wrapped for a manifest of the current format. */
  static DataKey generate(KeyEncryptionKey kek) {
    try {
      KeysetHandle handle = KeysetHandle.generateNew(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB);
      byte[] wrapped = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, kek.aead(),
          KeyEncryptionKey.wrapAd(kek.keyId(), BackupManifest.FORMAT_VERSION));
      return new DataKey(handle.getPrimitive(RegistryConfiguration.get(), StreamingAead.class),
          Base64.getEncoder().encodeToString(wrapped));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a data key", e);
    }
  }

  static StreamingAead unwrap(KeyEncryptionKey kek, String keyId, String wrappedBase64, int formatVersion)
      throws WrongKeyException {
    try {
      return handle(kek, keyId, wrappedBase64, formatVersion).getPrimitive(RegistryConfiguration.get(),
          StreamingAead.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("a parsed data key has no streaming AEAD", e);
    }
  }

  /**
   * The same data key wrapped under {@code to} for a manifest of the current format: what {@code backup rewrap} writes.
   * The streaming keys inside do not change, so the stored objects stay as they are.
   */
  static String rewrap(KeyEncryptionKey from, KeyEncryptionKey to, String keyId, String wrappedBase64,
      int formatVersion) throws WrongKeyException {
    KeysetHandle handle = handle(from, keyId, wrappedBase64, formatVersion);
    try {
      return Base64.getEncoder().encodeToString(TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, to.aead(),
          KeyEncryptionKey.wrapAd(to.keyId(), BackupManifest.FORMAT_VERSION)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot wrap a data key under '" + to.keyId() + "'", e);
    }
  }

  private static KeysetHandle handle(KeyEncryptionKey kek, String keyId, String wrappedBase64, int formatVersion)
      throws WrongKeyException {
    if (keyId != null && !keyId.equals(kek.keyId())) {
      throw new WrongKeyException("backup was encrypted with key '" + keyId + "', the spoke's Secret holds key '"
          + kek.keyId() + "'");
    }
    byte[] wrapped = KeyEncryptionKey.decodeBase64(wrappedBase64, "wrapped data key");
    try {
      return TinkProtoKeysetFormat.parseEncryptedKeyset(wrapped, kek.aead(),
          KeyEncryptionKey.wrapAd(kek.keyId(), formatVersion));
    } catch (GeneralSecurityException e) {
      throw new WrongKeyException("the data key does not unwrap under encryption key '" + kek.keyId()
          + "': the Secret holds a different key than the one this backup was made with", e);
    }
  }
}
