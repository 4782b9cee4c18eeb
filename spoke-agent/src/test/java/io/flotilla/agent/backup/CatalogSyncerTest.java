package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.agent.storage.ClusterIdentity;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's catalogue sync at start against a CRUD mock hub and S3Proxy: an empty hub gets exactly the records of
 * this cluster's committed backups, with their status; collisions and missing objects are reported, never written.
 */
class CatalogSyncerTest {
  private static final String CLUSTER = "mc-1";
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private BucketFixture kube;
  private S3Client s3;
  private BackupCatalog catalog;
  /** This cluster's UID: of its kube-system namespace. */
  private String uid;

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    catalog = new BackupCatalog(s3, S3ProxyTestSupport.BUCKET);
    kube = new BucketFixture();
    uid = kube.namespace("kube-system");
    kube.namespace(BucketFixture.AGENT_NAMESPACE);
    kube.namespace(CLUSTER);
    kube.credentials(proxy);
    kube.store("default", proxy, "flotilla", BucketFixture.CREDENTIALS);
  }

  @AfterEach
  void tearDown() {
    kube.close();
    s3.close();
  }

  @Test
  void anEmptyHubGetsExactlyTheMissingRecordsWithTheirStatus() throws Exception {
    catalog.claim("flotilla", new ClusterIdentity(CLUSTER, uid, "2026-11-01T00:00:00Z"));
    commit(CLUSTER, "hc-1", "b1", uid);
    commit(CLUSTER, "hc-2", "b2", uid);
    commit(CLUSTER, "hc-1", "b-old", null); // written before manifests named their writer
    commit("mc-2", "hc-9", "c1", "uid-mc-2"); // another cluster's folder: not this agent's
    record("b2", Phase.Completed, layout(CLUSTER, "hc-2", "b2").folder()); // already on the hub

    List<CatalogSyncer.StoreSync> first = syncer(StoreConnector.AWS_SDK).syncOnce();

    CatalogSyncer.StoreSync sync = first.get(0);
    assertThat(sync.skipped()).isNull();
    assertThat(sync.applied().created()).containsExactlyInAnyOrder("mc-1/b1", "mc-1/b-old");
    assertThat(sync.applied().failed()).isEmpty();
    assertThat(sync.plan().present()).isEqualTo(1);
    assertThat(names(CLUSTER)).containsExactlyInAnyOrder("b1", "b2", "b-old");
    assertThat(kube.client.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems())
        .noneMatch(b -> b.getMetadata().getName().equals("c1"));

    HostedClusterBackup b1 = get("b1");
    BackupManifest m = manifest(CLUSTER, "hc-1", "b1", uid);
    HostedClusterBackupStatus s = b1.getStatus();
    assertThat(b1.getSpec().hostedCluster).isEqualTo(new NamespacedName("clusters", "hc-1"));
    assertThat(b1.getSpec().store).isEqualTo("default");
    assertThat(b1.getMetadata().getFinalizers()).containsExactly(HostedClusterBackup.OBJECTS_FINALIZER);
    assertThat(CatalogReconciliation.isImported(b1)).isTrue();
    assertThat(s.phase).isEqualTo(Phase.Completed);
    assertThat(s.startedAt).isEqualTo("2026-11-30T09:00:00Z");
    assertThat(s.completedAt).isEqualTo("2026-11-30T09:01:00Z");
    assertThat(s.location.bucket).isEqualTo(S3ProxyTestSupport.BUCKET);
    assertThat(s.location.keyPrefix).isEqualTo("flotilla/mc-1/clusters/hc-1/b1/");
    assertThat(s.snapshot.rawBytes).isEqualTo(m.snapshot().rawBytes());
    assertThat(s.snapshot.storedBytes).isEqualTo(m.snapshot().storedBytes());
    assertThat(s.snapshot.sha256).isEqualTo(m.snapshot().sha256());
    assertThat(s.snapshot.etcdRevision).isEqualTo(m.snapshot().etcdRevision());
    assertThat(s.observedGeneration).isEqualTo(b1.getMetadata().getGeneration());
    assertThat(Conditions.find(s.conditions, HostedClusterBackup.CONDITION_COMPLETED)).hasValueSatisfying(c -> {
      assertThat(c.getStatus()).isEqualTo(Conditions.TRUE);
      assertThat(c.getReason()).isEqualTo(CatalogReconciliation.IMPORTED_REASON);
    });

    // a second pass finds everything in place
    CatalogSyncer.StoreSync second = syncer(StoreConnector.AWS_SDK).syncOnce().get(0);
    assertThat(second.applied().created()).isEmpty();
    assertThat(second.plan().present()).isEqualTo(3);
  }

  @Test
  void aRecordWhoseBackupIsGoneIsReportedAndKept() {
    record("gone", Phase.Completed, layout(CLUSTER, "hc-1", "gone").folder());

    CatalogSyncer.StoreSync sync = syncer(StoreConnector.AWS_SDK).syncOnce().get(0);

    assertThat(sync.plan().missing()).extracting(CatalogReconciliation.Missing::name).containsExactly("gone");
    assertThat(get("gone")).isNotNull();
    assertThat(kube.client.v1().events().inNamespace(CLUSTER).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("BackupObjectsMissing");
          assertThat(e.getInvolvedObject().getName()).isEqualTo("gone");
        });
  }

  @Test
  void manifestsOfAForeignWriterAreCollisionsAndNotImported() throws Exception {
    catalog.claim("flotilla", new ClusterIdentity(CLUSTER, uid, "2026-11-01T00:00:00Z"));
    commit(CLUSTER, "hc-1", "ours", uid);
    commit(CLUSTER, "hc-1", "theirs", "uid-impostor");

    CatalogSyncer.StoreSync sync = syncer(StoreConnector.AWS_SDK).syncOnce().get(0);

    assertThat(sync.applied().created()).containsExactly("mc-1/ours");
    assertThat(sync.plan().collisions()).singleElement().satisfies(c -> {
      assertThat(c.backup()).isEqualTo("theirs");
      assertThat(c.writerUid()).isEqualTo("uid-impostor");
      assertThat(c.ownerUid()).isEqualTo(uid);
    });
    assertThat(get("theirs")).isNull();
  }

  @Test
  void aFolderOwnedByAnotherClusterOfThisNameImportsNothing() throws Exception {
    catalog.claim("flotilla", new ClusterIdentity(CLUSTER, "uid-previous-mc-1", "2026-01-01T00:00:00Z"));
    commit(CLUSTER, "hc-1", "b1", "uid-previous-mc-1");
    commit(CLUSTER, "hc-1", "b2", null);

    CatalogSyncer.StoreSync sync = syncer(StoreConnector.AWS_SDK).syncOnce().get(0);

    assertThat(sync.plan().collisions()).extracting(CatalogReconciliation.Collision::backup)
        .containsExactlyInAnyOrder("b1", "b2");
    assertThat(names(CLUSTER)).isEmpty();
  }

  @Test
  void aStoreThisSpokeHasNoCredentialsForIsSkippedForGood() {
    kube.store("elsewhere", proxy, "other", "no-such-secret");
    commit(CLUSTER, "hc-1", "b1", null);

    List<CatalogSyncer.StoreSync> syncs = syncer(StoreConnector.AWS_SDK).syncOnce();

    assertThat(syncs).extracting(CatalogSyncer.StoreSync::store).containsExactlyInAnyOrder("default", "elsewhere");
    CatalogSyncer.StoreSync elsewhere = syncs.stream().filter(x -> x.store().equals("elsewhere")).findFirst().orElseThrow();
    assertThat(elsewhere.skipped()).startsWith(BackupFailure.CREDENTIALS_NOT_FOUND);
    assertThat(elsewhere.postponed()).isFalse();
    assertThat(names(CLUSTER)).containsExactly("b1");
  }

  @Test
  void startTriesAgainUntilTheBucketAnswers() {
    commit(CLUSTER, "hc-1", "b1", null);
    AtomicBoolean up = new AtomicBoolean(false);
    StoreConnector.S3Factory flaky = (spec, key, secret) -> {
      if (!up.get()) {
        throw SdkClientException.create("connection refused");
      }
      return StoreConnector.AWS_SDK.create(spec, key, secret);
    };
    CatalogSyncer syncer = new CatalogSyncer(kube.client, kube.client, config(), flaky,
        Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(50));
    AtomicBoolean sawPostponed = new AtomicBoolean();
    try {
      assertThat(syncer.syncOnce()).singleElement().satisfies(s -> sawPostponed.set(s.postponed()));
      syncer.start();
      up.set(true);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(names(CLUSTER)).containsExactly("b1"));
    } finally {
      syncer.close();
    }
    assertThat(sawPostponed).isTrue();
  }

  // ---- helpers

  private CatalogSyncer syncer(StoreConnector.S3Factory s3Factory) {
    return new CatalogSyncer(kube.client, kube.client, config(), s3Factory, Clock.fixed(NOW, ZoneOffset.UTC),
        Duration.ofMinutes(1));
  }

  private static AgentConfig config() {
    return AgentConfig.of(CLUSTER).withBackup(BackupConfig.defaults().withAgentNamespace(BucketFixture.AGENT_NAMESPACE));
  }

  private static BackupLayout layout(String cluster, String hc, String backup) {
    return new BackupLayout("flotilla", cluster, "clusters", hc, backup);
  }

  private static BackupManifest manifest(String cluster, String hc, String backup, String writer) {
    return new BackupManifest(BackupManifest.FORMAT_VERSION, backup, cluster,
        new BackupManifest.HostedClusterRef("clusters", hc), "2026-11-30T09:00:00.250Z", "2026-11-30T09:01:00.500Z",
        "zstd", "none", null, null,
        new BackupManifest.ObjectFigures("etcd-snapshot.db.zst", 4096, 1024, "ab".repeat(32), "cd".repeat(32),
            100L + backup.length(), 42L),
        new BackupManifest.ObjectFigures("resources.tar.zst", 512, 128, "ef".repeat(32), "01".repeat(32), null, null),
        "hypershift.openshift.io/v1beta1", "0.1.0").writtenBy(writer);
  }

  private void commit(String cluster, String hc, String backup, String writer) {
    catalog.commit(layout(cluster, hc, backup), manifest(cluster, hc, backup, writer), Optional.empty());
  }

  private void record(String name, Phase phase, String keyPrefix) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withNamespace(CLUSTER).withName(name).build());
    b.setSpec(new HostedClusterBackupSpec());
    b.getSpec().store = "default";
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    HostedClusterBackup created = kube.client.resource(b).create();
    created.getStatus().phase = phase;
    created.getStatus().location = new HostedClusterBackupStatus.Location();
    created.getStatus().location.bucket = S3ProxyTestSupport.BUCKET;
    created.getStatus().location.keyPrefix = keyPrefix;
    kube.client.resource(created).updateStatus();
  }

  private HostedClusterBackup get(String name) {
    return kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).get();
  }

  private List<String> names(String namespace) {
    return kube.client.resources(HostedClusterBackup.class).inNamespace(namespace).list().getItems().stream()
        .map(b -> b.getMetadata().getName()).toList();
  }
}
