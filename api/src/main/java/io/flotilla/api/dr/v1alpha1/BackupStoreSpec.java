package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupStoreSpec {
  @Required @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
  public String bucket;

  @JsonPropertyDescription("Key prefix under which every backup is written.")
  @Pattern("^([^/].*[^/]|[^/])?$")
  public String prefix;

  @Default("us-east-1")
  public String region = "us-east-1";

  @JsonPropertyDescription("S3-compatible endpoint URL; empty means AWS S3.")
  @Pattern("^https?://.+$")
  public String endpoint;

  public Boolean forcePathStyle;

  @Required
  @JsonPropertyDescription("Secret on each spoke with keys accessKeyId and secretAccessKey. It never leaves the spoke.")
  public NamespacedName credentialsSecret;

  public Encryption encryption = new Encryption();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.type != 'AES256GCM' || has(self.keySecret)", message = "AES256GCM needs keySecret")
  @ValidationRule(value = "self.type != 'SSEKMS' || has(self.kmsKeyId)", message = "SSEKMS needs kmsKeyId")
  public static class Encryption {
    @Default("AES256GCM")
    public Type type = Type.AES256GCM;
    @JsonPropertyDescription("Secret on each spoke holding the key-encryption key (key 'key', 32 bytes) and its id (key 'keyId').")
    public NamespacedName keySecret;
    public String kmsKeyId;

    public enum Type { None, AES256GCM, SSEKMS }
  }
}
