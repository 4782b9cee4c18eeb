package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.storage.ActiveKeyPlan;
import io.flotilla.agent.storage.AuthenticatedManifest;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.KeyEnvelope;
import io.flotilla.agent.storage.KeyRing;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One store's keys on this spoke: its {@link KeyRing} (the key Secret), completed from the bucket's copies of rotated
 * keys ({@link KeyEnvelope}) when the Secret lacks one. A key taken from the bucket, or generated here for a rotation,
 * is added to the Secret, so the ring on each spoke ends up holding every key its backups need; keys only ever move
 * between the Secret and this process, or through the bucket wrapped under a key every spoke of the store holds.
 * Messages and logs name key ids, never keys.
 */
public final class StoreKeys implements AuthenticatedManifest.Keys {
  private static final Logger log = LoggerFactory.getLogger(StoreKeys.class);
  /** More than any real chain of rotations a spoke missed; stops a cycle of envelopes. */
  private static final int MAX_CHAIN = 32;

  private final KubernetesClient local;
  private final String storeName;
  private final BackupStoreSpec spec;
  private final BackupCatalog catalog;
  private final String cluster;
  private final Clock clock;
  private final NamespacedName secretRef;
  private KeyRing ring;

  StoreKeys(KubernetesClient local, String storeName, BackupStoreSpec spec, BackupCatalog catalog, String cluster,
      Clock clock) {
    this.local = local;
    this.storeName = storeName;
    this.spec = spec;
    this.catalog = catalog;
    this.cluster = cluster;
    this.clock = clock;
    this.secretRef = spec.encryption == null ? null : spec.encryption.keySecret;
  }

  /** The Secret, as messages name it. */
  public String where() {
    return secretRef == null ? "BackupStore " + storeName + " (names no keySecret)"
        : "key Secret " + secretRef.namespace + "/" + secretRef.name;
  }

  /** The ring as the Secret holds it now (read once, then kept up to date by this object's own additions). */
  public synchronized KeyRing ring() throws WrongKeyException {
    if (ring == null) {
      if (secretRef == null || secretRef.namespace == null || secretRef.name == null) {
        throw new WrongKeyException("BackupStore " + storeName + " names no encryption.keySecret");
      }
      Secret secret = local.secrets().inNamespace(secretRef.namespace).withName(secretRef.name).get();
      if (secret == null) {
        throw new WrongKeyException(where() + " of BackupStore " + storeName + " does not exist on this cluster");
      }
      ring = KeyRing.fromSecretData(secret.getData(), where());
    }
    return ring;
  }

  /**
   * The key new backups are written under ({@link ActiveKeyPlan}): from the ring, else from the bucket, else — when
   * the store's rotation asks for a generated key — generated here, its copy stored in the bucket for the others.
   *
   * @throws WrongKeyException naming the id, when this spoke cannot have it
   */
  public KeyEncryptionKey active() throws WrongKeyException {
    KeyRing r = ring();
    BackupStoreSpec.Encryption enc = spec.encryption;
    ActiveKeyPlan plan = ActiveKeyPlan.decide(enc == null ? null : enc.activeKeyId,
        enc == null ? null : enc.activeKeySource, r);
    switch (plan.step()) {
      case REFUSE -> throw new WrongKeyException(plan.problem());
      case USE -> {
        if (enc != null && enc.activeKeyId != null && !enc.activeKeyId.equals(r.secretActiveId().orElse(null))) {
          patch(KeyRing.activeEntry(plan.keyId()), "now names '" + plan.keyId() + "' active");
        }
        return r.key(plan.keyId());
      }
      case OBTAIN -> {
        return fromBucket(plan.keyId(), true, new HashSet<>()).orElseThrow(() -> new WrongKeyException(
            "the store's active key '" + plan.keyId() + "' is not in " + where() + " on this cluster (it holds "
                + r.describeIds() + ") and the bucket holds no copy of it ("
                + BackupLayout.keyEnvelopeKey(spec.prefix, plan.keyId()) + "): add it to the Secret as '"
                + KeyRing.ENTRY_PREFIX + plan.keyId() + "', as on the other spokes"));
      }
      case OBTAIN_OR_GENERATE -> {
        Optional<KeyEncryptionKey> fetched = fromBucket(plan.keyId(), true, new HashSet<>());
        return fetched.isPresent() ? fetched.get() : generate(plan.keyId(), r.key(plan.wrapUnder()));
      }
      default -> throw new IllegalStateException(plan.step().name());
    }
  }

