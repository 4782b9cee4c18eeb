package io.flotilla.agent.storage;

import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The manifest a restore or verification trusts: sealed under the key its keyId names, bound to the folder it was read
 * from (AuthenticatedManifest, ManifestSeal).
 */
class AuthenticatedManifestTest {
  private static final BackupLayout HERE = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "b1");
  private final KeyEncryptionKey k1 = KeyEncryptionKey.generateForTest("k1");
  private final KeyEncryptionKey k2 = KeyEncryptionKey.generateForTest("k2");
  /** This spoke's ring after a rotation: k1 retired, k2 active. */
  private final AuthenticatedManifest.Keys ring = id -> switch (id) {
    case "k1" -> k1;
    case "k2" -> k2;
    default -> throw new WrongKeyException("key '" + id + "' is not in the ring (it holds 'k1', 'k2')");
  };

  @Test
  void aSealedManifestOpensWhereItWasWrittenUnderTheKeyItNames() throws Exception {
    BackupManifest m = sealed(HERE, k2);
    assertThat(m.seal().algorithm()).isEqualTo(ManifestSeal.ALGORITHM);

    AuthenticatedManifest opened = AuthenticatedManifest.open(BackupManifest.fromJson(m.toJson()), HERE, ring);
    assertThat(opened.sealed()).isTrue();
    assertThat(opened.encryption().keyId()).isEqualTo("k2");
  }

  @Test
  void aBackupWrittenUnderARetiredKeyStillOpens() throws Exception {
    assertThat(AuthenticatedManifest.open(sealed(HERE, k1), HERE, ring).sealed()).isTrue();
  }

  @Test
  void aFolderCopiedUnderAnotherNameIsNotThatBackup() {
    BackupManifest m = sealed(HERE, k2);
    BackupLayout copiedAs = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "b2");

    assertThatThrownBy(() -> AuthenticatedManifest.open(m, copiedAs, ring)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("flotilla/mc-1/clusters/hc-1/b2/").hasMessageContaining("backup b1");
    // and renaming it inside the manifest too breaks the seal
    BackupManifest renamed = edit(m, x -> new BackupManifest(x.formatVersion(), "b2", x.cluster(), x.hostedCluster(),
        x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(), x.snapshot(),
        x.resources(), x.hostedClusterApiVersion(), x.agentVersion(), x.clusterUID(), x.policy(), x.seal()));
    assertThatThrownBy(() -> AuthenticatedManifest.open(renamed, copiedAs, ring)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("does not match its seal");
  }

  @Test
  void aFolderCopiedIntoAnotherClustersOrHostedClustersFolderIsRefused() throws Exception {
    BackupManifest m = sealed(HERE, k2);
    assertThatThrownBy(() -> AuthenticatedManifest.open(m, new BackupLayout("flotilla", "mc-2", "clusters", "hc-1",
        "b1"), ring)).isInstanceOf(IntegrityException.class).hasMessageContaining("taken on cluster mc-1");
    assertThatThrownBy(() -> AuthenticatedManifest.open(m, new BackupLayout("flotilla", "mc-1", "clusters", "hc-9",
        "b1"), ring)).isInstanceOf(IntegrityException.class).hasMessageContaining("clusters/hc-1");
    // another store prefix (a replicated bucket) is the same backup
    assertThat(AuthenticatedManifest.open(m, new BackupLayout("dr-copy", "mc-1", "clusters", "hc-1", "b1"), ring)
        .sealed()).isTrue();
  }

  @Test
  void aTamperedObjectListBreaksTheSeal() {
    BackupManifest m = sealed(HERE, k2);
    BackupManifest.ObjectFigures s = m.snapshot();
    BackupManifest otherDigest = edit(m, x -> new BackupManifest(x.formatVersion(), x.backup(), x.cluster(),
        x.hostedCluster(), x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(),
        new BackupManifest.ObjectFigures(s.object(), s.rawBytes(), s.storedBytes(), "00".repeat(32), s.storedSha256(),
            s.etcdRevision(), s.keys()),
        x.resources(), x.hostedClusterApiVersion(), x.agentVersion(), x.clusterUID(), x.policy(), x.seal()));
    BackupManifest otherObject = edit(m, x -> new BackupManifest(x.formatVersion(), x.backup(), x.cluster(),
        x.hostedCluster(), x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(),
        x.snapshot(), null, x.hostedClusterApiVersion(), x.agentVersion(), x.clusterUID(), x.policy(), x.seal()));
    BackupManifest otherWriter = edit(m, x -> new BackupManifest(x.formatVersion(), x.backup(), x.cluster(),
        x.hostedCluster(), x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(),
        x.snapshot(), x.resources(), x.hostedClusterApiVersion(), x.agentVersion(), "another-uid", x.policy(), x.seal()));

    for (BackupManifest tampered : new BackupManifest[] {otherDigest, otherObject, otherWriter}) {
      assertThatThrownBy(() -> AuthenticatedManifest.open(tampered, HERE, ring)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("does not match its seal under key 'k2'");
    }
  }

  @Test
  void aSealStrippedOrADowngradeToFormatOneIsRefused() {
    BackupManifest m = sealed(HERE, k2);
    BackupManifest unsealed = m.withSeal(null);
    assertThatThrownBy(() -> AuthenticatedManifest.open(unsealed, HERE, ring)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("carries no seal");

    BackupManifest formatOne = edit(unsealed, x -> new BackupManifest(1, x.backup(), x.cluster(), x.hostedCluster(),
        x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(), x.snapshot(),
        x.resources(), x.hostedClusterApiVersion(), x.agentVersion(), x.clusterUID(), x.policy(), null));
    assertThatThrownBy(() -> AuthenticatedManifest.open(formatOne, HERE, ring)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("its seal was removed");
  }

  @Test
  void aFormatOneManifestWithoutSealStillOpensOnItsChecksumsAndIsBoundToItsFolder() throws Exception {
    BackupManifest legacy = legacyFormatOne(HERE, k1);
    AuthenticatedManifest opened = AuthenticatedManifest.open(legacy, HERE, ring);
    assertThat(opened.sealed()).isFalse();
    assertThat(opened.encryption().keyId()).isEqualTo("k1");
    assertThatThrownBy(() -> AuthenticatedManifest.open(legacy, new BackupLayout("flotilla", "mc-1", "clusters",
        "hc-1", "copy"), ring)).isInstanceOf(IntegrityException.class);
  }

  @Test
  void anUnknownKeyIdIsAWrongKeyNamingItAndAReplacedKeyIsAWrongKeyToo() {
    KeyEncryptionKey k3 = KeyEncryptionKey.generateForTest("k3");
    assertThatThrownBy(() -> AuthenticatedManifest.open(sealed(HERE, k3), HERE, ring))
        .isInstanceOf(WrongKeyException.class).hasMessageContaining("'k3'");
    KeyEncryptionKey otherK2 = KeyEncryptionKey.generateForTest("k2");
    assertThatThrownBy(() -> AuthenticatedManifest.open(sealed(HERE, otherK2), HERE, ring))
        .isInstanceOf(WrongKeyException.class).hasMessageContaining("does not unwrap under encryption key 'k2'");
  }

  @Test
  void withoutClientSideEncryptionThereIsNoSealOnlyTheFolderBinding() throws Exception {
    BackupManifest plain = manifest(HERE, BackupEncryption.none());
    AuthenticatedManifest opened = AuthenticatedManifest.open(plain, HERE, id -> {
      throw new AssertionError("no key is needed");
    });
    assertThat(opened.sealed()).isFalse();
    assertThat(opened.encryption().mode()).isEqualTo(BackupEncryption.Mode.NONE);
    assertThatThrownBy(() -> AuthenticatedManifest.open(plain, new BackupLayout("flotilla", "mc-1", "clusters", "hc-1",
        "b2"), ring)).isInstanceOf(IntegrityException.class);
  }

  @Test
  void rewrappingKeepsTheDataKeyAndSealsUnderTheNewKey() throws Exception {
    BackupManifest old = sealed(HERE, k1);
    BackupEncryption before = AuthenticatedManifest.open(old, HERE, ring).encryption();
    BackupManifest rewrapped = ManifestSeal.seal(old.rewrapped("k2", BackupEncryption.rewrapDataKey(old, k1, k2)), k2);

    AuthenticatedManifest opened = AuthenticatedManifest.open(rewrapped, HERE, ring);
    assertThat(opened.encryption().keyId()).isEqualTo("k2");
    assertThat(rewrapped.snapshot()).isEqualTo(old.snapshot());
    // the same streaming key: what the old data key encrypted, the rewrapped one decrypts
    byte[] plain = "etcd snapshot bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.io.ByteArrayOutputStream cipher = new java.io.ByteArrayOutputStream();
    try (java.io.OutputStream out = before.encrypt(cipher, BackupLayout.SNAPSHOT_ROLE)) {
      out.write(plain);
    }
    try (java.io.InputStream in = opened.encryption().decrypt(new java.io.ByteArrayInputStream(cipher.toByteArray()),
        BackupLayout.SNAPSHOT_ROLE)) {
      assertThat(in.readAllBytes()).isEqualTo(plain);
    }
    // a legacy format-1 manifest is sealed by its rewrap
    BackupManifest legacy = legacyFormatOne(HERE, k1);
    BackupManifest upgraded = ManifestSeal.seal(legacy.rewrapped("k2", BackupEncryption.rewrapDataKey(legacy, k1, k2)),
        k2);
    assertThat(upgraded.formatVersion()).isEqualTo(BackupManifest.FORMAT_VERSION);
    assertThat(AuthenticatedManifest.open(upgraded, HERE, ring).sealed()).isTrue();
  }

  @Test
  void theSealCoversTheStoredFormNotItsWhitespaceAndFieldsAddedLaterDoNotBreakIt() throws Exception {
    BackupManifest m = sealed(HERE, k2);
    String json = m.toJsonString();
    String compact = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).toString();
    assertThat(AuthenticatedManifest.open(BackupManifest.fromJson(compact.getBytes()), HERE, ring).sealed()).isTrue();
    String withFuture = json.replace("\"backup\" :", "\"futureField\" : null, \"backup\" :");
    assertThat(AuthenticatedManifest.open(BackupManifest.fromJson(withFuture.getBytes()), HERE, ring).sealed()).isTrue();
    assertThat(json).doesNotContain("\"key\"");
  }

  // ---- helpers

  private static BackupManifest sealed(BackupLayout l, KeyEncryptionKey kek) {
    return ManifestSeal.seal(manifest(l, BackupEncryption.clientSide(kek)), kek);
  }

  private static BackupManifest manifest(BackupLayout l, BackupEncryption enc) {
    return new BackupManifest(BackupManifest.FORMAT_VERSION, l.backup(), l.cluster(),
        new BackupManifest.HostedClusterRef(l.hostedClusterNamespace(), l.hostedClusterName()),
        "2026-11-21T09:00:00Z", "2026-11-21T09:01:00Z", "zstd", enc.cipherName(), enc.keyId(), enc.wrappedDataKey(),
        new BackupManifest.ObjectFigures(BackupLayout.snapshotName(Codec.ZSTD, enc), 1000, 300, "aa".repeat(32),
            "bb".repeat(32), 4242L, 17L),
        new BackupManifest.ObjectFigures(BackupLayout.resourcesName(Codec.ZSTD, enc), 100, 30, "cc".repeat(32),
            "dd".repeat(32), null, null),
        "hypershift.openshift.io/v1beta1", "0.1.0", "uid-of-mc-1", null);
  }

  /** A manifest as agents wrote them before seals: format 1, the data key wrapped with the format-1 label. */
  private static BackupManifest legacyFormatOne(BackupLayout l, KeyEncryptionKey kek) throws Exception {
    BackupEncryption legacy = LegacyFormat.encryption(kek);
    return edit(manifest(l, legacy), x -> new BackupManifest(1, x.backup(), x.cluster(), x.hostedCluster(),
        x.startedAt(), x.completedAt(), x.codec(), x.cipher(), x.keyId(), x.wrappedDataKey(), x.snapshot(),
        x.resources(), x.hostedClusterApiVersion(), x.agentVersion(), x.clusterUID(), x.policy(), null));
  }

  private static BackupManifest edit(BackupManifest m, UnaryOperator<BackupManifest> f) {
    return f.apply(m);
  }
}
