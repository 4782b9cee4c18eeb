package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostedClusterPauseStatus {
  public Long observedGeneration;
  public Phase phase;
  public String pausedAt;
  public String releasedAt;
  @JsonPropertyDescription("Every value the hold changed, with what was there before; a release puts these back exactly.")
  public List<SavedValue> saved = new ArrayList<>();
  public List<Condition> conditions = new ArrayList<>();

  public enum Phase { Pausing, Paused, Releasing, Released, Failed }

  /** One field the hold changed. {@code value} null means the field (or annotation) was absent. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SavedValue {
    public String kind;
    public String namespace;
    public String name;
    @JsonPropertyDescription("spec.pausedUntil, spec.paused, spec.replicas or metadata.annotations[<key>].")
    public String field;
    public String value;

    public SavedValue() {}

    public SavedValue(String kind, String namespace, String name, String field, String value) {
      this.kind = kind;
      this.namespace = namespace;
      this.name = name;
      this.field = field;
      this.value = value;
    }
  }
}
