package io.flotilla.sandbox.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap growth of this JVM while something runs, measured two ways, because "heap used" alone mostly measures how
 * much garbage the young generation may hold before a collection (a GC-tuning figure, not a property of the code):
 * <ul>
 *   <li><b>live</b>: the largest heap occupancy right after a collection during the run (what the run retained),
 *       from the collectors' own notifications;</li>
 *   <li><b>used</b>: the largest heap occupancy sampled every millisecond, garbage included.</li>
 * </ul>
 * Both relative to the occupancy after a full collection just before the run.
 */
final class HeapMeter implements AutoCloseable {
  private static final long SAMPLE_MILLIS = 1;

  /**
   * @param liveGrowthBytes when no collection ran during the run, the used growth: an upper bound, since what is live
   *     is never more than what is used ({@code collections} is then 0)
   */
  record Figures(long baselineBytes, long liveGrowthBytes, long usedGrowthBytes, int collections) {}

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Set<String> heapPools;
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onCollection;
  private final AtomicLong peakUsed = new AtomicLong();
  private final AtomicLong peakLive = new AtomicLong();
  private final AtomicInteger collections = new AtomicInteger();
  private volatile boolean running;
  private long baseline;
  private Thread sampler;

  HeapMeter() {
    List<String> pools = new ArrayList<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pools.add(pool.getName());
      }
    }
    heapPools = Set.copyOf(pools);
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        emitters.add(emitter);
      }
    }
  }

  /** Collects, takes the baseline and starts sampling. */
  void start() {
    // Twice: the first may only promote what the second then frees (G1 finishes reference processing late).
    System.gc();
    System.gc();
    baseline = memory.getHeapMemoryUsage().getUsed();
    peakUsed.set(baseline);
    peakLive.set(baseline);
    collections.set(0);
    running = true;
    sampler = new Thread(() -> {
      while (running) {
        peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(SAMPLE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  Figures stop() {
    running = false;
    try {
      sampler.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    peakUsed.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    long used = Math.max(0, peakUsed.get() - baseline);
    int gcs = collections.get();
    return new Figures(baseline, gcs == 0 ? used : Math.max(0, peakLive.get() - baseline), used, gcs);
  }

  private void onCollection(Notification notification, Object handback) {
    if (!running || !GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long after = 0;
    for (var entry : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(entry.getKey())) {
        MemoryUsage usage = entry.getValue();
        after += usage.getUsed();
      }
    }
    peakLive.accumulateAndGet(after, Math::max);
    collections.incrementAndGet();
  }

  @Override
  public void close() {
    running = false;
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (javax.management.ListenerNotFoundException ignored) {
        // already gone
      }
    }
  }
}
