package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupPolicyStatus {
  public Long observedGeneration;
  public Integer compliant;
  public Integer total;
  public String oldestNewestBackupAge;
  public List<Condition> conditions = new ArrayList<>();
}
