package io.flotilla.agent.storage;

import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The conditional writes the commit, the rewrap and key rotation rely on, against S3Proxy 4.1.0 (the sandbox's and the
 * tests' object store, filesystem-backed): {@code If-None-Match: *} is honoured atomically (its filesystem store
 * creates the object with a hard link, which fails when the name exists), {@code If-Match} on PUT is checked before
 * the write (not atomically with it: AWS S3 does both at once).
 */
class ConditionalWriteTest {
  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private S3Client s3;
  private BackupCatalog catalog;

  @BeforeEach
  void setUp() {
    s3 = S3ProxyTestSupport.client(proxy);
    catalog = new BackupCatalog(s3, S3ProxyTestSupport.BUCKET);
  }

  @AfterEach
  void tearDown() {
    s3.close();
  }

  @Test
  void twoCommitsOfOneFolderCannotBothSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 20; round++) {
        BackupLayout layout = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "b" + round);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> writers = new ArrayList<>();
        for (String writer : List.of("uid-a", "uid-b")) {
          writers.add(pool.submit(() -> {
            start.await();
            try {
              catalog.commit(layout, LayoutAndManifestTest.sample(layout.backup()).writtenBy(writer), Optional.empty());
              return true;
            } catch (BackupCatalog.ManifestConflict e) {
              return false;
            }
          }));
        }
        start.countDown();
        boolean a = writers.get(0).get(30, TimeUnit.SECONDS);
        boolean b = writers.get(1).get(30, TimeUnit.SECONDS);
        assertThat(a ^ b).as("round " + round + ": exactly one commit succeeds (a " + a + ", b " + b + ")").isTrue();
        assertThat(catalog.read(layout).clusterUID()).isEqualTo(a ? "uid-a" : "uid-b");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCommittedManifestIsNeverOverwrittenByALaterCommit() throws Exception {
    BackupLayout layout = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "b1");
    catalog.commit(layout, LayoutAndManifestTest.sample("b1").writtenBy("first"), Optional.empty());

    assertThatThrownBy(() -> catalog.commit(layout, LayoutAndManifestTest.sample("b1").writtenBy("second"),
        Optional.empty())).isInstanceOf(BackupCatalog.ManifestConflict.class);
    assertThat(catalog.read(layout).clusterUID()).isEqualTo("first");
  }

  @Test
  void aReplaceWinsOnlyOverTheManifestItRead() throws Exception {
    BackupLayout layout = new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", "b1");
    catalog.commit(layout, LayoutAndManifestTest.sample("b1").writtenBy("v1"), Optional.empty());
    BackupCatalog.StoredManifest read = catalog.readStored(layout);
    assertThat(read.eTag()).isNotBlank();

    catalog.replace(layout, read, read.manifest().writtenBy("v2"));
    assertThat(catalog.read(layout).clusterUID()).isEqualTo("v2");
    // a second replace from the same (now stale) read: someone changed it since, so it does not happen
    assertThatThrownBy(() -> catalog.replace(layout, read, read.manifest().writtenBy("v3")))
        .isInstanceOf(BackupCatalog.ManifestConflict.class);
    assertThat(catalog.read(layout).clusterUID()).isEqualTo("v2");
    // and a manifest deleted meanwhile is not brought back
    catalog.deleteFolder(layout.folder());
    BackupCatalog.StoredManifest gone = new BackupCatalog.StoredManifest(read.manifest(), read.eTag());
    assertThatThrownBy(() -> catalog.replace(layout, gone, read.manifest())).isInstanceOf(
        BackupCatalog.ManifestConflict.class);
    assertThat(catalog.isCommitted(layout)).isFalse();
  }

  @Test
  void ofTwoAgentsGeneratingOneKeyIdTheFirstCopyIsTheOneEveryoneUses() throws Exception {
    KeyEncryptionKey k1 = KeyEncryptionKey.generateForTest("k1");
    KeyEnvelope first = KeyEnvelope.wrap("k2", KeyEncryptionKey.randomKeyBytes(), k1, "mc-1", "t1");
    KeyEnvelope second = KeyEnvelope.wrap("k2", KeyEncryptionKey.randomKeyBytes(), k1, "mc-2", "t2");

    assertThat(catalog.keyEnvelope("flotilla", "k2")).isEmpty();
    assertThat(catalog.putKeyEnvelope("flotilla", first)).isEqualTo(first);
    assertThat(catalog.putKeyEnvelope("flotilla", second)).as("the copy in force").isEqualTo(first);
    assertThat(S3ProxyTestSupport.exists(s3, "flotilla/_keyring/k2.json")).isTrue();
    // the key ring folder is not a cluster folder
    assertThat(catalog.scan("flotilla", null)).isEmpty();
  }
}
