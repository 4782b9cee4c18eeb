package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.flotilla.api.common.NamespacedName;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.endpoint) || !self.endpoint.startsWith('http://') || (has(self.insecureEndpoint) && self.insecureEndpoint)",
    message = "a plain-http endpoint needs insecureEndpoint: true")
@ValidationRule(value = "!has(self.encryption) || !has(self.encryption.type) || self.encryption.type != 'None' || (has(self.allowUnencrypted) && self.allowUnencrypted)",
    message = "encryption.type None needs allowUnencrypted: true")
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

  @JsonPropertyDescription("Allow a plain-http endpoint (credentials and snapshots unprotected on the wire). Without it an http endpoint is refused by the webhook and by every agent.")
  public Boolean insecureEndpoint;

  @JsonPropertyDescription("Allow encryption.type None (etcd snapshots, with every Secret of the hosted cluster, in plain text in the bucket). Without it such a store is refused by the webhook and by every agent.")
  public Boolean allowUnencrypted;

  @Required
  @JsonPropertyDescription("Secret on each spoke, in the agent's namespace, with keys accessKeyId and secretAccessKey. It never leaves the spoke; a Secret in another namespace is refused.")
  public NamespacedName credentialsSecret;

  public Encryption encryption = new Encryption();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.type != 'AES256GCM' || has(self.keySecret)", message = "AES256GCM needs keySecret")
  @ValidationRule(value = "self.type != 'SSEKMS' || has(self.kmsKeyId)", message = "SSEKMS needs kmsKeyId")
  public static class Encryption {
    @Default("AES256GCM")
    public Type type = Type.AES256GCM;
    @JsonPropertyDescription("Secret on each spoke holding the store's key ring: 32-byte keys under 'key-<id>' and "
        + "the id new backups use under 'active' (or, as before rings, one key under 'key' with its id under 'keyId'). "
        + "Keys that wrapped older backups stay in it. It never leaves the spoke.")
    public NamespacedName keySecret;
    public String kmsKeyId;

    @JsonPropertyDescription("Id of the key every agent writes new backups under (flotilla store rotate-key sets it). "
        + "Unset: the key Secret's 'active' entry, else its 'keyId'. Restores and verifications use the key each "
        + "backup names, active or retired.")
    @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
    public String activeKeyId;

    @JsonPropertyDescription("Where an agent whose key Secret lacks activeKeyId gets it. Generated: from the bucket "
        + "(_keyring/<id>.json, wrapped under the key it replaced), where the first agent that needed it put it after "
        + "generating it. Provided (the default): only from the key Secret, where your secret distribution puts "
        + "key-<id>; nothing is generated.")
    public KeySource activeKeySource;

    public enum Type { None, AES256GCM, SSEKMS }

    public enum KeySource { Generated, Provided }
  }
}
