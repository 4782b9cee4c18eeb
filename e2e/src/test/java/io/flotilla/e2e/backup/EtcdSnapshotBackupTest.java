package io.flotilla.e2e.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdSnapshotSource;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.S3Clients;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdNotFoundException;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.etcd.SeedResult;
import io.flotilla.sandbox.storage.ObjectStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The backup data path against a real etcd and S3Proxy: the snapshot streamed over the maintenance API, hashed,
 * compressed, encrypted and uploaded, then read back, is byte-for-byte what {@code etcdctl snapshot save} writes for
 * the same quiescent etcd, and {@code etcdctl snapshot status} on it shows the revision read at backup time.
 */
class EtcdSnapshotBackupTest {
  private static final long SEED_BYTES = 24L << 20;
  private static final int OVERWRITES = 10;
  private static final int DELETES = 5;

  @TempDir
  Path dir;

  @Test
  void streamedSnapshotIsEtcdsSnapshotAndCarriesItsRevision() throws Exception {
    EtcdLauncher launcher;
    try {
      launcher = new EtcdLauncher();
    } catch (EtcdNotFoundException e) {
      assumeTrue(false, "no etcd binary: " + e.getMessage());
      return;
    }
    assumeTrue(onPath("etcdctl"), "etcdctl not installed (Debian package etcd-client)");

    try (EtcdProcess etcd = launcher.start("backup-e2e", dir.resolve("etcd"), EtcdTls.generate("backup-e2e"));
         Client client = etcd.newClient();
         ObjectStore store = ObjectStore.start(dir.resolve("s3"), "backups");
         S3Client s3 = S3Clients.create(store.endpoint(), store.region(), true, store.accessKey(), store.secretKey())) {
      SeedResult seed = EtcdSeeder.seed(client, SEED_BYTES, 7);
      List<String> keys = someKeys(client, OVERWRITES + DELETES);
      for (int i = 0; i < OVERWRITES; i++) {
        client.getKVClient().put(bytes(keys.get(i)), bytes("{\"overwritten\":" + i + "}")).get(10, TimeUnit.SECONDS);
      }
      for (int i = OVERWRITES; i < OVERWRITES + DELETES; i++) {
        client.getKVClient().delete(bytes(keys.get(i))).get(10, TimeUnit.SECONDS);
      }

      // Backup, as the agent does it: state, snapshot through the pipeline, manifest last.
      Instant started = Instant.now();
      EtcdState atBackup = EtcdState.read(client, Duration.ofSeconds(10));
      KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("e2e-kek");
      BackupEncryption encryption = BackupEncryption.clientSide(kek);
      BackupLayout layout = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "hc-1-backup");
      List<Long> progress = new ArrayList<>();
      SnapshotFigures figures = new SnapshotPipeline(s3, store.bucket(), Codec.ZSTD, encryption)
          .upload(new EtcdSnapshotSource(client), layout.snapshotKey(Codec.ZSTD, encryption), BackupLayout.SNAPSHOT_ROLE,
              progress::add);
      BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, layout.backup(), layout.cluster(),
          new BackupManifest.HostedClusterRef(layout.hostedClusterNamespace(), layout.hostedClusterName()),
          BackupManifest.time(started), BackupManifest.time(Instant.now()), Codec.ZSTD.manifestName(),
          encryption.cipherName(), encryption.keyId(), encryption.wrappedDataKey(),
          BackupManifest.ObjectFigures.of(BackupLayout.snapshotName(Codec.ZSTD, encryption), figures,
              atBackup.revision(), atBackup.keys()),
          null, "hypershift.openshift.io/v1beta1", "test");
      BackupCatalog catalog = new BackupCatalog(s3, store.bucket());
      catalog.commit(layout, manifest, encryption.sseKmsKeyId());

      // The documented manual step on the same, still quiescent, etcd.
      Path clientTls = dir.resolve("client-tls");
      etcd.tls().writeClientFiles(clientTls);
      Path saved = dir.resolve("etcdctl.db");
      etcdctl(etcd, clientTls, "snapshot", "save", saved.toString());