  /**
   * The key {@code keyId} for reading a backup it wrapped: the ring's, else the bucket's copy, which is added to the
   * ring.
   *
   * @throws WrongKeyException naming the id and what the ring holds
   */
  @Override
  public KeyEncryptionKey key(String keyId) throws WrongKeyException {
    KeyRing r = ring();
    if (r.holds(keyId)) {
      return r.key(keyId);
    }
    Optional<KeyEncryptionKey> fetched = fromBucket(keyId, false, new HashSet<>());
    if (fetched.isPresent()) {
      return fetched.get();
    }
    throw new WrongKeyException("the backup was written under key '" + keyId + "', which is not in " + where()
        + " on this cluster (it holds " + r.describeIds() + "), nor in the bucket's copies of rotated keys: add it "
        + "to the Secret as '" + KeyRing.ENTRY_PREFIX + keyId + "' (keys stay in the ring after rotation for this)");
  }

  private Optional<KeyEncryptionKey> fromBucket(String keyId, boolean makeActive, Set<String> seen)
      throws WrongKeyException {
    if (!KeyRing.KEY_ID.matcher(keyId).matches() || !seen.add(keyId) || seen.size() > MAX_CHAIN) {
      return Optional.empty();
    }
    Optional<KeyEnvelope> envelope;
    try {
      envelope = catalog.keyEnvelope(spec.prefix, keyId);
    } catch (IOException | SdkException e) {
      throw new WrongKeyException("cannot read the bucket's copy of key '" + keyId + "': "
          + StoreConnector.firstLine(e.getMessage()));
    }
    if (envelope.isEmpty()) {
      return Optional.empty();
    }
    String under = envelope.get().wrappedUnder();
    KeyEncryptionKey wrapping;
    if (ring().holds(under)) {
      wrapping = ring().key(under);
    } else {
      wrapping = fromBucket(under, false, seen).orElseThrow(() -> new WrongKeyException("the bucket's copy of key '"
          + keyId + "' is wrapped under key '" + under + "', which is not in " + where() + " on this cluster (it "
          + "holds " + safeIds() + ")"));
    }
    return Optional.of(adopt(envelope.get().open(wrapping), makeActive, "from the bucket (wrapped under '" + under
        + "', stored by " + envelope.get().createdBy() + ")"));
  }

  private KeyEncryptionKey generate(String keyId, KeyEncryptionKey under) throws WrongKeyException {
    byte[] raw = KeyEncryptionKey.randomKeyBytes();
    try {
      KeyEnvelope mine = KeyEnvelope.wrap(keyId, raw, under, cluster, BackupManifest.time(clock.instant()));
      KeyEnvelope inForce;
      try {
        inForce = catalog.putKeyEnvelope(spec.prefix, mine);
      } catch (IOException | SdkException e) {
        throw new WrongKeyException("cannot store the new key '" + keyId + "' in the bucket for the other spokes: "
            + StoreConnector.firstLine(e.getMessage()));
      }
      boolean ours = inForce.wrappedKey().equals(mine.wrappedKey());
      KeyEncryptionKey wrapping = inForce.wrappedUnder().equals(under.keyId()) ? under : key(inForce.wrappedUnder());
      return adopt(inForce.open(wrapping), true, ours ? "generated on this cluster (its copy, wrapped under '"
          + under.keyId() + "', is in the bucket)" : "from the bucket: another cluster generated it first");
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  /** Adds an opened key to the Secret (and the ring), as active if asked; clears its bytes. */
  private KeyEncryptionKey adopt(KeyEnvelope.Opened opened, boolean makeActive, String how) throws WrongKeyException {
    try {
      Map<String, String> entries = new LinkedHashMap<>(KeyRing.entries(opened.kek().keyId(), opened.rawKey(),
          makeActive));
      patch(entries, "now holds key '" + opened.kek().keyId() + "' " + how + (makeActive ? ", active" : ""));
      return opened.kek();
    } finally {
      Arrays.fill(opened.rawKey(), (byte) 0);
    }
  }

  private synchronized void patch(Map<String, String> data, String logLine) throws WrongKeyException {
    try {
      // a merge patch of the data keys it names: idempotent, and the Secret's other entries stay as they are
      Secret patched = local.secrets().inNamespace(secretRef.namespace).withName(secretRef.name)
          .patch(PatchContext.of(PatchType.JSON_MERGE), local.getKubernetesSerialization().asJson(Map.of("data", data)));
      ring = KeyRing.fromSecretData(patched.getData(), where());
      log.info("store {}: {} {}", storeName, where(), logLine);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      throw new WrongKeyException("cannot update " + where() + " on this cluster: " + StoreConnector.firstLine(
          e.getMessage()));
    }
  }

  private String safeIds() {
    try {
      return ring().describeIds();
    } catch (WrongKeyException e) {
      return "nothing";
    }
  }

  @Override
  public String toString() {
    return "StoreKeys[" + storeName + ", " + where() + "]";
  }
}
