package io.flotilla.agent.storage;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;

import java.util.Base64;

/** Backups as agents wrote them before format 2 (no seal, data keys wrapped under the format-1 label); for tests. */
public final class LegacyFormat {
  private LegacyFormat() {}

  /** A fresh data key under {@code kek}, wrapped as for a format-1 manifest. */
  public static BackupEncryption encryption(KeyEncryptionKey kek) throws Exception {
    com.google.crypto.tink.streamingaead.StreamingAeadConfig.register();
    KeysetHandle handle = KeysetHandle.generateNew(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB);
    String wrapped = Base64.getEncoder().encodeToString(TinkProtoKeysetFormat.serializeEncryptedKeyset(handle,
        kek.aead(), KeyEncryptionKey.wrapAd(kek.keyId(), 1)));
    return BackupEncryption.forReading(new BackupManifest(1, "b", "c", new BackupManifest.HostedClusterRef("ns", "hc"),
        null, null, "zstd", BackupEncryption.CIPHER_TINK, kek.keyId(), wrapped, null, null, null, null), kek);
  }
}
