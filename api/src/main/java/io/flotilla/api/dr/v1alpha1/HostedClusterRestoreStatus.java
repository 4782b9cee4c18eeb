package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterRestoreStatus {
  public Long observedGeneration;
  public Phase phase;
  public String startedAt;
  public String completedAt;
  @JsonPropertyDescription("The backup this restore used, as found in the bucket.")
  public Source source;
  @JsonPropertyDescription("Current step: Resolving, Verifying, Creating, Paused, Resuming, Restoring, WaitingForAvailable, VerifyingEtcd, Done, Failed.")
  public String step;
  public Verification verification;
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("When the agent took up the resume request of a restore created paused (spec.resume: false).")
  public String resumedAt;

  /**
   * Paused: the restore created its HostedCluster paused (spec.resume: false), so HyperShift starts no control plane;
   * it continues when asked ({@link HostedClusterRestore#RESUME_ANNOTATION}).
   */
  public enum Phase { New, InProgress, Paused, Completed, Failed }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Source {
    public String store;
    public String keyPrefix;
    public String backup;
    public String cluster;
    public Long etcdRevision;
    public Long keys;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Verification {
    public Long etcdRevision;
    public Long keys;
    public Boolean matchesBackup;
    @JsonPropertyDescription("The revision the restored etcd was compared with its backup at: the backup's, so writes the restored kube-apiserver made since do not count.")
    public Long atRevision;
    @JsonPropertyDescription("Whether etcd's HashKV at that revision equals the one recorded when the backup was taken; unset when the backup recorded none, or a compaction since makes them incomparable.")
    public Boolean hashMatches;
  }
}
