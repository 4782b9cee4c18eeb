package io.flotilla.agent.storage;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd's current revision and live key count, read in one count-only range over the whole keyspace (no values are
 * transferred). Taken right before the snapshot while the hosted cluster is paused and its API servers quiesced, the
 * revision equals the snapshot's ({@code etcdctl snapshot status}); the count is of live keys, whereas
 * {@code snapshot status}'s "totalKey" counts every stored revision of every key.
 */
public record EtcdState(long revision, long keys) {
  private static final ByteSequence ALL_FROM = ByteSequence.from(new byte[] {0});

  public static EtcdState read(Client client, Duration timeout) throws java.io.IOException {
    try {
      // key "\0" with range end "\0" is etcd's "every key".
      GetResponse response = client.getKVClient()
          .get(ALL_FROM, GetOption.builder().withRange(ALL_FROM).withCountOnly(true).build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new EtcdState(response.getHeader().getRevision(), response.getCount());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading etcd's revision");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new java.io.IOException("cannot read etcd's revision and key count: " + cause.getMessage(), cause);
    }
  }

  /**
   * etcd's HashKV at {@code revision}: a hash of every key-value revision up to it, and the compaction revision it was
   * computed over. Two etcds with the same history up to {@code revision} and the same compaction agree, whatever was
   * written after it; so a restore is checked against its backup at the backup's revision while the restored
   * kube-apiserver writes (docs/hypershift-facts.md §1.4: etcd-init does not bump the revision).
   */
  public record Hash(long revision, int hash, long compactRevision) {}

  public static Hash hashAt(Client client, String endpoint, long revision, Duration timeout) throws java.io.IOException {
    try {
      var r = client.getMaintenanceClient().hashKV(endpoint, revision).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Hash(revision, r.getHash(), r.getCompacted());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while hashing etcd");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new java.io.IOException("cannot hash etcd at revision " + revision + ": " + cause.getMessage(), cause);
    }
  }

  /** The live key count as it was at {@code revision} (count-only, no values), whatever was written since. */
  public static long keysAt(Client client, long revision, Duration timeout) throws java.io.IOException {
    try {
      return client.getKVClient().get(ALL_FROM, GetOption.builder().withRange(ALL_FROM).withCountOnly(true)
          .withRevision(revision).build()).get(timeout.toMillis(), TimeUnit.MILLISECONDS).getCount();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while counting etcd's keys");
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new java.io.IOException("cannot count etcd's keys at revision " + revision + ": " + cause.getMessage(), cause);
    }
  }
}
