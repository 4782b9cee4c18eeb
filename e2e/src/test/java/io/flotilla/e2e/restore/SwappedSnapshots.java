package io.flotilla.e2e.restore;

import io.fabric8.kubernetes.api.model.Secret;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.sandbox.Fleet;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Puts another backup's etcd snapshot where a backup's own should be, in the fleet's bucket, two ways: the stored
 * object copied as it is (under the other backup's data key), or re-encoded under this backup's key with the
 * manifest's checksums made to match it, so that only the comparison of the restored etcd with the backup's revision,
 * key count and hash can tell.
 */
final class SwappedSnapshots {
  private final Fleet fleet;

  SwappedSnapshots(Fleet fleet) {
    this.fleet = fleet;
  }

  /** {@code from}'s stored snapshot object, byte for byte, under {@code to}'s snapshot key. */
  void copyObject(HostedClusterBackup from, HostedClusterBackup to) throws Exception {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      String bucket = fleet.objectStore().bucket();
      String source = snapshotKey(s3, from);
      String target = snapshotKey(s3, to);
      s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(source).destinationBucket(bucket).destinationKey(target));
    }
  }

  /**
   * {@code from}'s etcd snapshot under {@code to}'s snapshot key, encrypted with {@code to}'s data key, and {@code to}'s
   * manifest.json with the sizes and SHA-256 of that object; its revision, key count and hash stay {@code to}'s.
   */
  void feed(HostedClusterBackup from, HostedClusterBackup to) throws Exception {
    try (S3Client s3 = fleet.objectStore().newClient()) {
      String bucket = fleet.objectStore().bucket();
      BackupCatalog catalog = new BackupCatalog(s3, bucket);
      String theirFolder = from.getStatus().location.keyPrefix;
      String ourFolder = to.getStatus().location.keyPrefix;
      BackupManifest theirs = catalog.read(new BackupCatalog.BackupRef(theirFolder, theirFolder + BackupLayout.MANIFEST));
      BackupManifest ours = catalog.read(new BackupCatalog.BackupRef(ourFolder, ourFolder + BackupLayout.MANIFEST));
      KeyEncryptionKey kek = kek();

      ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
      new SnapshotReader(s3, bucket, Codec.fromManifestName(theirs.codec()), BackupEncryption.forReading(theirs, kek))
          .read(theirFolder + theirs.snapshot().object(), BackupLayout.SNAPSHOT_ROLE, theirs.snapshot().figures(), snapshot);
      SnapshotFigures stored = new SnapshotPipeline(s3, bucket, Codec.fromManifestName(ours.codec()),
          BackupEncryption.forReading(ours, kek))
          .upload(() -> new ByteArrayInputStream(snapshot.toByteArray()), ourFolder + ours.snapshot().object(),
              BackupLayout.SNAPSHOT_ROLE, bytes -> { });

      BackupManifest.ObjectFigures f = ours.snapshot();
      BackupManifest.ObjectFigures matching = new BackupManifest.ObjectFigures(f.object(), stored.rawBytes(),
          stored.storedBytes(), stored.sha256(), stored.storedSha256(), f.etcdRevision(), f.keys(), f.hashKV(),
          f.hashKVCompactRevision());
      BackupManifest forged = new BackupManifest(ours.formatVersion(), ours.backup(), ours.cluster(), ours.hostedCluster(),
          ours.startedAt(), ours.completedAt(), ours.codec(), ours.cipher(), ours.keyId(), ours.wrappedDataKey(),
          matching, ours.resources(), ours.hostedClusterApiVersion(), ours.agentVersion(), ours.clusterUID(),
          ours.policy());
      // sealed with the store's key, as someone holding it could: the seal holds, only the etcd comparison can tell
      BackupManifest sealed = io.flotilla.agent.storage.ManifestSeal.seal(forged, kek);
      s3.putObject(b -> b.bucket(bucket).key(ourFolder + BackupLayout.MANIFEST), RequestBody.fromBytes(sealed.toJson()));
    }
  }

  private static String snapshotKey(S3Client s3, HostedClusterBackup b) {
    String folder = b.getStatus().location.keyPrefix;
    return s3.listObjectsV2(r -> r.bucket(b.getStatus().location.bucket).prefix(folder)).contents().stream()
        .map(o -> o.key()).filter(k -> k.contains("etcd-snapshot")).findFirst().orElseThrow();
  }

  /** The fleet's key-encryption key; every management cluster holds the same one. */
  private KeyEncryptionKey kek() throws Exception {
    Secret s = fleet.spokeClient(fleet.clusterNames().get(0)).secrets().inNamespace(Fleet.AGENT_NAMESPACE)
        .withName(Fleet.ENCRYPTION_KEY_SECRET).get();
    return KeyEncryptionKey.from(Base64.getDecoder().decode(s.getData().get(KeyEncryptionKey.SECRET_KEY)),
        new String(Base64.getDecoder().decode(s.getData().get(KeyEncryptionKey.SECRET_KEY_ID)), StandardCharsets.UTF_8));
  }
}
