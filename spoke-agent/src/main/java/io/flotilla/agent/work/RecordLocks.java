package io.flotilla.agent.work;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Takes a hosted cluster's lock ({@link HostedClusterLocks}) for the work one hub record asks for, and tells that record
 * while it waits: {@code Waiting=True} (reason {@code HostedClusterBusy}) naming the holder, then {@code Waiting=False}
 * once it has the lock. The one place every agent record (backup, restore, pause, teardown) waits.
 */
public final class RecordLocks {
  public static final String REASON_BUSY = "HostedClusterBusy";
  public static final String REASON_ACQUIRED = "LockAcquired";

  private RecordLocks() {}

  /**
   * @param conditions the conditions list of the record's status kind
   * @throws HostedClusterLocks.Busy the holder kept it longer than {@link AgentWork#lockWait()}
   * @throws StopSignal.Stopped      the agent is stopping
   */
  public static <R extends CustomResource<?, S> & Namespaced, S> HostedClusterLocks.Lock lock(AgentWork work,
      HubRecords<R, S> records, R record, NamespacedName hostedCluster, Function<S, List<Condition>> conditions,
      Clock clock) throws HostedClusterLocks.Busy, StopSignal.Stopped {
    String ns = record.getMetadata().getNamespace();
    String name = record.getMetadata().getName();
    Long generation = record.getMetadata().getGeneration();
    AtomicBoolean waited = new AtomicBoolean();
    HostedClusterLocks.Lock lock = work.lock(hostedCluster, record.getKind() + " " + ns + "/" + name, holder -> {
      waited.set(true);
      Instant now = clock.instant();
      records.updateStatus(ns, name, s -> Conditions.set(conditions.apply(s), Conditions.WAITING, Conditions.TRUE,
          REASON_BUSY, "Waiting for " + holder + " to finish with " + hostedCluster, generation, now));
    });
    if (waited.get()) {
      Instant now = clock.instant();
      try {
        records.updateStatus(ns, name, s -> Conditions.set(conditions.apply(s), Conditions.WAITING, Conditions.FALSE,
            REASON_ACQUIRED, hostedCluster + " is free; the work runs", generation, now));
      } catch (RuntimeException e) {
        // the note is best effort; the work itself goes on
      }
    }
    return lock;
  }
}
