package io.flotilla.sandbox.etcd;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every etcd this JVM started, so a JVM shutdown hook can kill what a caller forgot to close: a sandbox must never
 * leave etcd processes (and their ports and data directories) behind.
 */
final class ProcessRegistry {
  private static final Map<Long, Process> RUNNING = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ProcessRegistry::killAll, "flotilla-etcd-reaper"));
  }

  private ProcessRegistry() {}

  static void register(Process process) { RUNNING.put(process.pid(), process); }

  static void unregister(Process process) { RUNNING.remove(process.pid()); }

  static Set<Long> pids() { return Set.copyOf(RUNNING.keySet()); }

  /** SIGTERM, a short grace period, then SIGKILL. */
  static void stop(Process process, long graceMillis) {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    unregister(process);
  }

  private static void killAll() {
    RUNNING.values().forEach(Process::destroy);
    RUNNING.values().forEach(p -> stop(p, 2_000));
  }
}
