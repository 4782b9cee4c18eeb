package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterRestoreStatus {
  public Long observedGeneration;
  public Phase phase;
  public String startedAt;
  public String completedAt;
  public Verification verification;
  public List<Condition> conditions = new ArrayList<>();

  public enum Phase { New, InProgress, Completed, Failed }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Verification {
    public Long etcdRevision;
    public Long keys;
    public Boolean matchesBackup;
  }
}
