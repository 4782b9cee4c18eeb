package io.flotilla.agent.storage;

import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static io.flotilla.agent.storage.S3ProxyTestSupport.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cluster folders in a real S3 protocol (S3Proxy): the identity marker, and the scan sync reads the bucket with. */
class ClusterFolderTest {
  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  @Test
  void theFirstClaimWritesTheMarkerAndLaterClaimsReadIt() throws Exception {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupCatalog catalog = new BackupCatalog(s3, BUCKET);
      ClusterIdentity first = new ClusterIdentity("mc-1", "uid-a", "2026-12-01T10:00:00Z");

      assertThat(catalog.identity("flotilla", "mc-1")).isEmpty();
      assertThat(catalog.claim("flotilla", first)).isEqualTo(first);
      byte[] written = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("flotilla/mc-1/cluster-identity.json")).asByteArray();
      ClusterIdentity again = catalog.claim("flotilla", new ClusterIdentity("mc-1", "uid-a", "2026-12-02T10:00:00Z"));
      ClusterIdentity other = catalog.claim("flotilla", new ClusterIdentity("mc-1", "uid-b", "2026-12-03T10:00:00Z"));

      assertThat(again).isEqualTo(first);
      assertThat(other).as("a second cluster of the same name reads the first one's marker").isEqualTo(first);
      assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key("flotilla/mc-1/cluster-identity.json")).asByteArray())
          .as("written once").isEqualTo(written);
      assertThat(new String(written, StandardCharsets.UTF_8)).contains("\"cluster\" : \"mc-1\"",
          "\"clusterUID\" : \"uid-a\"", "\"writtenAt\" : \"2026-12-01T10:00:00Z\"");
      // another cluster's folder is another claim
      assertThat(catalog.claim("flotilla", new ClusterIdentity("mc-2", "uid-b", "x")).clusterUID()).isEqualTo("uid-b");
    }
  }

  @Test
  void ofTwoClustersClaimingAtOnceTheFirstWriterKeepsTheFolder() throws Exception {
    try (S3Client real = S3ProxyTestSupport.client(proxy)) {
      ClusterIdentity other = new ClusterIdentity("mc-1", "uid-b", "2026-12-01T10:00:00Z");
      // the other cluster's marker lands between this claim's read (none yet) and its write
      S3Client racing = (S3Client) java.lang.reflect.Proxy.newProxyInstance(S3Client.class.getClassLoader(),
          new Class<?>[] {S3Client.class}, (p, method, args) -> {
            if (method.getName().equals("putObject") && args[0] instanceof PutObjectRequest put
                && put.key().endsWith(BackupLayout.IDENTITY)) {
              real.putObject(b -> b.bucket(BUCKET).key(put.key()), RequestBody.fromBytes(other.toJson()));
            }
            try {
              return method.invoke(real, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });

      ClusterIdentity inForce = new BackupCatalog(racing, BUCKET).claim("flotilla",
          new ClusterIdentity("mc-1", "uid-a", "2026-12-01T10:00:01Z"));

      assertThat(inForce).isEqualTo(other);
      assertThat(new BackupCatalog(real, BUCKET).identity("flotilla", "mc-1")).contains(other);
    }
  }

  @Test
  void theMarkerIsNotABackup() throws Exception {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupCatalog catalog = new BackupCatalog(s3, BUCKET);
      catalog.claim("p", new ClusterIdentity("mc-1", "uid-a", "t"));
      BackupLayout b1 = new BackupLayout("p", "mc-1", "clusters", "hc-1", "b1");
      catalog.commit(b1, LayoutAndManifestTest.sample("b1"), Optional.empty());

      assertThat(catalog.list("p")).extracting(BackupCatalog.BackupRef::folder).containsExactly(b1.folder());
      assertThat(catalog.isCommitted(b1)).isTrue();
      assertThat(catalog.isCommitted(new BackupLayout("p", "mc-1", "clusters", "hc-1", "b2"))).isFalse();
    }
  }

  @Test
  void scanGroupsBackupsByClusterFolderWithTheirOwners() throws Exception {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupCatalog catalog = new BackupCatalog(s3, BUCKET);
      catalog.claim("p", new ClusterIdentity("mc-1", "uid-a", "t"));
      BackupLayout a1 = new BackupLayout("p", "mc-1", "clusters", "hc-1", "a1");
      BackupLayout a2 = new BackupLayout("p", "mc-1", "clusters", "hc-2", "a2");
      BackupLayout broken = new BackupLayout("p", "mc-1", "clusters", "hc-1", "broken");
      BackupLayout c1 = new BackupLayout("p", "mc-2", "clusters", "hc-3", "c1");
      BackupLayout copied = new BackupLayout("p", "mc-1", "clusters", "hc-1", "copy-of-a1");
      catalog.commit(a1, LayoutAndManifestTest.sample(a1).writtenBy("uid-a"), Optional.empty());
      catalog.commit(a2, LayoutAndManifestTest.sample(a2), Optional.empty());
      catalog.commit(c1, LayoutAndManifestTest.sample(c1), Optional.empty());
      // a1's folder copied under another name: its manifest says a1, so it is not imported as "copy-of-a1"
      catalog.commit(copied, LayoutAndManifestTest.sample(a1).writtenBy("uid-a"), Optional.empty());
      s3.putObject(b -> b.bucket(BUCKET).key(broken.manifestKey()), RequestBody.fromString("{\"formatVersion\""));
      // neither a backup nor a marker: an interrupted backup, a stray file, a manifest too shallow to be a backup
      s3.putObject(b -> b.bucket(BUCKET).key("p/mc-1/clusters/hc-1/a3/etcd-snapshot.db.zst"), RequestBody.fromString("x"));
      s3.putObject(b -> b.bucket(BUCKET).key("p/README"), RequestBody.fromString("x"));
      s3.putObject(b -> b.bucket(BUCKET).key("p/mc-1/clusters/manifest.json"), RequestBody.fromString("{}"));

      List<BackupCatalog.ClusterFolder> all = catalog.scan("p", null);
      List<BackupCatalog.ClusterFolder> one = catalog.scan("/p/", "mc-1");

      assertThat(all).extracting(BackupCatalog.ClusterFolder::cluster).containsExactly("mc-1", "mc-2");
      BackupCatalog.ClusterFolder mc1 = all.get(0);
      assertThat(mc1.identity()).map(ClusterIdentity::clusterUID).contains("uid-a");
      assertThat(mc1.backups()).extracting(f -> f.layout().backup()).containsExactly("a1", "a2");
      assertThat(mc1.backups().get(0).manifest().clusterUID()).isEqualTo("uid-a");
      assertThat(mc1.backups().get(1).manifest().clusterUID()).as("written before writers were recorded").isNull();
      assertThat(mc1.unreadable()).extracting(BackupCatalog.Unreadable::layout).containsExactlyInAnyOrder(broken, copied);
      assertThat(mc1.unreadable()).filteredOn(u -> u.layout().equals(copied)).singleElement()
          .satisfies(u -> assertThat(u.error()).contains("that of backup a1"));
      assertThat(all.get(1).identity()).isEmpty();
      assertThat(all.get(1).backups()).extracting(f -> f.layout()).containsExactly(c1);
      assertThat(one).containsExactly(mc1);
    }
  }

  @Test
  void anUnreadableMarkerVouchesForNoBackupOfItsFolder() throws Exception {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupCatalog catalog = new BackupCatalog(s3, BUCKET);
      BackupLayout a1 = new BackupLayout("p", "mc-1", "clusters", "hc-1", "a1");
      catalog.commit(a1, LayoutAndManifestTest.sample(a1), Optional.empty());
      s3.putObject(b -> b.bucket(BUCKET).key("p/mc-1/cluster-identity.json"), RequestBody.fromString("{\"cluster\":\"mc-1\"}"));

      BackupCatalog.ClusterFolder mc1 = catalog.scan("p", "mc-1").get(0);

      assertThat(mc1.backups()).isEmpty();
      assertThat(mc1.unreadable()).singleElement().satisfies(u -> assertThat(u.error()).contains("cluster-identity.json",
          "clusterUID"));
      assertThatThrownBy(() -> catalog.claim("p", new ClusterIdentity("mc-1", "uid-a", "t")))
          .isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void manifestsRecordTheirWriterAndOldManifestsStillRead() throws Exception {
    BackupManifest m = LayoutAndManifestTest.sample("b1").writtenBy("uid-a").withPolicy("nightly");
    String json = m.toJsonString();

    assertThat(BackupManifest.fromJson(m.toJson())).isEqualTo(m);
    assertThat(json).contains("\"clusterUID\" : \"uid-a\"", "\"policy\" : \"nightly\"");
    assertThat(json.indexOf("\"cluster\"")).isLessThan(json.indexOf("\"clusterUID\""));
    // as an agent wrote it before the writer was recorded
    String old = json.replace("  \"clusterUID\" : \"uid-a\",\n", "").replace("  \"policy\" : \"nightly\",\n", "");
    assertThat(old).doesNotContain("clusterUID").doesNotContain("policy");
    BackupManifest read = BackupManifest.fromJson(old.getBytes(StandardCharsets.UTF_8));
    assertThat(read.clusterUID()).isNull();
    assertThat(read.policy()).isNull();
    assertThat(read).isEqualTo(LayoutAndManifestTest.sample("b1"));
  }

  @Test
  void folderLayoutParsesOnlyBackupFolders() {
    assertThat(BackupLayout.ofFolder("p", "p/mc-1/clusters/hc-1/b1/"))
        .contains(new BackupLayout("p", "mc-1", "clusters", "hc-1", "b1"));
    assertThat(BackupLayout.ofFolder("", "mc-1/clusters/hc-1/b1/")).isPresent();
    assertThat(BackupLayout.ofFolder("p", "p/mc-1/clusters/hc-1/")).isEmpty();
    assertThat(BackupLayout.ofFolder("p", "p/mc-1/clusters/hc-1/b1/extra/")).isEmpty();
    assertThat(BackupLayout.ofFolder("p", "q/mc-1/clusters/hc-1/b1/")).isEmpty();
    assertThat(BackupLayout.ofFolder("p", "p/mc-1//hc-1/b1/")).isEmpty();
    assertThat(BackupLayout.identityKey("/p/", "mc-1")).isEqualTo("p/mc-1/cluster-identity.json");
    assertThat(BackupLayout.clusterFolder(null, "mc-1")).isEqualTo("mc-1/");
  }
}