      // Read back from the bucket alone: manifest → key → download, decrypt, decompress, verify.
      assertThat(catalog.list("flotilla")).hasSize(1);
      BackupManifest read = catalog.read(catalog.list("flotilla").get(0));
      BackupEncryption decryption = BackupEncryption.forReading(read, kek);
      Path restored = dir.resolve("restored.db");
      try (OutputStream out = Files.newOutputStream(restored)) {
        new SnapshotReader(s3, store.bucket(), Codec.fromManifestName(read.codec()), decryption)
            .read(layout.resolve(read.snapshot().object()), BackupLayout.SNAPSHOT_ROLE, read.snapshot().figures(), out);
      }

      String etcdctlSha = sha256(saved);
      assertThat(sha256(restored)).isEqualTo(figures.sha256()).isEqualTo(etcdctlSha);
      assertThat(Files.size(restored)).isEqualTo(figures.rawBytes()).isEqualTo(Files.size(saved));
      // etcd appends a SHA-256 of the db to the stream: 512-byte pages plus 32 bytes.
      assertThat(figures.rawBytes() % 512).isEqualTo(32);
      assertThat(figures.storedBytes()).isLessThan(figures.rawBytes());
      assertThat(progress).isNotEmpty().last().isEqualTo(figures.storedBytes());

      JsonNode status = new ObjectMapper().readTree(etcdctl(etcd, clientTls, "snapshot", "status", "-w", "json",
          restored.toString()));
      long statusRevision = status.get("revision").asLong();
      long totalKey = status.get("totalKey").asLong();
      long liveKeys = seed.keys() - DELETES; // the seeder's keys are distinct
      long keyRevisions = seed.keys() + OVERWRITES + DELETES; // one entry per put and per delete (tombstone)
      System.out.printf("backup-e2e: raw %d B, stored %d B, revision %d (status %d), live keys %d, status totalKey %d"
              + " = %d key revisions + %d entries in etcd's other buckets%n", figures.rawBytes(), figures.storedBytes(),
          atBackup.revision(), statusRevision, atBackup.keys(), totalKey, keyRevisions, totalKey - keyRevisions);

      assertThat(statusRevision).isEqualTo(atBackup.revision()).isEqualTo(read.snapshot().etcdRevision());
      assertThat(atBackup.keys()).isEqualTo(liveKeys).isEqualTo(read.snapshot().keys());
      // totalKey counts every entry of every bbolt bucket: each revision of each key (tombstones too), plus etcd's
      // own bookkeeping (meta, members, cluster version...). It is not the live key count.
      assertThat(totalKey).isGreaterThan(keyRevisions).isLessThan(keyRevisions + 64);
    }
  }

  private static List<String> someKeys(Client client, int n) throws Exception {
    List<String> keys = new ArrayList<>();
    ByteSequence all = ByteSequence.from(new byte[] {0});
    client.getKVClient().get(all, GetOption.builder().withRange(all).withKeysOnly(true).withLimit(n).build())
        .get(10, TimeUnit.SECONDS).getKvs().forEach(kv -> keys.add(kv.getKey().toString(StandardCharsets.UTF_8)));
    assertThat(keys).hasSize(n);
    return keys;
  }

  private static String etcdctl(EtcdProcess etcd, Path tls, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("etcdctl", "--endpoints", etcd.endpoint(),
        "--cacert", tls.resolve(EtcdTls.CA_FILE).toString(), "--cert", tls.resolve(EtcdTls.CLIENT_CERT_FILE).toString(),
        "--key", tls.resolve(EtcdTls.CLIENT_KEY_FILE).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
    builder.environment().put("ETCDCTL_API", "3");
    Process p = builder.start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("etcdctl %s: %s", String.join(" ", args), new String(err, StandardCharsets.UTF_8))
        .isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
