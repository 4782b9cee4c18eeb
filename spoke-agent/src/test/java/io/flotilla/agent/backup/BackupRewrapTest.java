package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.LegacyFormat;
import io.flotilla.agent.storage.ManifestSeal;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code backup rewrap} on the agent (BackupRewrap) against S3Proxy and a mock API server: after a rotation the data
 * key is wrapped under the active key and the manifest sealed again, without touching the stored objects.
 */
class BackupRewrapTest {
  private static final String NS = "mc-1";

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private BucketFixture kube;
  private S3Client s3;
  private BackupRewrap rewrap;
  private BackupCatalog catalog;
  private final byte[] k1 = KeyEncryptionKey.randomKeyBytes();
  private final BackupLayout layout = new BackupLayout("flotilla", NS, "clusters", "hc-1", "b1");

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    catalog = new BackupCatalog(s3, S3ProxyTestSupport.BUCKET);
    kube = new BucketFixture();
    kube.namespace(BucketFixture.AGENT_NAMESPACE);
    kube.namespace(NS);
    kube.credentials(proxy);
    kube.store("default", proxy, "flotilla", BucketFixture.CREDENTIALS);
    kube.client.secrets().inNamespace(BucketFixture.AGENT_NAMESPACE).resource(new SecretBuilder().withNewMetadata()
        .withName("backup-key").endMetadata().addToData("key", b64(k1)).addToData("keyId", b64("k1".getBytes(
            StandardCharsets.UTF_8))).build()).create();
    encryption(null);
    HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records = new HubRecords<>(kube.client,
        HostedClusterBackup.class, HostedClusterBackupStatus::new, HostedClusterBackup.OBJECTS_FINALIZER,
        Clock.systemUTC(), "flotilla-agent/" + NS);
    rewrap = new BackupRewrap(new StoreConnector(kube.client, kube.client, StoreConnector.AWS_SDK, NS), records,
        Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    kube.close();
    s3.close();
  }

  @Test
  void afterARotationTheDataKeyIsRewrappedUnderTheActiveKeyAndTheObjectsStayAsTheyAre() throws Exception {
    store(KeyEncryptionKey.from(k1.clone(), "k1"), true);
    String snapshotKey = layout.resolve(catalog.read(layout).snapshot().object());
    String snapshotETag = eTag(snapshotKey);
    encryption("k2");

    HostedClusterBackupStatus.Rewrap r = rewrapNow("req-1");

    assertThat(r.passed).as(r.message).isTrue();
    assertThat(r.fromKeyId).isEqualTo("k1");
    assertThat(r.toKeyId).isEqualTo("k2");
    assertThat(r.message).contains("from key 'k1' to the active key 'k2'").contains("unchanged");
    BackupManifest now = catalog.read(layout);
    assertThat(now.keyId()).isEqualTo("k2");
    assertThat(now.seal()).isNotNull();
    assertThat(eTag(snapshotKey)).as("the snapshot is not rewritten").isEqualTo(snapshotETag);
    assertThat(record().getStatus().keyId).isEqualTo("k2");
    // it opens under k2 alone as a restore would, objects included
    try (StoreConnector.Connection store = new StoreConnector(kube.client, kube.client, StoreConnector.AWS_SDK)
        .connect("default")) {
      var opened = store.open(layout.folder());
      assertThat(opened.sealed()).isTrue();
      new io.flotilla.agent.storage.SnapshotReader(s3, S3ProxyTestSupport.BUCKET, Codec.ZSTD, opened.encryption())
          .read(layout.resolve(now.snapshot().object()), BackupLayout.SNAPSHOT_ROLE, now.snapshot().figures(),
              java.io.OutputStream.nullOutputStream());
    }

    HostedClusterBackupStatus.Rewrap again = rewrapNow("req-2");
    assertThat(again.passed).isTrue();
    assertThat(again.message).contains("already under the active key 'k2'");
  }

  @Test
  void aLegacyManifestIsSealedOnlyIfItsObjectsMatchIt() throws Exception {
    store(KeyEncryptionKey.from(k1.clone(), "k1"), false);
    BackupManifest before = catalog.read(layout);
    assertThat(before.formatVersion()).isEqualTo(1);
    // one byte of the stored snapshot changed: sealing this manifest would vouch for a corrupt backup
    String key = layout.resolve(before.snapshot().object());
    byte[] stored = s3.getObjectAsBytes(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(key)).asByteArray();
    stored[stored.length / 2] ^= 0x20;
    s3.putObject(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(key), RequestBody.fromBytes(stored));

    HostedClusterBackupStatus.Rewrap r = rewrapNow("req-1");

    assertThat(r.passed).isFalse();
    assertThat(r.message).startsWith(BackupFailure.BACKUP_CORRUPT);
    assertThat(catalog.read(layout)).as("nothing written").isEqualTo(before);
  }

