package io.flotilla.agent.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.util.Objects;

/**
 * {@code <prefix>/<cluster>/cluster-identity.json}: which cluster owns a cluster folder, written once by the first
 * backup there. A cluster name is only a label; {@code clusterUID} (the UID of the cluster's {@code kube-system}
 * namespace, or of the agent's namespace where there is none) tells two clusters registered under one name apart, as
 * ACM's backup-collision check tells two hubs apart by their cluster id. A backup from a cluster whose UID is not the
 * marker's is refused, and manifests whose writer is not the owner are never imported.
 */
@JsonPropertyOrder({"cluster", "clusterUID", "writtenAt"})
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClusterIdentity(String cluster, String clusterUID, String writtenAt) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public ClusterIdentity {
    Objects.requireNonNull(cluster, "cluster");
    if (clusterUID == null || clusterUID.isBlank()) {
      throw new IllegalArgumentException("cluster identity of " + cluster + " has no clusterUID");
    }
  }

  public boolean sameCluster(String uid) {
    return clusterUID.equals(uid);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise cluster identity", e);
    }
  }

  /** @throws IOException when the JSON is malformed or names no clusterUID */
  public static ClusterIdentity fromJson(byte[] json) throws IOException {
    try {
      return JSON.readValue(json, ClusterIdentity.class);
    } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
      throw new IOException(e.getCause() == null ? e.getMessage() : e.getCause().getMessage(), e);
    }
  }

  /**
   * Why a cluster may not back up into a folder this identity owns: names both UIDs and what to do. Safe to publish
   * (no credentials), used for the BackupLocationCollision condition and by {@code flotilla backup sync}.
   */
  public String collisionMessage(String location, String otherUid) {
    return "the backup folder " + location + " belongs to another cluster named " + cluster + " (cluster UID "
        + clusterUID + ", since " + writtenAt + "); this cluster's UID is " + otherUid + ". Two clusters under one "
        + "name would overwrite each other's backups, so nothing was paused or written. If the old " + cluster
        + " is gone for good, import its backups (flotilla backup sync) and then delete " + location
        + BackupLayout.IDENTITY
        + " so this cluster takes the folder over; otherwise register this cluster under another name";
  }
}
