package io.flotilla.sandbox.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills an etcd with content shaped like a hosted cluster's Kubernetes data: keys {@code /registry/<resource>/<ns>/<name>}
 * with JSON objects of realistic shape and size, so backups, compression and restores are measured on something
 * that looks like the real thing (never random bytes, which would not compress at all).
 *
 * <p>Deterministic: the same seed gives the same keys and values. Writes are grouped into transactions (etcd allows 128
 * operations and about 1.5 MiB per request) with a few in flight at once, so a 256 MiB seed takes tens of seconds.
 */
public final class EtcdSeeder {
  /** Kubernetes' default {@code --etcd-prefix}: where the seed, and the sandbox's kube-apiserver writes, put objects. */
  public static final String REGISTRY_PREFIX = "/registry/";
  private static final int MAX_OPS_PER_TXN = 100;
  private static final int MAX_BYTES_PER_TXN = 1 << 20;
  private static final int TXNS_IN_FLIGHT = 4;
  private static final long TIMEOUT_SECONDS = 120;

  private EtcdSeeder() {}

  public static SeedResult seed(Client client, long targetBytes, long randomSeed) {
    ObjectGenerator generator = new ObjectGenerator(randomSeed);
    Semaphore inFlight = new Semaphore(TXNS_IN_FLIGHT);
    AtomicLong revision = new AtomicLong();
    List<CompletableFuture<TxnResponse>> pending = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    long batchBytes = 0;
    long keys = 0;
    long bytes = 0;
    while (bytes < targetBytes) {
      ObjectGenerator.Entry entry = generator.next();
      byte[] value = entry.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      if (!batch.isEmpty() && (batch.size() >= MAX_OPS_PER_TXN || batchBytes + value.length > MAX_BYTES_PER_TXN)) {
        pending.add(submit(client, batch, inFlight, revision));
        batch = new ArrayList<>();
        batchBytes = 0;
      }
      batch.add(Op.put(ByteSequence.from(entry.key(), java.nio.charset.StandardCharsets.UTF_8),
          ByteSequence.from(value), PutOption.DEFAULT));
      batchBytes += value.length;
      keys++;
      bytes += value.length;
      pending.removeIf(CompletableFuture::isDone);
    }
    if (!batch.isEmpty()) {
      pending.add(submit(client, batch, inFlight, revision));
    }
    for (CompletableFuture<TxnResponse> f : pending) {
      await(f);
    }
    return new SeedResult(keys, bytes, revision.get());
  }

  private static CompletableFuture<TxnResponse> submit(Client client, List<Op> ops, Semaphore inFlight, AtomicLong revision) {
    try {
      // Back-pressure: never more than a few transactions queued in the client.
      if (!inFlight.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("etcd did not accept writes for " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while seeding etcd", e);
    }
    CompletableFuture<TxnResponse> future = client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit();
    return future.whenComplete((response, error) -> {
      inFlight.release();
      if (response != null) {
        revision.accumulateAndGet(response.getHeader().getRevision(), Math::max);
      }
    });
  }

  private static void await(CompletableFuture<TxnResponse> future) {
    try {
      future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("seeding etcd failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("seeding etcd timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while seeding etcd", e);
    }
  }
}
