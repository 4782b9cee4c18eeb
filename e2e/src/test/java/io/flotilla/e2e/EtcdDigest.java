package io.flotilla.e2e;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * "Exactly the keys and values" an etcd held at one revision: a count and a SHA-256 over every key and value, in key
 * order. A restored etcd is compared with its source at the source's revision ({@link #on}): the restored
 * kube-apiserver writes from the moment it runs (docs/hypershift-facts.md §8), the content at that revision stays.
 */
public record EtcdDigest(long revision, String value) {
  private static final ByteSequence ALL = ByteSequence.from(new byte[] {0});

  /** What etcd holds now, and the revision that is. */
  public static EtcdDigest of(Client etcd) throws Exception {
    return read(etcd, 0);
  }

  /** What etcd held at {@code revision}. */
  public static EtcdDigest at(Client etcd, long revision) throws Exception {
    return read(etcd, revision);
  }

  /** What {@code other} held at this digest's revision: equal to this one when it holds the same content there. */
  public EtcdDigest on(Client other) throws Exception {
    return at(other, revision);
  }

  private static EtcdDigest read(Client etcd, long revision) throws Exception {
    GetResponse response = etcd.getKVClient().get(ALL, GetOption.builder().withRange(ALL).withRevision(revision)
        .withSortField(GetOption.SortTarget.KEY).build()).get(30, TimeUnit.SECONDS);
    List<KeyValue> kvs = response.getKvs();
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (KeyValue kv : kvs) {
      d.update(kv.getKey().getBytes());
      d.update((byte) 0);
      d.update(kv.getValue().getBytes());
      d.update((byte) 0);
    }
    return new EtcdDigest(revision == 0 ? response.getHeader().getRevision() : revision,
        kvs.size() + ":" + HexFormat.of().formatHex(d.digest()));
  }
}
