package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
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
  public Location location;
  public Snapshot snapshot;
  public Progress progress;
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
    public Long bytesDone;
  }
}
