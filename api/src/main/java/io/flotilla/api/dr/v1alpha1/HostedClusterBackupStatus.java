package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterBackupStatus {
  public Long observedGeneration;
  public Phase phase;
  public String startedAt;
  public String completedAt;
  public String pausedAt;
  public String resumedAt;
  @JsonPropertyDescription("How long the hosted cluster was paused, with millisecond precision (pausedAt/resumedAt have whole seconds), e.g. 1.234s.")
  public String pauseWindow;
  public Location location;
  public Snapshot snapshot;
  public Progress progress;
  public Verification verification;
  @JsonPropertyDescription("Id of the store key the backup's data key is wrapped under (client-side encryption only): "
      + "restores need that key in the spoke's key Secret. An id, never a key.")
  public String keyId;
  public Rewrap rewrap;
  @JsonPropertyDescription("The agent that ran the backup; a restart of another agent id marks an InProgress backup as interrupted.")
  public String executor;
  public List<Condition> conditions = new ArrayList<>();

  public enum Phase { New, InProgress, Completed, Failed }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Location {
    public String bucket;
    public String keyPrefix;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Snapshot {
    public Long rawBytes;
    public Long storedBytes;
    public String sha256;
    public Long etcdRevision;
    public Long keys;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Progress {
    @JsonPropertyDescription("Raw snapshot bytes read from etcd and sent through the pipeline so far.")
    public Long bytesDone;
    @JsonPropertyDescription("etcd's database size when the snapshot started: the expected raw snapshot size.")
    public Long bytesTotal;
    @JsonPropertyDescription("Current step: Preflight, Pausing, Snapshot, Resources, Resuming, Committing.")
    public String step;
  }

  /** Result of the last verification: the stored objects downloaded, decrypted, decompressed and checked. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Verification {
    @JsonPropertyDescription("The verify-requested annotation value this result answers.")
    public String request;
    public String verifiedAt;
    public Boolean passed;
    public Boolean sha256Matches;
    @JsonPropertyDescription("Revision reported by etcdctl snapshot status on the restored bytes.")
    public Long etcdRevision;
    @JsonPropertyDescription("Total keys (all revisions) reported by etcdctl snapshot status.")
    public Long totalKeys;
    public String message;
    @JsonPropertyDescription("The restore drill, when the request asked for one (a verify-requested value starting"
        + " with restore:).")
    public RestoreDrill drill;
  }

  /**
   * A restore drill: the snapshot restored with {@code etcdctl snapshot restore} into a scratch data directory, that
   * etcd started on loopback, and what it holds at the backup's revision compared with the manifest.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RestoreDrill {
    @JsonPropertyDescription("The tool that restored the snapshot, e.g. etcdctl 3.4.23.")
    public String tool;
    @JsonPropertyDescription("The restored etcd's revision (the snapshot's; a restore does not change it).")
    public Long etcdRevision;
    @JsonPropertyDescription("Live keys of the restored etcd at the backup's revision.")
    public Long keys;
    @JsonPropertyDescription("The restored etcd reaches the revision the manifest records.")
    public Boolean revisionMatches;
    @JsonPropertyDescription("Its live key count at that revision equals the manifest's.")
    public Boolean keysMatch;
    @JsonPropertyDescription("Its HashKV at that revision equals the manifest's; absent when the manifest has no hash"
        + " or was hashed over another compaction.")
    public Boolean hashMatches;
    @JsonPropertyDescription("How long etcdctl snapshot restore took, e.g. 1.234s.")
    public String restoreDuration;
    @JsonPropertyDescription("The whole drill: download, decrypt, checks, restore, start, compare, stop, e.g. 4.567s.")
    public String duration;
  }

  /** Result of the last rewrap: the data key wrapped under the store's active key, the manifest sealed again. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Rewrap {
    @JsonPropertyDescription("The rewrap-requested annotation value this result answers.")
    public String request;
    public String rewrappedAt;
    public Boolean passed;
    @JsonPropertyDescription("Key id the data key was wrapped under before.")
    public String fromKeyId;
    @JsonPropertyDescription("Key id it is wrapped under now.")
    public String toKeyId;
    public String message;
  }
}
