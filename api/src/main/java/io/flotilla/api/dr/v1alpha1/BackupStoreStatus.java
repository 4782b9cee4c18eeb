package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupStoreStatus {
  public Long observedGeneration;
  @JsonPropertyDescription("Id of the key new backups are written under (spec.encryption.activeKeyId); unset while "
      + "each spoke's key Secret decides. An id, never a key.")
  public String activeKeyId;
  @JsonPropertyDescription("When activeKeyId last changed, RFC 3339.")
  public String activeKeySince;
  @JsonPropertyDescription("Ids of the keys that were active before, oldest first: retired for new backups, kept in "
      + "each spoke's key Secret for restoring and verifying the backups they wrapped.")
  public List<String> retiredKeyIds;
  public List<Condition> conditions = new ArrayList<>();
}
