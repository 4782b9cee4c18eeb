package io.flotilla.agent.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Seals {@code manifest.json}: HMAC-SHA256, under a key derived from the KEK the manifest's {@code keyId} names (HKDF,
 * see {@link KeyEncryptionKey}), over the canonical form of every other field. That binds what a restore trusts: the
 * cluster, the hosted cluster, the backup's name, the writer's UID, the wrapped data key, and each object's name, sizes
 * and SHA-256. A MAC rather than an AEAD over the manifest because the manifest must stay readable without any key:
 * {@code flotilla backup sync} imports backups from the bucket with only the store's credentials.
 *
 * <p>Canonical form: the manifest as JSON, {@code seal} removed, nulls omitted (so a field added later, absent from
 * older manifests, does not change their form), object keys sorted, no whitespace, UTF-8, after a domain label.
 */
public final class ManifestSeal {
  public static final String ALGORITHM = "HMAC-SHA256/HKDF-SHA256(kek, \"flotilla:manifest-seal:v1\")";
  private static final byte[] LABEL = "flotilla manifest seal v1\n".getBytes(StandardCharsets.UTF_8);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestSeal() {}

  /** {@code manifest} sealed under {@code kek}, which must be the key its {@code keyId} names. */
  public static BackupManifest seal(BackupManifest manifest, KeyEncryptionKey kek) {
    if (!Objects.equals(manifest.keyId(), kek.keyId())) {
      throw new IllegalArgumentException("a manifest naming key '" + manifest.keyId() + "' cannot be sealed under '"
          + kek.keyId() + "'");
    }
    return manifest.withSeal(new BackupManifest.Seal(ALGORITHM,
        Base64.getEncoder().encodeToString(kek.seal(canonical(manifest)))));
  }

  /**
   * @throws IntegrityException when the manifest carries no seal, one of another algorithm, or one that does not
   *                            match its content under {@code kek}
   */
  public static void verify(BackupManifest manifest, KeyEncryptionKey kek) throws IntegrityException {
    BackupManifest.Seal seal = manifest.seal();
    if (seal == null || seal.mac() == null) {
      throw new IntegrityException("manifest.json carries no seal");
    }
    if (!ALGORITHM.equals(seal.algorithm())) {
      throw new IntegrityException("manifest.json is sealed with '" + seal.algorithm() + "', which this agent does not "
          + "know");
    }
    byte[] claimed;
    try {
      claimed = Base64.getDecoder().decode(seal.mac());
    } catch (IllegalArgumentException e) {
      throw new IntegrityException("manifest.json's seal is not base64");
    }
    if (!MessageDigest.isEqual(claimed, kek.seal(canonical(manifest)))) {
      throw new IntegrityException("manifest.json does not match its seal under key '" + kek.keyId() + "': it was "
          + "altered after it was written");
    }
  }

  /** The bytes the seal covers. */
  static byte[] canonical(BackupManifest manifest) {
    ObjectNode tree = JSON.valueToTree(manifest);
    tree.remove("seal");
    try {
      byte[] body = JSON.writeValueAsBytes(sorted(tree));
      byte[] all = new byte[LABEL.length + body.length];
      System.arraycopy(LABEL, 0, all, 0, LABEL.length);
      System.arraycopy(body, 0, all, LABEL.length, body.length);
      return all;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise manifest", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        JsonNode value = node.get(name);
        if (value != null && !value.isNull()) {
          out.set(name, sorted(value));
        }
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(v -> out.add(sorted(v)));
      return out;
    }
    return node;
  }
}
