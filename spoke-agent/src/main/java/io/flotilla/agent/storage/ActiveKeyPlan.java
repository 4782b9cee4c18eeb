package io.flotilla.agent.storage;

import io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.KeySource;

/**
 * Which key a new backup (or a rewrap) is written under on this spoke, and what the agent must do to have it. The
 * store's {@code spec.encryption.activeKeyId} decides when set (one active key for the whole fleet); else the key
 * Secret's own {@code active} / {@code keyId}.
 *
 * @param keyId     the active key's id (null when {@link Step#REFUSE} and none could be named)
 * @param step      what to do
 * @param wrapUnder for {@link Step#OBTAIN_OR_GENERATE}: the key a generated key is wrapped under in the bucket, the
 *                  one it replaces on this spoke, which the other spokes hold
 * @param problem   for {@link Step#REFUSE}: why, naming ids only
 */
public record ActiveKeyPlan(String keyId, Step step, String wrapUnder, String problem) {
  public enum Step {
    /** The ring holds it. */
    USE,
    /** Take it from the bucket's copy ({@link KeyEnvelope}), which another agent generated; none there: refuse. */
    OBTAIN,
    /** As {@link #OBTAIN}; with no copy there yet, generate it here and store the copy. */
    OBTAIN_OR_GENERATE,
    REFUSE
  }

  public static ActiveKeyPlan decide(String storeActiveKeyId, KeySource source, KeyRing ring) {
    String id = storeActiveKeyId != null ? storeActiveKeyId : ring.secretActiveId().orElse(null);
    if (id == null) {
      return new ActiveKeyPlan(null, Step.REFUSE, null, ring.where() + " names no active key: add 'active' with the "
          + "id of one of its keys (it holds " + ring.describeIds() + "), or set the store's "
          + "spec.encryption.activeKeyId");
    }
    if (ring.holds(id)) {
      return new ActiveKeyPlan(id, Step.USE, null, null);
    }
    if (storeActiveKeyId == null) {
      // the Secret names a key it does not hold (or holds broken): nothing to fetch, the Secret must be fixed
      try {
        ring.key(id);
      } catch (WrongKeyException e) {
        return new ActiveKeyPlan(id, Step.REFUSE, null, e.getMessage());
      }
    }
    if (source != KeySource.Generated) {
      return new ActiveKeyPlan(id, Step.OBTAIN, null, null);
    }
    String under = ring.secretActiveId().filter(ring::holds).orElse(null);
    if (under == null) {
      return new ActiveKeyPlan(id, Step.OBTAIN, null, null);
    }
    return new ActiveKeyPlan(id, Step.OBTAIN_OR_GENERATE, under, null);
  }
}
