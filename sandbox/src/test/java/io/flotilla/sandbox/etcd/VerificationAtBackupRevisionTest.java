package io.flotilla.sandbox.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.flotilla.agent.restore.RestoreExecutor;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A restore is compared with its backup at the backup's revision, on a real etcd: the writes a restored kube-apiserver
 * makes afterwards (leases, events) do not count, another snapshot does, and a compaction past that revision makes the
 * comparison impossible rather than wrong.
 */
class VerificationAtBackupRevisionTest {
  static final Duration T = Duration.ofSeconds(10);

  @TempDir
  Path tmp;

  private static BackupManifest.ObjectFigures figures(long revision, long keys, Integer hash, Long compact) {
    return new BackupManifest.ObjectFigures("etcd-snapshot.db.zst", 1, 1, "sha", "sha", revision, keys, hash, compact);
  }

  private static void put(Client c, String key) throws Exception {
    c.getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from("v", StandardCharsets.UTF_8))
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void laterWritesDoNotCountAnotherSnapshotDoesAndACompactionPastItIsAnError() throws Exception {
    assumeThat(Files.isExecutable(EtcdLauncher.DEFAULT_BINARY) || System.getenv(EtcdLauncher.ENV_VAR) != null).isTrue();
    EtcdProcess etcd = new EtcdLauncher().start("verify", tmp.resolve("etcd"), EtcdTls.generate("verify"));
    try (Client client = etcd.newClient()) {
      EtcdSeeder.seed(client, 256L << 10, 7);
      EtcdState atBackup = EtcdState.read(client, T);
      EtcdState.Hash hash = EtcdState.hashAt(client, etcd.endpoint(), atBackup.revision(), T);
      // the restored kube-apiserver at work: leases renewed, events written, a key deleted
      for (int i = 0; i < 30; i++) {
        put(client, "/registry/leases/kube-node-lease/node-" + (i % 3));
        put(client, "/registry/events/default/e-" + i);
      }
      client.getKVClient().delete(ByteSequence.from("/registry/events/default/e-0", StandardCharsets.UTF_8))
          .get(10, TimeUnit.SECONDS);
      assertThat(EtcdState.read(client, T).keys()).as("the live count has moved on").isNotEqualTo(atBackup.keys());

      HostedClusterRestoreStatus.Verification same = RestoreExecutor.verifyAtBackupRevision(client, etcd.endpoint(),
          figures(atBackup.revision(), atBackup.keys(), hash.hash(), hash.compactRevision()), "test");
      assertThat(same.matchesBackup).isTrue();
      assertThat(same.hashMatches).isTrue();
      assertThat(same.keys).isEqualTo(atBackup.keys());
      assertThat(same.atRevision).isEqualTo(atBackup.revision());
      assertThat(same.etcdRevision).isGreaterThan(atBackup.revision());

      // another snapshot under the expected name: its hash (or its count) at that revision differs
      assertThat(RestoreExecutor.verifyAtBackupRevision(client, etcd.endpoint(),
          figures(atBackup.revision(), atBackup.keys(), hash.hash() ^ 1, hash.compactRevision()), "test"))
          .satisfies(v -> assertThat(v.matchesBackup).isFalse()).satisfies(v -> assertThat(v.hashMatches).isFalse());
      assertThat(RestoreExecutor.verifyAtBackupRevision(client, etcd.endpoint(),
          figures(atBackup.revision(), atBackup.keys() + 1, null, null), "test").matchesBackup).isFalse();
      // a snapshot whose revision this etcd never reached
      assertThat(RestoreExecutor.verifyAtBackupRevision(client, etcd.endpoint(),
          figures(atBackup.revision() + 10_000, atBackup.keys(), hash.hash(), hash.compactRevision()), "test")
          .matchesBackup).isFalse();

      // kube-apiserver's compaction (every 5 min) past the backup's revision: no comparison is possible any more
      client.getKVClient().compact(EtcdState.read(client, T).revision()).get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> RestoreExecutor.verifyAtBackupRevision(client, etcd.endpoint(),
          figures(atBackup.revision(), atBackup.keys(), hash.hash(), hash.compactRevision()), "test"))
          .isInstanceOf(java.io.IOException.class).hasMessageContaining("compacted");
    } finally {
      etcd.close();
    }
  }
}
