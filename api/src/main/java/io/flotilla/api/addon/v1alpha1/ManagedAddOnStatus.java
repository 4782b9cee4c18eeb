package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedAddOnStatus {
  public Long observedGeneration;
  @JsonPropertyDescription("The version the hub wants on this cluster; written by the hub only.")
  public String desiredVersion;
  public String currentVersion;
  public String previousVersion;
  public String lastKnownGoodVersion;
  public Operation operation;
  @JsonPropertyDescription("The most recent operations, newest first, bounded.")
  public List<Operation> history = new ArrayList<>();
  public List<Condition> conditions = new ArrayList<>();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Operation {
    public Type type;
    public Phase phase;
    public String fromVersion;
    public String toVersion;
    public String startedAt;
    public String completedAt;
    public String message;
  }

  public enum Type { Install, Upgrade, Rollback }

  public enum Phase { InProgress, Succeeded, Failed }
}
