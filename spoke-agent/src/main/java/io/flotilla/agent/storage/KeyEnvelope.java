package io.flotilla.agent.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code <prefix>/_keyring/<keyId>.json}: the bucket's copy of a key that an agent generated when the store's active
 * key was rotated ({@code flotilla store rotate-key}), encrypted (AES-256-GCM) under the key it replaced
 * ({@code wrappedUnder}), which every spoke of the store already holds. It is how the other spokes get the new key
 * without it ever leaving a spoke in the clear: each one opens it with a key of its own ring and adds it to its key
 * Secret. The first agent to write it wins (a conditional create); the others use its key.
 *
 * <p>What this does not do: whoever holds the replaced key and can read the bucket can open the new one. Rotation this
 * way bounds how long and how much one key protects; it does not recover from a leaked key (docs/runbooks/rotate-key.md,
 * "A leaked key").
 */
@JsonPropertyOrder({"keyId", "wrappedUnder", "wrappedKey", "createdBy", "createdAt"})
@JsonIgnoreProperties(ignoreUnknown = true)
public record KeyEnvelope(String keyId, String wrappedUnder, String wrappedKey, String createdBy, String createdAt) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** {@code rawKey} (the new key's bytes) wrapped under {@code under}. */
  public static KeyEnvelope wrap(String keyId, byte[] rawKey, KeyEncryptionKey under, String createdBy,
      String createdAt) {
    return new KeyEnvelope(keyId, under.keyId(), Base64.getEncoder().encodeToString(under.wrapKey(keyId, rawKey)),
        createdBy, createdAt);
  }

  /** An opened envelope: the key, and its bytes for the spoke's Secret (the caller clears them once written). */
  public record Opened(KeyEncryptionKey kek, byte[] rawKey) {
    @Override
    public String toString() {
      return "Opened[" + kek + "]";
    }
  }

  /**
   * The key, opened with {@code under} (the ring's key named {@link #wrappedUnder}).
   *
   * @throws WrongKeyException when it does not open, or holds no valid key
   */
  public Opened open(KeyEncryptionKey under) throws WrongKeyException {
    if (!under.keyId().equals(wrappedUnder)) {
      throw new IllegalArgumentException("envelope of '" + keyId + "' is wrapped under '" + wrappedUnder + "', not '"
          + under.keyId() + "'");
    }
    byte[] raw = under.unwrapKey(keyId, KeyEncryptionKey.decodeBase64(wrappedKey, "wrapped key of '" + keyId + "'"));
    try {
      return new Opened(KeyEncryptionKey.from(raw, keyId), raw);
    } catch (WrongKeyException e) {
      Arrays.fill(raw, (byte) 0);
      throw e;
    }
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise key envelope", e);
    }
  }

  public static KeyEnvelope fromJson(byte[] json) throws IOException {
    KeyEnvelope e = JSON.readValue(json, KeyEnvelope.class);
    if (e.keyId() == null || e.wrappedUnder() == null || e.wrappedKey() == null) {
      throw new IOException("key envelope lacks keyId, wrappedUnder or wrappedKey");
    }
    return e;
  }

  @Override
  public String toString() {
    return "KeyEnvelope[" + keyId + " under " + wrappedUnder + ", by " + createdBy + "]";
  }
}
