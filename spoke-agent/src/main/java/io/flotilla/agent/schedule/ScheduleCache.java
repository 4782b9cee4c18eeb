package io.flotilla.agent.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The agent's copy of its cluster's effective backup schedule, so that schedules go on while the hub is down (docs/architecture.md,
 * Topology): the hub writes the ConfigMap {@value EffectiveBackupSchedule#CONFIG_MAP_NAME} in the cluster namespace;
 * this class watches it and keeps the same payload in a ConfigMap of the same name in the agent's namespace on the
 * spoke, which an agent restarted without a hub starts from. That local ConfigMap also holds the runner's last-run
 * times ({@value #LAST_RUNS_KEY}), so a restart neither repeats a run nor forgets one.
 *
 * <p>Only a hub answer changes the copy: an unreachable hub leaves it as it was; a deleted hub ConfigMap means "no
 * schedule" and empties it; an unreadable payload is refused and the last good one kept.
 */
public final class ScheduleCache implements AutoCloseable {
  /** In the local ConfigMap: last-run time per policy and hosted cluster (RFC 3339, by {@link SchedulePlanner#key}). */
  public static final String LAST_RUNS_KEY = "last-runs.json";

  private static final Logger log = LoggerFactory.getLogger(ScheduleCache.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final String cluster;
  private final String namespace;
  private volatile EffectiveBackupSchedule schedule;
  private volatile boolean hasCopy;
  private volatile boolean ready;
  private volatile String refusedPayload;
  /** Hub answers are applied one at a time (informer events and the first-list check). */
  private final Object hubAnswers = new Object();
  private SharedIndexInformer<ConfigMap> informer;

  /**
   * @param cluster   this cluster's name on the hub (its cluster namespace)
   * @param namespace the agent's namespace on the spoke, where the copy lives
   */
  public ScheduleCache(KubernetesClient hub, KubernetesClient local, String cluster, String namespace) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.local = Objects.requireNonNull(local, "local");
    this.cluster = Objects.requireNonNull(cluster, "cluster");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.schedule = empty(cluster);
  }

  /** Loads the local copy, then follows the hub's ConfigMap; needs no hub to return, and keeps retrying it. */
  public synchronized void start() {
    loadLocalCopy();
    informer = hub.configMaps().inNamespace(cluster).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
        .runnableInformer(0);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        fromHub(cm);
      }

      @Override
      public void onUpdate(ConfigMap old, ConfigMap cm) {
        fromHub(cm);
      }

      @Override
      public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
        fromHub(null);
      }
    });
    // keep retrying a hub that is down now, including before the first list succeeded
    informer.exceptionHandler((started, t) -> {
      log.debug("schedule watch on the hub: {}", t.getMessage());
      return true;
    });
    // The first answer may be "no ConfigMap": no event says so, and the local copy must not outlive it.
    SharedIndexInformer<ConfigMap> started = informer;
    informer.start().thenRun(() -> {
      synchronized (hubAnswers) {
        if (started.getStore().list().isEmpty()) {
          fromHub(null);
        }
      }
    });
  }

  /** The schedule in force: the hub's latest, or the local copy while the hub has not answered. */
  public EffectiveBackupSchedule schedule() {
    return schedule;
  }

  /**
   * Whether {@link #schedule()} is an answer (the hub's, or the local copy of an earlier one) rather than the empty
   * placeholder of a start that has neither yet: the runner must not forget its last-run times over a placeholder.
   */
  public boolean ready() {
    return ready;
  }

  /** Whether the spoke holds a schedule copy from an earlier hub answer (this process's or a previous one's). */
  public boolean hasLocalCopy() {
    return hasCopy;
  }

  /**
   * Whether the spoke holds a schedule copy, in one attempt without retries: for an agent that cannot reach the hub
   * at start, to decide quickly whether it has backups to run. False when the spoke's API does not answer either.
   */
  public static boolean localCopyExists(KubernetesClient local, String namespace) {
    Config once = new ConfigBuilder(local.getConfiguration()).withRequestRetryBackoffLimit(0).build();
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(once).build()) {
      ConfigMap cm = probe.configMaps().inNamespace(namespace).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get();
      return cm != null && cm.getData() != null && cm.getData().containsKey(EffectiveBackupSchedule.DATA_KEY);
    } catch (KubernetesClientException e) {
      return false;
    }
  }

  /** Last-run times from the local copy; empty when none were written. */
  public Map<String, Instant> lastRuns() {
    ConfigMap cm = local.configMaps().inNamespace(namespace).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get();
    String json = cm == null || cm.getData() == null ? null : cm.getData().get(LAST_RUNS_KEY);
    Map<String, Instant> out = new LinkedHashMap<>();
    if (json == null) {
      return out;
    }
    try {
      Map<String, String> raw = JSON.readValue(json, new TypeReference<Map<String, String>>() { });
      raw.forEach((k, v) -> out.put(k, Time.parse(v)));
    } catch (JsonProcessingException | java.time.DateTimeException e) {
      log.warn("the local last-run times in {}/{} are unreadable; every policy starts counting from now",
          namespace, EffectiveBackupSchedule.CONFIG_MAP_NAME);
    }
    return out;
  }

  public void saveLastRuns(Map<String, Instant> lastRuns) {
    Map<String, String> raw = new TreeMap<>();
    lastRuns.forEach((k, v) -> raw.put(k, Time.format(v)));
    writeLocal(LAST_RUNS_KEY, json(raw));
  }

  /** Applies the hub's ConfigMap (null: deleted). Visible for tests. */
  void fromHub(ConfigMap cm) {
    synchronized (hubAnswers) {
      apply(cm);
    }
  }

  private void apply(ConfigMap cm) {
    String payload = cm == null || cm.getData() == null ? null : cm.getData().get(EffectiveBackupSchedule.DATA_KEY);
    EffectiveBackupSchedule next;
    if (payload == null) {
      next = empty(cluster);
      payload = json(next);
      if (cm != null) {
        log.warn("hub ConfigMap {}/{} has no {}: running no scheduled backups", cluster,
            EffectiveBackupSchedule.CONFIG_MAP_NAME, EffectiveBackupSchedule.DATA_KEY);
      }
    } else {
      try {
        next = parse(payload);
        refusedPayload = null;
      } catch (JsonProcessingException e) {
        if (!payload.equals(refusedPayload)) {
          refusedPayload = payload;
          log.warn("hub ConfigMap {}/{} holds an unreadable schedule; keeping the previous one: {}", cluster,
              EffectiveBackupSchedule.CONFIG_MAP_NAME, e.getOriginalMessage());
        }
        return;
      }
    }
    boolean changed = !json(next).equals(json(schedule));
    schedule = next;
    ready = true;
    try {
      writeLocal(EffectiveBackupSchedule.DATA_KEY, payload);
      hasCopy = true;
    } catch (KubernetesClientException e) {
      log.warn("could not save the backup schedule on this cluster (the running copy is current): {}", e.getMessage());
    }
    if (changed) {
      log.info("backup schedule from the hub: {} entries", next.entries == null ? 0 : next.entries.size());
    }
  }

  private void loadLocalCopy() {
    ConfigMap cm;
    try {
      cm = local.configMaps().inNamespace(namespace).withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get();
    } catch (KubernetesClientException e) {
      log.warn("cannot read the local backup schedule copy: {}", e.getMessage());
      return;
    }
    String payload = cm == null || cm.getData() == null ? null : cm.getData().get(EffectiveBackupSchedule.DATA_KEY);
    if (payload == null) {
      return;
    }
    try {
      schedule = parse(payload);
      hasCopy = true;
      ready = true;
      log.info("backup schedule from the local copy: {} entries", schedule.entries == null ? 0 : schedule.entries.size());
    } catch (JsonProcessingException e) {
      log.warn("the local backup schedule copy is unreadable; waiting for the hub: {}", e.getOriginalMessage());
    }
  }

  /** One data key of the local ConfigMap: a JSON merge patch of that key (other keys untouched), creating it if absent. */
  private void writeLocal(String key, String value) {
    var cms = local.configMaps().inNamespace(namespace);
    for (int attempt = 0; attempt < 3; attempt++) {
      if (cms.withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).get() == null) {
        try {
          cms.resource(new ConfigMapBuilder().withNewMetadata().withName(EffectiveBackupSchedule.CONFIG_MAP_NAME)
              .withNamespace(namespace).endMetadata().addToData(key, value).build()).create();
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
          continue; // created meanwhile by the other writer: patch it
        }
      }
      try {
        cms.withName(EffectiveBackupSchedule.CONFIG_MAP_NAME).patch(PatchContext.of(PatchType.JSON_MERGE),
            json(Map.of("data", Map.of(key, value))));
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    throw new IllegalStateException("could not write " + key + " to " + namespace + "/"
        + EffectiveBackupSchedule.CONFIG_MAP_NAME);
  }

  static EffectiveBackupSchedule parse(String payload) throws JsonProcessingException {
    EffectiveBackupSchedule s = JSON.readValue(payload, EffectiveBackupSchedule.class);
    if (s == null) {
      throw new JsonProcessingException("empty schedule") { };
    }
    if (s.entries == null) {
      s.entries = new java.util.ArrayList<>();
    }
    return s;
  }

  private static EffectiveBackupSchedule empty(String cluster) {
    EffectiveBackupSchedule s = new EffectiveBackupSchedule();
    s.cluster = cluster;
    return s;
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
  }
}
