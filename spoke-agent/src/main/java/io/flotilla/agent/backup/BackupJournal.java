package io.flotilla.agent.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.hostedcluster.PausePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a running backup has changed on this management cluster, kept on the spoke (a ConfigMap in the agent's
 * namespace) so that an agent that dies mid-backup can undo it on restart, without the hub (docs/architecture.md, flow 2, issue 3
 * "crash safety"). Written before the first change and after each one; deleted once everything is undone.
 */
public final class BackupJournal {
  public static final String LABEL = "dr.flotilla.io/backup-journal";
  private static final String DATA_KEY = "journal.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient local;
  private final String namespace;

  public BackupJournal(KubernetesClient local, String namespace) {
    this.local = Objects.requireNonNull(local);
    this.namespace = Objects.requireNonNull(namespace);
  }

  /**
   * One backup's undo record.
   *
   * @param hubNamespace,backup the HostedClusterBackup on the hub
   * @param pauseDeadline       the deadline we wrote (null before pausing)
   * @param previousPause       object key → pausedUntil to restore (null value = remove the field)
   * @param controlPlaneNamespace where the API servers were quiesced
   * @param previousReplicas    API-server deployment → replicas to restore
   * @param store               BackupStore name, to abort the dangling upload
   * @param folder              the backup's folder in the bucket
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Entry(String hubNamespace, String backup, String hostedClusterNamespace, String hostedClusterName,
      String pauseDeadline, Map<String, String> previousPause, String controlPlaneNamespace,
      Map<String, Integer> previousReplicas, String store, String folder) {

    public static Entry start(String hubNamespace, String backup, String hcNamespace, String hcName, String store,
        String folder) {
      return new Entry(hubNamespace, backup, hcNamespace, hcName, null, Map.of(), null, Map.of(), store, folder);
    }

    public Entry paused(PausePlan plan) {
      return new Entry(hubNamespace, backup, hostedClusterNamespace, hostedClusterName, plan.deadline(),
          new LinkedHashMap<>(plan.previous()), controlPlaneNamespace, previousReplicas, store, folder);
    }

    public Entry quiesced(String cpNamespace, Map<String, Integer> replicas) {
      return new Entry(hubNamespace, backup, hostedClusterNamespace, hostedClusterName, pauseDeadline, previousPause,
          cpNamespace, new LinkedHashMap<>(replicas), store, folder);
    }

    /** After the resume: nothing left to undo on the cluster, only the bucket to tidy should the process die now. */
    public Entry resumed() {
      return new Entry(hubNamespace, backup, hostedClusterNamespace, hostedClusterName, null, Map.of(), null, Map.of(),
          store, folder);
    }

    /** The pause to undo, if this backup paused anything. */
    public java.util.Optional<PausePlan> pausePlan() {
      return pauseDeadline == null ? java.util.Optional.empty()
          : java.util.Optional.of(new PausePlan(pauseDeadline, previousPause == null ? Map.of() : previousPause));
    }
  }

  public void write(Entry entry) {
    String json;
    try {
      json = JSON.writeValueAsString(entry);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the backup journal", e);
    }
    String name = name(entry.hubNamespace(), entry.backup());
    ConfigMap existing = local.configMaps().inNamespace(namespace).withName(name).get();
    if (existing == null) {
      local.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
          .withNamespace(namespace).addToLabels(LABEL, "true").endMetadata().addToData(DATA_KEY, json).build()).create();
    } else {
      local.configMaps().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"data\":{\"" + DATA_KEY + "\":" + quote(json) + "}}");
    }
  }

  public void remove(String hubNamespace, String backup) {
    local.configMaps().inNamespace(namespace).withName(name(hubNamespace, backup)).delete();
  }

  /** Every entry left by backups that did not finish, oldest name first. */
  public List<Entry> entries() {
    List<Entry> entries = new ArrayList<>();
    for (ConfigMap cm : local.configMaps().inNamespace(namespace).withLabel(LABEL, "true").list().getItems()) {
      String json = cm.getData() == null ? null : cm.getData().get(DATA_KEY);
      if (json == null) {
        continue;
      }
      try {
        entries.add(JSON.readValue(json, Entry.class));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("backup journal " + cm.getMetadata().getName() + " is unreadable", e);
      }
    }
    entries.sort(java.util.Comparator.comparing(e -> e.hubNamespace() + "/" + e.backup()));
    return entries;
  }

  static String name(String hubNamespace, String backup) {
    String n = "flotilla-backup-" + hubNamespace + "-" + backup;
    return n.length() <= 253 ? n : n.substring(0, 253);
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
