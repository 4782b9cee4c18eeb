package io.flotilla.agent.storage;

import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import static io.flotilla.agent.storage.S3ProxyTestSupport.BUCKET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayoutAndManifestTest {
  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  @Test
  void layoutKeys() {
    BackupLayout layout = new BackupLayout("/flotilla/prod/", "mc-1", "clusters", "hc-a", "hc-a-20261121");
    BackupEncryption enc = BackupEncryption.clientSide(KeyEncryptionKey.generateForTest("k"));

    assertThat(layout.folder()).isEqualTo("flotilla/prod/mc-1/clusters/hc-a/hc-a-20261121/");
    assertThat(layout.snapshotKey(Codec.ZSTD, enc)).isEqualTo("flotilla/prod/mc-1/clusters/hc-a/hc-a-20261121/etcd-snapshot.db.zst.enc");
    assertThat(layout.resourcesKey(Codec.ZSTD, enc)).isEqualTo("flotilla/prod/mc-1/clusters/hc-a/hc-a-20261121/resources.tar.zst.enc");
    assertThat(layout.manifestKey()).isEqualTo("flotilla/prod/mc-1/clusters/hc-a/hc-a-20261121/manifest.json");
    assertThat(BackupLayout.snapshotName(Codec.ZSTD, BackupEncryption.none())).isEqualTo("etcd-snapshot.db.zst");
    assertThat(BackupLayout.snapshotName(Codec.ZSTD, BackupEncryption.sseKms("k"))).isEqualTo("etcd-snapshot.db.zst");
    assertThat(new BackupLayout(null, "mc", "ns", "hc", "b").folder()).isEqualTo("mc/ns/hc/b/");
    assertThat(new BackupLayout("", "mc", "ns", "hc", "b").manifestKey()).isEqualTo("mc/ns/hc/b/manifest.json");
  }

  @Test
  void layoutRejectsSegmentsThatWouldEscapeTheFolder() {
    assertThatThrownBy(() -> new BackupLayout("p", "mc", "ns/x", "hc", "b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BackupLayout("p", "mc", "ns", "..", "b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BackupLayout("p", "", "ns", "hc", "b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BackupLayout("p", "mc", "ns", "hc", "b").resolve("../manifest.json"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void manifestJsonRoundTripsAndIsStable() throws Exception {
    BackupManifest m = sample("b1");
    String json = m.toJsonString();

    assertThat(BackupManifest.fromJson(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(m);
    assertThat(BackupManifest.fromJson(m.toJson()).toJsonString()).isEqualTo(json);
    assertThat(json.indexOf("\"formatVersion\"")).isLessThan(json.indexOf("\"backup\""));
    assertThat(json.indexOf("\"wrappedDataKey\"")).isLessThan(json.indexOf("\"snapshot\""));
    assertThat(json).contains("\"resources\" : null").contains("\"startedAt\" : \"2026-11-21T09:00:00.123Z\"")
        .contains("\"etcdRevision\" : 4242").contains("\"storedSha256\"");
    assertThat(m.startedAtInstant()).isEqualTo(Instant.parse("2026-11-21T09:00:00.123Z"));
    assertThat(m.completedAt()).isEqualTo("2026-11-21T09:01:00Z");
  }

  @Test
  void newestIsDecidedByCompletionTimeToTheMillisecond() {
    BackupManifest whole = completedAt("2026-11-21T09:01:00Z");
    BackupManifest later = completedAt("2026-11-21T09:01:00.500Z");
    BackupManifest latest = completedAt("2026-11-21T09:01:00.900Z");
    // As text, "…00Z" sorts after "…00.500Z" ('Z' > '.'): the comparison must be on instants.
    assertThat(java.util.stream.Stream.of(latest, whole, later).sorted(BackupManifest.NEWEST_LAST).toList())
        .containsExactly(whole, later, latest);
    assertThat(BackupManifest.NEWEST_LAST.compare(completedAt(null), whole)).isNegative();
  }

  private static BackupManifest completedAt(String completedAt) {
    BackupManifest m = sample("b");
    return new BackupManifest(m.formatVersion(), m.backup(), m.cluster(), m.hostedCluster(), m.startedAt(), completedAt,
        m.codec(), m.cipher(), m.keyId(), m.wrappedDataKey(), m.snapshot(), m.resources(), m.hostedClusterApiVersion(),
        m.agentVersion());
  }

  @Test
  void manifestFromANewerFormatIsRefusedAndUnknownFieldsAreIgnored() throws Exception {
    String json = sample("b1").toJsonString();
    int newer = BackupManifest.FORMAT_VERSION + 1;
    assertThatThrownBy(() -> BackupManifest.fromJson(json.replace("\"formatVersion\" : " + BackupManifest.FORMAT_VERSION,
        "\"formatVersion\" : " + newer).getBytes(StandardCharsets.UTF_8))).hasMessageContaining("format version " + newer);
    BackupManifest withExtra = BackupManifest.fromJson(json.replace("\"backup\" :", "\"futureField\" : 7, \"backup\" :")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(withExtra.backup()).isEqualTo("b1");
  }

  @Test
  void catalogListsOnlyFoldersWithAManifest() throws Exception {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupCatalog catalog = new BackupCatalog(s3, BUCKET);
      BackupLayout committed = new BackupLayout("p", "mc", "clusters", "hc", "b1");
      BackupLayout interrupted = new BackupLayout("p", "mc", "clusters", "hc", "b2");
      BackupLayout otherPrefix = new BackupLayout("q", "mc", "clusters", "hc", "b3");
      BackupEncryption none = BackupEncryption.none();
      for (BackupLayout l : new BackupLayout[] {committed, interrupted, otherPrefix}) {
        s3.putObject(b -> b.bucket(BUCKET).key(l.snapshotKey(Codec.ZSTD, none)), RequestBody.fromString("snap"));
      }
      catalog.commit(committed, sample("b1"), Optional.empty());
      catalog.commit(otherPrefix, sample("b3"), Optional.empty());
      // A look-alike that is not exactly manifest.json must not count either.
      s3.putObject(b -> b.bucket(BUCKET).key(interrupted.folder() + "old-manifest.json.bak"), RequestBody.fromString("{}"));

      assertThat(catalog.list("p")).containsExactly(new BackupCatalog.BackupRef(committed.folder(), committed.manifestKey()));
      assertThat(catalog.list("/p/")).hasSize(1);
      assertThat(catalog.list("p/mc/clusters/hc")).hasSize(1);
      assertThat(catalog.list("")).hasSize(2);
      assertThat(catalog.read(catalog.list("p").get(0))).isEqualTo(sample("b1"));
    }
  }

  @Test
  void catalogAbortsDanglingUploads() {
    try (S3Client s3 = S3ProxyTestSupport.client(proxy)) {
      BackupLayout layout = new BackupLayout("p", "mc", "clusters", "hc", "b1");
      s3.createMultipartUpload(b -> b.bucket(BUCKET).key(layout.snapshotKey(Codec.ZSTD, BackupEncryption.none())));
      assertThat(S3ProxyTestSupport.inProgressUploads(s3)).isEqualTo(1);
      assertThat(new BackupCatalog(s3, BUCKET).abortDanglingUploads(layout.folder())).isEqualTo(1);
      assertThat(S3ProxyTestSupport.inProgressUploads(s3)).isZero();
    }
  }

  static BackupManifest sample(String backup) {
    return new BackupManifest(BackupManifest.FORMAT_VERSION, backup, "mc",
        new BackupManifest.HostedClusterRef("clusters", "hc"),
        BackupManifest.time(Instant.parse("2026-11-21T09:00:00.123Z")), BackupManifest.time(Instant.parse("2026-11-21T09:01:00Z")),
        Codec.ZSTD.manifestName(), BackupEncryption.CIPHER_TINK, "kek-1", "d3JhcHBlZA==",
        new BackupManifest.ObjectFigures("etcd-snapshot.db.zst.enc", 1000, 300, "aa", "bb", 4242L, 17L),
        null, "hypershift.openshift.io/v1beta1", "0.1.0");
  }

  /** {@link #sample(String)} as the manifest of {@code l}'s folder. */
  static BackupManifest sample(BackupLayout l) {
    BackupManifest m = sample(l.backup());
    return new BackupManifest(m.formatVersion(), l.backup(), l.cluster(),
        new BackupManifest.HostedClusterRef(l.hostedClusterNamespace(), l.hostedClusterName()), m.startedAt(),
        m.completedAt(), m.codec(), m.cipher(), m.keyId(), m.wrappedDataKey(), m.snapshot(), m.resources(),
        m.hostedClusterApiVersion(), m.agentVersion());
  }
}
