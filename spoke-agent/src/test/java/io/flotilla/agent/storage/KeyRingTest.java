package io.flotilla.agent.storage;

import io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.KeySource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key Secret read as a ring (KeyRing), and which key new backups use (ActiveKeyPlan). */
class KeyRingTest {
  private static final String WHERE = "key Secret flotilla-agent/backup-key";
  private static final byte[] K1 = KeyEncryptionKey.randomKeyBytes();
  private static final byte[] K2 = KeyEncryptionKey.randomKeyBytes();
  private static final byte[] K3 = KeyEncryptionKey.randomKeyBytes();

  @Test
  void aSecretWithOnlyKeyAndKeyIdIsARingOfOneWhoseKeyIsActive() throws Exception {
    KeyRing ring = KeyRing.fromSecretData(Map.of("key", b64(K1), "keyId", text("k1")), WHERE);

    assertThat(ring.ids()).containsExactly("k1");
    assertThat(ring.secretActiveId()).contains("k1");
    assertThat(ring.key("k1").keyId()).isEqualTo("k1");
    assertThat(opens(ring.key("k1"), K1)).isTrue();
  }

  @Test
  void entriesPerKeyWithActiveNamingOne() throws Exception {
    KeyRing ring = KeyRing.fromSecretData(Map.of("key-k1", b64(K1), "key-k2", b64(K2), "active", text("k2")), WHERE);

    assertThat(ring.ids()).containsExactly("k1", "k2");
    assertThat(ring.secretActiveId()).contains("k2");
    assertThat(opens(ring.key("k1"), K1)).as("a retired key stays usable").isTrue();
    assertThat(opens(ring.key("k2"), K2)).isTrue();
  }

  @Test
  void aLegacySecretWithKeysAddedAfterARotationKeepsItsOldKey() throws Exception {
    Map<String, String> data = new LinkedHashMap<>(Map.of("key", b64(K1), "keyId", text("k1")));
    data.putAll(KeyRing.entries("k2", K2, true));
    KeyRing ring = KeyRing.fromSecretData(data, WHERE);

    assertThat(ring.ids()).containsExactly("k1", "k2");
    assertThat(ring.secretActiveId()).contains("k2");
    assertThat(opens(ring.key("k1"), K1)).isTrue();
  }

  @Test
  void anUnknownIdIsAWrongKeyNamingItAndWhatTheRingHolds() {
    KeyRing ring = KeyRing.fromSecretData(Map.of("key-k1", b64(K1), "key-k2", b64(K2)), WHERE);

    assertThatThrownBy(() -> ring.key("k9")).isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("key 'k9' is not in " + WHERE).hasMessageContaining("'k1', 'k2'")
        .hasMessageNotContaining(b64(K1));
    assertThat(ring.secretActiveId()).as("two keys and no 'active': none is").isEmpty();
  }

  @Test
  void aBrokenRetiredKeyFailsOnlyWhenAskedFor() throws Exception {
    KeyRing ring = KeyRing.fromSecretData(Map.of("key-k1", b64(new byte[16]), "key-k2", b64(K2), "active", text("k2")),
        WHERE);

    assertThat(ring.key("k2").keyId()).isEqualTo("k2");
    assertThatThrownBy(() -> ring.key("k1")).isInstanceOf(WrongKeyException.class).hasMessageContaining("32 raw bytes");
    assertThat(ring.describeIds()).contains("'k2'").contains("unusable 'k1'");
  }

  @Test
  void twoSpellingsOfOneIdMustHoldOneKey() throws Exception {
    assertThat(KeyRing.fromSecretData(Map.of("key", b64(K1), "keyId", text("k1"), "key-k1", b64(K1)), WHERE)
        .key("k1").keyId()).isEqualTo("k1");
    KeyRing differ = KeyRing.fromSecretData(Map.of("key", b64(K1), "keyId", text("k1"), "key-k1", b64(K2)), WHERE);
    assertThatThrownBy(() -> differ.key("k1")).isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("different keys under one id");
  }

