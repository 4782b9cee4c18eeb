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
}
