package io.flotilla.agent.storage;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A store's keys on one spoke: the key Secret ({@code BackupStore.spec.encryption.keySecret}) read as a ring.
 * <ul>
 *   <li>{@code key-<id>}: one 32-byte KEK per entry; every key that wrapped a backup still to be restored stays here
 *       (a retired key only stops being used for new backups);</li>
 *   <li>{@code active}: the id new backups are written under, unless the store names one
 *       ({@code spec.encryption.activeKeyId});</li>
 *   <li>{@code key} + {@code keyId}: the Secret as installations wrote it before rings, read as one more entry (and
 *       as the active one when there is no {@code active}). A Secret holding only these is a ring of one.</li>
 * </ul>
 * Values as Kubernetes stores them (base64 of the bytes). An entry that is malformed fails only when it is asked for,
 * so a broken retired key does not stop backups under the active one. Never holds or prints key bytes beyond the KEKs.
 */
public final class KeyRing {
  public static final String ACTIVE = "active";
  public static final String ENTRY_PREFIX = "key-";
  /** What a key id may be: it becomes part of a Secret data key ({@code key-<id>}) and of an object name. */
  public static final Pattern KEY_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");

  private final String where;
  private final SortedMap<String, KeyEncryptionKey> keys;
  private final Map<String, String> broken;
  private final String secretActive;

  private KeyRing(String where, SortedMap<String, KeyEncryptionKey> keys, Map<String, String> broken,
      String secretActive) {
    this.where = where;
    this.keys = keys;
    this.broken = broken;
    this.secretActive = secretActive;
  }

  /**
   * @param data  the Secret's {@code data}
   * @param where how messages name the Secret, e.g. {@code "Secret flotilla-agent/backup-key"}
   */
  public static KeyRing fromSecretData(Map<String, String> data, String where) {
    Map<String, String> d = data == null ? Map.of() : data;
    SortedMap<String, KeyEncryptionKey> keys = new TreeMap<>();
    Map<String, String> broken = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(d).entrySet()) {
      if (e.getKey().startsWith(ENTRY_PREFIX) && e.getKey().length() > ENTRY_PREFIX.length()) {
        load(e.getKey().substring(ENTRY_PREFIX.length()), e.getValue(), keys, broken);
      }
    }
    String legacyId = text(d.get(KeyEncryptionKey.SECRET_KEY_ID));
    if (d.containsKey(KeyEncryptionKey.SECRET_KEY) || legacyId != null) {
      if (legacyId == null) {
        broken.put("", "'" + KeyEncryptionKey.SECRET_KEY + "' has no '" + KeyEncryptionKey.SECRET_KEY_ID + "'");
      } else if (keys.containsKey(legacyId) || broken.containsKey(legacyId)) {
        // both spellings of one id: they must be the same key
        byte[] a = safeBytes(d.get(KeyEncryptionKey.SECRET_KEY));
        byte[] b = safeBytes(d.get(ENTRY_PREFIX + legacyId));
        if (a == null || b == null || !java.security.MessageDigest.isEqual(a, b)) {
          keys.remove(legacyId);
          broken.put(legacyId, "'" + KeyEncryptionKey.SECRET_KEY + "' and '" + ENTRY_PREFIX + legacyId
              + "' hold different keys under one id");
        }
      } else {
        load(legacyId, d.get(KeyEncryptionKey.SECRET_KEY), keys, broken);
      }
    }
    String active = text(d.get(ACTIVE));
    if (active == null) {
      active = legacyId != null ? legacyId : keys.size() == 1 && broken.isEmpty() ? keys.firstKey() : null;
    }
    return new KeyRing(where, keys, broken, active);
  }

  private static void load(String id, String base64, Map<String, KeyEncryptionKey> keys, Map<String, String> broken) {
    try {
      keys.put(id, KeyEncryptionKey.from(bytes(base64), id));
    } catch (WrongKeyException e) {
      broken.put(id, e.getMessage());
    } catch (IllegalArgumentException e) {
      broken.put(id, "key '" + id + "' is not base64");
    }
  }

  /** The id the Secret itself calls active ({@code active}, else the legacy {@code keyId}, else its only key). */
  public Optional<String> secretActiveId() {
    return Optional.ofNullable(secretActive);
  }

  /** Ids of the usable keys, sorted. */
  public SortedSet<String> ids() {
    return new TreeSet<>(keys.keySet());
  }

  public boolean holds(String id) {
    return id != null && keys.containsKey(id);
  }

  /**
   * @throws WrongKeyException naming the id and what the ring holds, when it has no usable key of that id
   */
  public KeyEncryptionKey key(String id) throws WrongKeyException {
    KeyEncryptionKey k = id == null ? null : keys.get(id);
    if (k != null) {
      return k;
    }
    if (id != null && broken.containsKey(id)) {
      throw new WrongKeyException(where + ": " + broken.get(id));
    }
    throw new WrongKeyException("key '" + id + "' is not in " + where + " on this cluster (it holds " + describeIds()
        + ")");
  }

  /** What messages say the ring holds: {@code 'a', 'b'}, or {@code no usable key} (and why, for broken entries). */
  public String describeIds() {
    StringBuilder s = new StringBuilder();
    keys.keySet().forEach(id -> s.append(s.isEmpty() ? "" : ", ").append('\'').append(id).append('\''));
    if (s.isEmpty()) {
      s.append("no usable key");
    }
    broken.forEach((id, why) -> s.append("; unusable").append(id.isEmpty() ? "" : " '" + id + "'").append(": ")
        .append(why));
    return s.toString();
  }

  /** What to add to the Secret's data (base64 values, a merge patch) so it holds {@code kek} and, if asked, uses it. */
  public static Map<String, String> entries(String id, byte[] key, boolean active) {
    Objects.requireNonNull(id, "id");
    Map<String, String> data = new LinkedHashMap<>();
    data.put(ENTRY_PREFIX + id, Base64.getEncoder().encodeToString(key));
    if (active) {
      data.put(ACTIVE, Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.UTF_8)));
    }
    return data;
  }

  /** The Secret data entry naming {@code id} as active. */
  public static Map<String, String> activeEntry(String id) {
    return Map.of(ACTIVE, Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.UTF_8)));
  }

  public String where() {
    return where;
  }

  @Override
  public String toString() {
    return "KeyRing[" + where + ": " + keys.keySet() + ", active " + secretActive + "]";
  }

  private static byte[] bytes(String base64) {
    return base64 == null ? null : Base64.getDecoder().decode(base64);
  }

  private static byte[] safeBytes(String base64) {
    try {
      return bytes(base64);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String text(String base64) {
    if (base64 == null) {
      return null;
    }
    try {
      String t = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8).strip();
      return t.isEmpty() ? null : t;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
