package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.KeyRing;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec.Encryption.KeySource;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A store's key ring across spokes (StoreKeys): after a rotation the first agent that needs the new key generates it
 * and leaves a copy in the bucket, wrapped under the key it replaces; the others take that copy into their own key
 * Secret. Two "spokes" here are two namespaces of one mock API server, each with its key Secret, sharing a bucket.
 */
class StoreKeysTest {
  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private BucketFixture kube;
  private S3Client s3;
  private final byte[] k1 = KeyEncryptionKey.randomKeyBytes();

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    kube = new BucketFixture();
    for (String spoke : List.of("spoke-a", "spoke-b", "spoke-c")) {
      kube.namespace(spoke);
      // as installations write it: one key, key + keyId
      kube.client.secrets().inNamespace(spoke).resource(new SecretBuilder().withNewMetadata().withName("backup-key")
          .endMetadata().addToData("key", b64(k1)).addToData("keyId", b64("k1")).build()).create();
    }
  }

  @AfterEach
  void tearDown() {
    kube.close();
    s3.close();
  }

  @Test
  void aGeneratedKeyReachesTheOtherSpokesThroughTheBucketWrappedUnderTheOldOne() throws Exception {
    KeyEncryptionKey onA = keys("spoke-a", "k2", KeySource.Generated).active();
    assertThat(onA.keyId()).isEqualTo("k2");
    Secret a = secret("spoke-a");
    assertThat(a.getData()).containsKeys("key", "keyId", "key-k2", "active");
    assertThat(text(a.getData().get("active"))).isEqualTo("k2");
    String copy = s3.getObjectAsBytes(b -> b.bucket(S3ProxyTestSupport.BUCKET).key("flotilla/_keyring/k2.json"))
        .asUtf8String();
    assertThat(copy).contains("\"wrappedUnder\" : \"k1\"").contains("\"createdBy\" : \"spoke-a\"")
        .doesNotContain(a.getData().get("key-k2"));

    KeyEncryptionKey onB = keys("spoke-b", "k2", KeySource.Generated).active();
    assertThat(secret("spoke-b").getData().get("key-k2")).as("the same key on both spokes")
        .isEqualTo(a.getData().get("key-k2"));
    BackupEncryption writtenOnA = BackupEncryption.clientSide(onA);
    onB.checkOpens(writtenOnA.keyId(), writtenOnA.wrappedDataKey());
    // the old key stays: backups it wrapped still restore
    assertThat(keys("spoke-b", "k2", KeySource.Generated).key("k1").keyId()).isEqualTo("k1");
  }

  @Test
  void twoSpokesRotatingAtOnceEndUpWithOneKey() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<KeyEncryptionKey>> both = pool.invokeAll(List.<Callable<KeyEncryptionKey>>of(
          () -> keys("spoke-a", "k2", KeySource.Generated).active(),
          () -> keys("spoke-b", "k2", KeySource.Generated).active()));
      both.get(0).get();
      both.get(1).get();
    } finally {
      pool.shutdownNow();
    }
    assertThat(secret("spoke-a").getData().get("key-k2")).isEqualTo(secret("spoke-b").getData().get("key-k2"));
  }

  @Test
  void aSpokeThatMissedRotationsFollowsTheChainFromItsOwnOldKey() throws Exception {
    keys("spoke-a", "k2", KeySource.Generated).active();
    keys("spoke-a", "k3", KeySource.Generated).active(); // wrapped under k2, which spoke-c never had
    KeyEncryptionKey k3 = keys("spoke-c", "k3", KeySource.Generated).active();

    assertThat(k3.keyId()).isEqualTo("k3");
    assertThat(KeyRing.fromSecretData(secret("spoke-c").getData(), "c").ids()).containsExactly("k1", "k2", "k3");
    assertThat(secret("spoke-c").getData().get("key-k3")).isEqualTo(secret("spoke-a").getData().get("key-k3"));
  }

  @Test
  void aProvidedKeyIsNeverGeneratedAndItsAbsenceNamesIt() {
    assertThatThrownBy(() -> keys("spoke-a", "k2", KeySource.Provided).active()).isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("'k2'").hasMessageContaining("key-k2").hasMessageContaining("'k1'");
    assertThat(S3ProxyTestSupport.exists(s3, "flotilla/_keyring/k2.json")).isFalse();
    assertThat(secret("spoke-a").getData()).doesNotContainKey("key-k2");
  }

  @Test
  void readingABackupOfAKeyNoSpokeHasNamesTheKeyAndWhatTheRingHolds() {
    assertThatThrownBy(() -> keys("spoke-a", null, null).key("k7")).isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("under key 'k7'").hasMessageContaining("holds 'k1'")
        .hasMessageContaining("key Secret spoke-a/backup-key").hasMessageNotContaining(b64(k1));
  }

  @Test
  void withoutRotationTheSecretDecidesAsBefore() throws Exception {
    assertThat(keys("spoke-a", null, null).active().keyId()).isEqualTo("k1");
    assertThat(secret("spoke-a").getData()).containsOnlyKeys("key", "keyId");
  }

  private StoreKeys keys(String spoke, String activeKeyId, KeySource source) {
    BackupStoreSpec spec = new BackupStoreSpec();
    spec.bucket = S3ProxyTestSupport.BUCKET;
    spec.prefix = "flotilla";
    spec.encryption = new BackupStoreSpec.Encryption();
    spec.encryption.keySecret = new NamespacedName(spoke, "backup-key");
    spec.encryption.activeKeyId = activeKeyId;
    spec.encryption.activeKeySource = source;
    return new StoreKeys(kube.client, "default", spec, new BackupCatalog(s3, spec.bucket), spoke, Clock.systemUTC());
  }

  private Secret secret(String spoke) {
    return kube.client.secrets().inNamespace(spoke).withName("backup-key").get();
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static String b64(String s) {
    return b64(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