  @Test
  void aCopiedFolderIsNotRewrapped() throws Exception {
    store(KeyEncryptionKey.from(k1.clone(), "k1"), true);
    BackupLayout copy = new BackupLayout("flotilla", NS, "clusters", "hc-1", "b1-copy");
    s3.putObject(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(copy.manifestKey()), RequestBody.fromBytes(
        catalog.read(layout).toJson()));
    encryption("k2");
    HostedClusterBackup b = record();
    b.getMetadata().setName("b1-copy");
    b.getMetadata().setResourceVersion(null);
    b.getStatus().location.keyPrefix = copy.folder();
    kube.client.resource(b).create();
    kube.client.resources(HostedClusterBackup.class).inNamespace(NS).withName("b1-copy").editStatus(x -> {
      x.setStatus(b.getStatus());
      return x;
    });

    HostedClusterBackup request = kube.client.resources(HostedClusterBackup.class).inNamespace(NS).withName("b1-copy")
        .edit(x -> {
          x.getMetadata().setAnnotations(Map.of(HostedClusterBackup.REWRAP_ANNOTATION, "req-1"));
          return x;
        });
    rewrap.rewrap(request);
    HostedClusterBackupStatus.Rewrap r = kube.client.resources(HostedClusterBackup.class).inNamespace(NS)
        .withName("b1-copy").get().getStatus().rewrap;
    assertThat(r.passed).isFalse();
    assertThat(r.message).startsWith(BackupFailure.BACKUP_CORRUPT).contains("that of backup b1");
  }

  // ---- helpers

  /** Stores backup b1 (a small snapshot and resources object) under {@code kek}, sealed or as format 1. */
  private void store(KeyEncryptionKey kek, boolean sealed) throws Exception {
    BackupEncryption enc = sealed ? BackupEncryption.clientSide(kek) : LegacyFormat.encryption(kek);
    SnapshotPipeline pipeline = new SnapshotPipeline(s3, S3ProxyTestSupport.BUCKET, Codec.ZSTD, enc);
    byte[] snapshot = "etcd snapshot ".repeat(5000).getBytes(StandardCharsets.UTF_8);
    byte[] tar = "resources ".repeat(500).getBytes(StandardCharsets.UTF_8);
    SnapshotFigures s = pipeline.upload(() -> new ByteArrayInputStream(snapshot), layout.snapshotKey(Codec.ZSTD, enc),
        BackupLayout.SNAPSHOT_ROLE, x -> { });
    SnapshotFigures r = pipeline.upload(() -> new ByteArrayInputStream(tar), layout.resourcesKey(Codec.ZSTD, enc),
        BackupLayout.RESOURCES_ROLE, x -> { });
    BackupManifest m = new BackupManifest(sealed ? BackupManifest.FORMAT_VERSION : 1, "b1", NS,
        new BackupManifest.HostedClusterRef("clusters", "hc-1"), "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z",
        Codec.ZSTD.manifestName(), enc.cipherName(), enc.keyId(), enc.wrappedDataKey(),
        BackupManifest.ObjectFigures.of(BackupLayout.snapshotName(Codec.ZSTD, enc), s, 7L, 3L),
        BackupManifest.ObjectFigures.of(BackupLayout.resourcesName(Codec.ZSTD, enc), r, null, null),
        "hypershift.openshift.io/v1beta1", "test", "uid-1", null);
    catalog.commit(layout, sealed ? ManifestSeal.seal(m, kek) : m, Optional.empty());
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace(NS);
    b.getMetadata().setName("b1");
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    b.getSpec().store = "default";
    kube.client.resource(b).create();
    kube.client.resources(HostedClusterBackup.class).inNamespace(NS).withName("b1").editStatus(x -> {
      x.setStatus(new HostedClusterBackupStatus());
      x.getStatus().phase = Phase.Completed;
      x.getStatus().keyId = "k1";
      x.getStatus().location = new HostedClusterBackupStatus.Location();
      x.getStatus().location.bucket = S3ProxyTestSupport.BUCKET;
      x.getStatus().location.keyPrefix = layout.folder();
      return x;
    });
  }

  private void encryption(String activeKeyId) {
    kube.client.resources(BackupStore.class).withName("default").edit(s -> {
      s.getSpec().encryption = new BackupStoreSpec.Encryption();
      s.getSpec().encryption.type = BackupStoreSpec.Encryption.Type.AES256GCM;
      s.getSpec().encryption.keySecret = new NamespacedName(BucketFixture.AGENT_NAMESPACE, "backup-key");
      s.getSpec().encryption.activeKeyId = activeKeyId;
      s.getSpec().encryption.activeKeySource = activeKeyId == null ? null : BackupStoreSpec.Encryption.KeySource.Generated;
      return s;
    });
  }

  private HostedClusterBackupStatus.Rewrap rewrapNow(String request) {
    HostedClusterBackup b = kube.client.resources(HostedClusterBackup.class).inNamespace(NS).withName("b1").edit(x -> {
      x.getMetadata().setAnnotations(Map.of(HostedClusterBackup.REWRAP_ANNOTATION, request));
      return x;
    });
    assertThat(rewrap.requested(b)).isTrue();
    rewrap.rewrap(b);
    HostedClusterBackup after = record();
    assertThat(rewrap.requested(after)).isFalse();
    return after.getStatus().rewrap;
  }

  private HostedClusterBackup record() {
    return kube.client.resources(HostedClusterBackup.class).inNamespace(NS).withName("b1").get();
  }

  private String eTag(String key) {
    return s3.headObject(b -> b.bucket(S3ProxyTestSupport.BUCKET).key(key)).eTag();
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
