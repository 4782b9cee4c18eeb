package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * kube-apiserver's etcd compactor, one tick per interval (docs/hypershift-facts.md §8.1): a compare-and-swap on the
 * version of {@code compact_rev_key}; the winner stores the revision it saw one tick earlier and compacts etcd to it,
 * except on its first win. A loser adopts the key's version and tries again next tick, so kube-apiservers sharing an
 * etcd compact at most once per interval, and the first compaction after a start comes two ticks later.
 *
 * <p>Not thread-safe: one caller, one tick at a time.
 */
final class EtcdCompactor {
  static final ByteSequence KEY = ByteSequence.from("compact_rev_key", StandardCharsets.UTF_8);

  private final KV kv;
  private final Duration timeout;
  /** The version of {@link #KEY} this compactor expects: its "compact time". */
  private long version;
  /** The revision etcd was at when the previous tick ran: what the next winning tick compacts to. */
  private long revision;

  EtcdCompactor(KV kv, Duration timeout) {
    this.kv = kv;
    this.timeout = timeout;
  }

  /** One tick. Returns the revision etcd was compacted to, or 0 when this tick did not compact. */
  long tick() throws ExecutionException, InterruptedException, TimeoutException {
    TxnResponse response = kv.txn()
        .If(new Cmp(KEY, Cmp.Op.EQUAL, CmpTarget.version(version)))
        .Then(Op.put(KEY, ByteSequence.from(Long.toString(revision), StandardCharsets.UTF_8), PutOption.DEFAULT))
        .Else(Op.get(KEY, GetOption.DEFAULT))
        .commit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    long current = response.getHeader().getRevision();
    long target = revision;
    revision = current;
    if (!response.isSucceeded()) {
      version = response.getGetResponses().get(0).getKvs().get(0).getVersion();
      return 0;
    }
    version++;
    if (target == 0) {
      return 0; // "We don't compact on bootstrap."
    }
    kv.compact(target).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return target;
  }
}
