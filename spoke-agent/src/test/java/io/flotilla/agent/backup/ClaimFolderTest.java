package io.flotilla.agent.backup;

import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.ClusterIdentity;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The backup preflight's location check (StoreConnector.claimFolder) against S3Proxy: the collision guard. */
class ClaimFolderTest {
  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private BucketFixture kube;
  private S3Client s3;
  private StoreConnector stores;
  private String agentNamespaceUid;

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    kube = new BucketFixture();
    agentNamespaceUid = kube.namespace(BucketFixture.AGENT_NAMESPACE);
    kube.credentials(proxy);
    kube.store("default", proxy, "flotilla", BucketFixture.CREDENTIALS);
    stores = new StoreConnector(kube.client, kube.client, StoreConnector.AWS_SDK);
  }

  @AfterEach
  void tearDown() {
    kube.close();
    s3.close();
  }

  @Test
  void theFirstBackupWritesTheMarkerWithTheKubeSystemUid() throws Exception {
    String kubeSystemUid = kube.namespace("kube-system");
    try (StoreConnector.Connection store = stores.connect("default")) {
      String uid = stores.claimFolder(store, layout("b1"), BucketFixture.AGENT_NAMESPACE);
      assertThat(uid).isEqualTo(kubeSystemUid).isNotEqualTo(agentNamespaceUid);
      assertThat(stores.claimFolder(store, layout("b2"), BucketFixture.AGENT_NAMESPACE)).isEqualTo(uid);
      assertThat(store.catalog().identity("flotilla", "mc-1")).map(ClusterIdentity::clusterUID)
          .contains(kubeSystemUid);
    }
  }

  @Test
  void withoutKubeSystemTheAgentNamespaceIdentifiesTheCluster() throws Exception {
    try (StoreConnector.Connection store = stores.connect("default")) {
      assertThat(stores.claimFolder(store, layout("b1"), BucketFixture.AGENT_NAMESPACE)).isEqualTo(agentNamespaceUid);
      assertThatThrownBy(() -> stores.claimFolder(store, layout("b1"), "no-such-namespace"))
          .isInstanceOfSatisfying(BackupFailure.class, f -> assertThat(f.reason())
              .isEqualTo(StoreConnector.CLUSTER_IDENTITY_UNKNOWN));
    }
  }

  @Test
  void aSecondClusterOfTheSameNameIsRefusedNamingBothUids() throws Exception {
    // two agents on "clusters" told apart by their namespaces' UIDs (no kube-system on this mock)
    String impostorUid = kube.namespace("agent-of-the-impostor");
    try (StoreConnector.Connection store = stores.connect("default")) {
      stores.claimFolder(store, layout("b1"), BucketFixture.AGENT_NAMESPACE);
      String marker = s3.getObjectAsBytes(b -> b.bucket(S3ProxyTestSupport.BUCKET)
          .key("flotilla/mc-1/cluster-identity.json")).asUtf8String();

      assertThatThrownBy(() -> stores.claimFolder(store, layout("b2"), "agent-of-the-impostor"))
          .isInstanceOfSatisfying(BackupFailure.class, f -> {
            assertThat(f.reason()).isEqualTo("BackupLocationCollision");
            assertThat(f.getMessage()).contains(agentNamespaceUid, impostorUid,
                "s3://" + S3ProxyTestSupport.BUCKET + "/flotilla/mc-1/", "nothing was paused", "flotilla backup sync");
          });
      assertThat(s3.getObjectAsBytes(b -> b.bucket(S3ProxyTestSupport.BUCKET)
          .key("flotilla/mc-1/cluster-identity.json")).asUtf8String()).as("the owner's marker stays").isEqualTo(marker);
    }
  }

  @Test
  void aCommittedBackupIsNeverOverwritten() throws Exception {
    try (StoreConnector.Connection store = stores.connect("default")) {
      BackupCatalog catalog = store.catalog();
      catalog.commit(layout("b1"), new BackupManifest(1, "b1", "mc-1", new BackupManifest.HostedClusterRef("clusters",
          "hc-1"), null, null, "zstd", "none", null, null, null, null, null, null), Optional.empty());

      assertThatThrownBy(() -> stores.claimFolder(store, layout("b1"), BucketFixture.AGENT_NAMESPACE))
          .isInstanceOfSatisfying(BackupFailure.class, f -> {
            assertThat(f.reason()).isEqualTo(StoreConnector.BACKUP_EXISTS);
            assertThat(f.getMessage()).contains(layout("b1").folder(), "never overwritten");
          });
      assertThat(stores.claimFolder(store, layout("b2"), BucketFixture.AGENT_NAMESPACE)).isEqualTo(agentNamespaceUid);
    }
  }

  private static BackupLayout layout(String backup) {
    return new BackupLayout("flotilla", "mc-1", "clusters", "hc-1", backup);
  }
}