  static Stream<Arguments> plans() {
    Map<String, String> legacy = Map.of("key", b64(K1), "keyId", text("k1"));
    Map<String, String> rotated = Map.of("key", b64(K1), "keyId", text("k1"), "key-k2", b64(K2), "active", text("k2"));
    Map<String, String> twoNoActive = Map.of("key-k1", b64(K1), "key-k2", b64(K2));
    Map<String, String> namesMissing = Map.of("key-k1", b64(K1), "active", text("k3"));
    return Stream.of(
        // store's id, source, Secret                 → step, key id, wrap under
        Arguments.of(null, null, legacy, ActiveKeyPlan.Step.USE, "k1", null),
        Arguments.of(null, null, rotated, ActiveKeyPlan.Step.USE, "k2", null),
        Arguments.of("k1", null, rotated, ActiveKeyPlan.Step.USE, "k1", null),
        Arguments.of("k2", KeySource.Generated, rotated, ActiveKeyPlan.Step.USE, "k2", null),
        Arguments.of("k2", KeySource.Generated, legacy, ActiveKeyPlan.Step.OBTAIN_OR_GENERATE, "k2", "k1"),
        Arguments.of("k2", KeySource.Provided, legacy, ActiveKeyPlan.Step.OBTAIN, "k2", null),
        Arguments.of("k2", null, legacy, ActiveKeyPlan.Step.OBTAIN, "k2", null),
        // nothing of its own to wrap a generated key under for the others: only the bucket's copy will do
        Arguments.of("k3", KeySource.Generated, twoNoActive, ActiveKeyPlan.Step.OBTAIN, "k3", null),
        Arguments.of(null, null, twoNoActive, ActiveKeyPlan.Step.REFUSE, null, null),
        Arguments.of(null, null, namesMissing, ActiveKeyPlan.Step.REFUSE, "k3", null),
        Arguments.of(null, KeySource.Generated, Map.of(), ActiveKeyPlan.Step.REFUSE, null, null));
  }

  @ParameterizedTest(name = "[{index}] store {0} ({1}) → {3} {4}")
  @MethodSource("plans")
  void whichKeyNewBackupsUse(String storeId, KeySource source, Map<String, String> secret, ActiveKeyPlan.Step step,
      String keyId, String wrapUnder) {
    ActiveKeyPlan plan = ActiveKeyPlan.decide(storeId, source, KeyRing.fromSecretData(secret, WHERE));
    assertThat(plan.step()).as(String.valueOf(plan.problem())).isEqualTo(step);
    assertThat(plan.keyId()).isEqualTo(keyId);
    assertThat(plan.wrapUnder()).isEqualTo(wrapUnder);
    if (step == ActiveKeyPlan.Step.REFUSE) {
      assertThat(plan.problem()).contains(WHERE);
    }
  }

  @Test
  void anEnvelopeOpensOnlyUnderTheKeyItNamesAndOnlyAsTheKeyItClaims() throws Exception {
    KeyEncryptionKey k1 = KeyEncryptionKey.from(K1.clone(), "k1");
    KeyEnvelope envelope = KeyEnvelope.wrap("k3", K3, k1, "mc-1", "2026-01-01T00:00:00Z");
    assertThat(new String(envelope.toJson(), StandardCharsets.UTF_8)).doesNotContain(b64(K3));

    KeyEnvelope.Opened opened = KeyEnvelope.fromJson(envelope.toJson()).open(k1);
    assertThat(opened.rawKey()).isEqualTo(K3);
    assertThat(opens(opened.kek(), K3)).isTrue();
    // the same ciphertext presented as another key's copy, or opened under a different k1
    KeyEnvelope relabelled = new KeyEnvelope("k2", "k1", envelope.wrappedKey(), "mc-1", envelope.createdAt());
    assertThatThrownBy(() -> relabelled.open(k1)).isInstanceOf(WrongKeyException.class);
    assertThatThrownBy(() -> envelope.open(KeyEncryptionKey.from(K2.clone(), "k1"))).isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("'k3'");
  }

  /** Whether {@code kek} is the key {@code bytes}: a data key it wraps opens under a KEK built from them. */
  private static boolean opens(KeyEncryptionKey kek, byte[] bytes) throws WrongKeyException {
    BackupEncryption enc = BackupEncryption.clientSide(kek);
    try {
      KeyEncryptionKey.from(bytes.clone(), kek.keyId()).checkOpens(enc.keyId(), enc.wrappedDataKey());
      return true;
    } catch (WrongKeyException e) {
      return false;
    }
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String text(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }
}
