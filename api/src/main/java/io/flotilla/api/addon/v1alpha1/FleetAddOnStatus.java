package io.flotilla.api.addon.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FleetAddOnStatus {
  public Long observedGeneration;
  public Integer total;
  public Integer succeeded;
  public Integer progressing;
  public Integer failed;
  public Integer pinned;
  public Integer unknown;
  public String lastKnownGoodVersion;
  public List<GroupProgress> groups = new ArrayList<>();
  public List<Condition> conditions = new ArrayList<>();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class GroupProgress {
    public String name;
    public Integer total;
    public Integer succeeded;
    public Integer progressing;
    public Integer failed;
  }
}
