package io.flotilla.e2e;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** "Exactly the keys and values": a count and a SHA-256 over every key and value of an etcd, in key order. */
public final class EtcdDigest {
  private EtcdDigest() {}

  public static String of(Client etcd) throws Exception {
    ByteSequence all = ByteSequence.from(new byte[] {0});
    List<KeyValue> kvs = etcd.getKVClient().get(all, GetOption.builder().withRange(all)
        .withSortField(GetOption.SortTarget.KEY).build()).get(30, TimeUnit.SECONDS).getKvs();
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    for (KeyValue kv : kvs) {
      d.update(kv.getKey().getBytes());
      d.update((byte) 0);
      d.update(kv.getValue().getBytes());
      d.update((byte) 0);
    }
    return kvs.size() + ":" + HexFormat.of().formatHex(d.digest());
  }
}
