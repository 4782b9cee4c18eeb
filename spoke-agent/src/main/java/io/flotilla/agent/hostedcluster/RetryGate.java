package io.flotilla.agent.hostedcluster;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a hub record whose last attempt failed from being retried in a hot loop (informer resyncs, status writes and
 * {@code RecordWork}'s re-check all dispatch it again): it is retried only once its generation changes, once it is
 * being deleted, or when the agent restarts (this map lives in memory only).
 */
public final class RetryGate {
  private final Map<String, String> stalled = new ConcurrentHashMap<>();

  /** Whether the record may be worked on: it did not fail, or it changed since it did. */
  public boolean open(HasMetadata record) {
    String at = stalled.get(key(record));
    return at == null || !at.equals(version(record));
  }

  /** The attempt on this version of the record failed: wait for a change. */
  public void stall(HasMetadata record) {
    stalled.put(key(record), version(record));
  }

  public void clear(HasMetadata record) {
    stalled.remove(key(record));
  }

  private static String key(HasMetadata r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  private static String version(HasMetadata r) {
    return r.getMetadata().getUid() + "/" + r.getMetadata().getGeneration()
        + (r.getMetadata().getDeletionTimestamp() == null ? "" : "/deleting");
  }
}
