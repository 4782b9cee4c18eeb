package io.flotilla.cli;

import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.KeySource;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What flotilla store rotate-key asks for (KeyRotation) and which backups rewrap --all picks (RewrapSelection). */
class KeyRotationTest {
  private static final Instant NOW = Instant.parse("2026-05-01T12:34:56Z");

  @Test
  void aFreshIdIsGeneratedOnTheSpokes() {
    KeyRotation r = KeyRotation.plan(store(null, null), null, false, Set.of("legacy"), NOW);
    assertThat(r.keyId()).isEqualTo("k-20260501-123456");
    assertThat(r.source()).isEqualTo(KeySource.Generated);
    assertThat(r.previousKeyId()).isNull();
    assertThat(r.describe("flotilla-agent/backup-key")).contains("under key 'k-20260501-123456'")
        .contains("the key each spoke's key Secret names active").contains("never on the hub")
        .contains("flotilla backup rewrap --all --store default");
  }

  @Test
  void aProvidedKeyComesFromTheSecretsAndAnOldIdIsNeverGeneratedAgain() {
    KeyRotation provided = KeyRotation.plan(store("k1", null), "vault-2026", true, Set.of(), NOW);
    assertThat(provided.source()).isEqualTo(KeySource.Provided);
    assertThat(provided.previousKeyId()).isEqualTo("k1");
    assertThat(provided.describe("ns/s")).contains("key-vault-2026").contains("EncryptionKeyInvalid");

    assertThatThrownBy(() -> KeyRotation.plan(store("k2", null), "k1", false, Set.of("k1"), NOW))
        .isInstanceOf(BadInputException.class).hasMessageContaining("--provided");
    assertThat(KeyRotation.plan(store("k2", null), "k1", true, Set.of("k1"), NOW).source())
        .as("a retired key made active again, from the rings").isEqualTo(KeySource.Provided);
  }

  @Test
  void nonsenseIsRefusedBeforeAnythingChanges() {
    assertThatThrownBy(() -> KeyRotation.plan(store("k1", null), "k1", true, Set.of(), NOW))
        .isInstanceOf(BadInputException.class).hasMessageContaining("already the active key");
    assertThatThrownBy(() -> KeyRotation.plan(store(null, null), "bad/id", false, Set.of(), NOW))
        .isInstanceOf(BadInputException.class).hasMessageContaining("is not a key id");
    assertThatThrownBy(() -> KeyRotation.plan(store(null, BackupStoreSpec.Encryption.Type.SSEKMS), null, false,
        Set.of(), NOW)).isInstanceOf(BadInputException.class).hasMessageContaining("KMS");
    assertThatThrownBy(() -> KeyRotation.plan(store(null, BackupStoreSpec.Encryption.Type.None), null, false,
        Set.of(), NOW)).isInstanceOf(BadInputException.class).hasMessageContaining("holds no key");
  }

  @Test
  void rewrapAllPicksTheStoresCompletedBackupsNotUnderTheActiveKey() {
    BackupStore store = store("k2", null);
    List<HostedClusterBackup> records = List.of(
        backup("mc-1", "old", "default", Phase.Completed, "k1"),
        backup("mc-1", "new", "default", Phase.Completed, "k2"),
        backup("mc-1", "before-key-ids", "default", Phase.Completed, null),
        backup("mc-1", "running", "default", Phase.InProgress, null),
        backup("mc-2", "elsewhere", "other", Phase.Completed, "k1"),
        backup("mc-3", "of-a-lost-cluster", "default", Phase.Completed, "k1"));

    RewrapSelection s = RewrapSelection.of(records, store, Set.of("mc-3"));

    assertThat(s.rewrap()).extracting(b -> b.getMetadata().getName()).containsExactly("old", "before-key-ids");
    assertThat(s.skipped()).containsExactly("mc-1/new: already under the active key 'k2'",
        "mc-3/of-a-lost-cluster: its cluster is lost, no agent will rewrap it (it keeps key 'k1'; keep that key in "
            + "the rings)");
  }

  private static BackupStore store(String activeKeyId, BackupStoreSpec.Encryption.Type type) {
    BackupStore s = new BackupStore();
    s.getMetadata().setName("default");
    s.getSpec().encryption.activeKeyId = activeKeyId;
    if (type != null) {
      s.getSpec().encryption.type = type;
    }
    return s;
  }

  private static HostedClusterBackup backup(String cluster, String name, String store, Phase phase, String keyId) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace(cluster);
    b.getMetadata().setName(name);
    b.getSpec().store = store;
    b.setStatus(new HostedClusterBackupStatus());
    b.getStatus().phase = phase;
    b.getStatus().keyId = keyId;
    return b;
  }
}
