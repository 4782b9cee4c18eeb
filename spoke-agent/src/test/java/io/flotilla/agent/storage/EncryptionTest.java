package io.flotilla.agent.storage;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EncryptionTest {
  private static final String ROLE = BackupLayout.SNAPSHOT_ROLE;

  @Test
  void roundTripsThroughStreamingAeadWithAFreshDataKeyPerBackup() throws Exception {
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    byte[] plain = S3ProxyTestSupport.jsonLike(3 * 1024 * 1024 + 17, 1);
    BackupEncryption first = BackupEncryption.clientSide(kek);
    BackupEncryption second = BackupEncryption.clientSide(kek);
    byte[] cipher = encrypt(first, plain);

    assertThat(first.wrappedDataKey()).isNotEqualTo(second.wrappedDataKey());
    assertThat(first.keyId()).isEqualTo("kek-1");
    assertThat(first.cipherName()).isEqualTo("AES256_GCM_HKDF_1MB streaming (Tink)");
    assertThat(cipher.length).isGreaterThan(plain.length);
    assertThat(indexOf(cipher, Arrays.copyOfRange(plain, 0, 32))).isEqualTo(-1);

    BackupEncryption reading = BackupEncryption.forReading(manifest(first), kek);
    assertThat(decrypt(reading, cipher)).isEqualTo(plain);
    // A different backup's data key does not open this ciphertext.
    assertThatThrownBy(() -> decrypt(BackupEncryption.forReading(manifest(second), kek), cipher))
        .isInstanceOf(IOException.class);
  }

  @Test
  void wrongKekIsAWrongKeyException() throws Exception {
    BackupEncryption enc = BackupEncryption.clientSide(KeyEncryptionKey.generateForTest("kek-1"));
    KeyEncryptionKey other = KeyEncryptionKey.generateForTest("kek-1");

    assertThatThrownBy(() -> BackupEncryption.forReading(manifest(enc), other))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("does not unwrap under encryption key 'kek-1'");
    assertThatThrownBy(() -> other.checkOpens(enc.keyId(), enc.wrappedDataKey())).isInstanceOf(WrongKeyException.class);
    assertThatThrownBy(() -> BackupEncryption.forReading(manifest(enc), KeyEncryptionKey.generateForTest("kek-2")))
        .isInstanceOf(WrongKeyException.class).hasMessageContaining("'kek-1'").hasMessageContaining("'kek-2'");
    assertThatThrownBy(() -> BackupEncryption.forReading(manifest(enc), null))
        .isInstanceOf(WrongKeyException.class).hasMessageContaining("no encryption key");
  }

  @Test
  void rightKekPassesThePreflightCheck() throws Exception {
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    kek.checkOpens(enc.keyId(), enc.wrappedDataKey());
  }

  @Test
  void missingOrMalformedKekIsRejectedBeforeUse() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    assertThatThrownBy(() -> KeyEncryptionKey.from(null, "k")).isInstanceOf(WrongKeyException.class);
    assertThatThrownBy(() -> KeyEncryptionKey.from(new byte[0], "k")).isInstanceOf(WrongKeyException.class);
    assertThatThrownBy(() -> KeyEncryptionKey.from(Arrays.copyOf(key, 16), "k"))
        .isInstanceOf(WrongKeyException.class).hasMessageContaining("32 raw bytes");
    assertThatThrownBy(() -> KeyEncryptionKey.from(new byte[32], "k")).isInstanceOf(WrongKeyException.class);
    assertThatThrownBy(() -> KeyEncryptionKey.from(key, " ")).isInstanceOf(WrongKeyException.class);
  }

  @Test
  void tamperedCiphertextByteFailsDecryption() throws Exception {
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    byte[] plain = S3ProxyTestSupport.jsonLike(2 * 1024 * 1024, 2);
    byte[] cipher = encrypt(enc, plain);
    cipher[cipher.length / 2] ^= 0x01;

    assertThatThrownBy(() -> decrypt(BackupEncryption.forReading(manifest(enc), kek), cipher))
        .isInstanceOf(IOException.class);
  }

  @Test
  void truncatedCiphertextFailsDecryption() throws Exception {
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    byte[] cipher = encrypt(enc, S3ProxyTestSupport.jsonLike(2 * 1024 * 1024 + 5, 3));
    byte[] truncated = Arrays.copyOf(cipher, 1024 * 1024 + 200);

    assertThatThrownBy(() -> decrypt(BackupEncryption.forReading(manifest(enc), kek), truncated))
        .isInstanceOf(IOException.class);
  }

  @Test
  void ciphertextIsBoundToItsRole() throws Exception {
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    byte[] cipher = encrypt(enc, S3ProxyTestSupport.jsonLike(1000, 4));
    InputStream in = enc.decrypt(new ByteArrayInputStream(cipher), BackupLayout.RESOURCES_ROLE);
    assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
  }

  @Test
  void noneAndSseKmsLeaveBytesAsTheyAre() throws Exception {
    byte[] plain = S3ProxyTestSupport.jsonLike(100_000, 5);
    BackupEncryption none = BackupEncryption.none();
    BackupEncryption kms = BackupEncryption.sseKms("arn:aws:kms:us-east-1:111122223333:key/abc");

    assertThat(encrypt(none, plain)).isEqualTo(plain);
    assertThat(encrypt(kms, plain)).isEqualTo(plain);
    assertThat(none.cipherName()).isEqualTo("none");
    assertThat(none.sseKmsKeyId()).isEmpty();
    assertThat(none.objectSuffix()).isEmpty();
    assertThat(kms.cipherName()).isEqualTo("SSE-KMS");
    assertThat(kms.sseKmsKeyId()).contains("arn:aws:kms:us-east-1:111122223333:key/abc");
    assertThat(kms.wrappedDataKey()).isNull();
    assertThat(kms.objectSuffix()).isEmpty();
    assertThat(BackupEncryption.forReading(manifest(kms), null).mode()).isEqualTo(BackupEncryption.Mode.SSEKMS);
    assertThat(BackupEncryption.forReading(manifest(none), null).mode()).isEqualTo(BackupEncryption.Mode.NONE);
    assertThatThrownBy(() -> BackupEncryption.sseKms(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void storeSettingsPickTheMode() throws Exception {
    io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption settings = new io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption();
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("kek-1");
    assertThat(BackupEncryption.forStore(settings, kek).mode()).isEqualTo(BackupEncryption.Mode.AES256GCM);
    assertThatThrownBy(() -> BackupEncryption.forStore(settings, null)).isInstanceOf(WrongKeyException.class);
    settings.type = io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.Type.SSEKMS;
    settings.kmsKeyId = "alias/backups";
    assertThat(BackupEncryption.forStore(settings, null).sseKmsKeyId()).contains("alias/backups");
    settings.type = io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.Type.None;
    assertThat(BackupEncryption.forStore(settings, kek).mode()).isEqualTo(BackupEncryption.Mode.NONE);
  }

  @Test
  void keyMaterialNeverAppearsInToString() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String hex = java.util.HexFormat.of().formatHex(key);
    String b64 = java.util.Base64.getEncoder().encodeToString(key);
    KeyEncryptionKey kek;
    try {
      kek = KeyEncryptionKey.from(key, "kek-1");
    } catch (WrongKeyException e) {
      throw new AssertionError(e);
    }
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    for (String s : new String[] {kek.toString(), enc.toString(), manifest(enc).toString()}) {
      assertThat(s).doesNotContain(hex).doesNotContain(b64).doesNotContain(enc.wrappedDataKey());
    }
  }

  static BackupManifest manifest(BackupEncryption enc) {
    return new BackupManifest(BackupManifest.FORMAT_VERSION, "b", "c", new BackupManifest.HostedClusterRef("clusters", "hc"), null, null, "zstd",
        enc.cipherName(), enc.keyId(), enc.wrappedDataKey(), null, null, null, null);
  }

  static byte[] encrypt(BackupEncryption enc, byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream e = enc.encrypt(out, ROLE)) {
      e.write(plain);
    }
    return out.toByteArray();
  }

  static byte[] decrypt(BackupEncryption enc, byte[] cipher) throws IOException {
    try (InputStream in = enc.decrypt(new ByteArrayInputStream(cipher), ROLE)) {
      return in.readAllBytes();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
