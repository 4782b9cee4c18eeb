package io.flotilla.sandbox.bench;

import io.etcd.jetcd.Client;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdSnapshotSource;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.storage.ObjectStore;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Duration;
import java.util.Optional;

/**
 * The backup {@link BackupBenchmark} times against {@code etcdctl snapshot save}: one whole backup of the benchmark's
 * etcd into its S3Proxy bucket. The benchmark measures wall time and heap around {@link #run}; the backup reports
 * what it stored and, when it pauses a hosted cluster, how long the pause lasted.
 *
 * <p>{@link #PIPELINE} is the data path alone ({@link SnapshotPipeline}), which reports no pause window; the benchmark
 * then prints the pipeline's wall time as the pause window, the time a pause wrapped around it would last at least.
 * A backup executor that pauses and resumes the hosted cluster plugs in here and returns its recorded window.
 */
@FunctionalInterface
public interface BackupUnderTest {
  /**
   * @param objectPrefix a fresh key prefix for this run; everything in the bucket is deleted after the run
   */
  Outcome run(Environment env, String objectPrefix) throws Exception;

  /** What the benchmark provides: a running, seeded etcd (with an mTLS client) and a started S3Proxy. */
  record Environment(EtcdProcess etcd, Client etcdClient, ObjectStore store, S3Client s3, KeyEncryptionKey kek) {}

  /**
   * @param figures the snapshot object's figures (raw and stored size)
   * @param pauseWindow resumedAt − pausedAt when the backup paused a hosted cluster; empty when it did not
   */
  record Outcome(SnapshotFigures figures, Optional<Duration> pauseWindow) {}

  /** Snapshot, SHA-256, zstd, Tink AES-256-GCM with a fresh data key, multipart upload: no pause, no resources. */
  BackupUnderTest PIPELINE = (env, prefix) -> {
    BackupEncryption encryption = BackupEncryption.clientSide(env.kek());
    BackupLayout layout = new BackupLayout(prefix, "bench", "clusters", "bench", "bench-backup");
    SnapshotFigures figures = new SnapshotPipeline(env.s3(), env.store().bucket(), Codec.ZSTD, encryption)
        .upload(new EtcdSnapshotSource(env.etcdClient()), layout.snapshotKey(Codec.ZSTD, encryption),
            BackupLayout.SNAPSHOT_ROLE, null);
    return new Outcome(figures, Optional.empty());
  };
}
