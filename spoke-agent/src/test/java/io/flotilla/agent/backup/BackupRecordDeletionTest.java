package io.flotilla.agent.backup;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.hub.RecordWork;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deleted backup record, through the agent's reconciler (called directly) against a CRUD mock and S3Proxy: what is
 * left in the bucket afterwards. Only a record deleted on its own takes its objects with it, and only from its folder.
 */
class BackupRecordDeletionTest {
  static final String CLUSTER = "mc-1";
  static final String OWN = "flotilla/mc-1/clusters/hc-1/b1/";

  @RegisterExtension
  final S3ProxyExtension proxy = S3ProxyTestSupport.extension();

  private BucketFixture kube;
  private S3Client s3;
  private HostedClusterBackupReconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    s3 = S3ProxyTestSupport.client(proxy);
    kube = new BucketFixture();
    kube.namespace(BucketFixture.AGENT_NAMESPACE);
    kube.namespace(CLUSTER);
    kube.credentials(proxy);
    kube.store("default", proxy, "flotilla", BucketFixture.CREDENTIALS);
    AgentConfig config = new AgentConfig(CLUSTER, Duration.ofSeconds(60), "test")
        .withBackup(BackupConfig.defaults().withAgentNamespace(BucketFixture.AGENT_NAMESPACE));
    reconciler = new HostedClusterBackupReconciler(kube.client, kube.client, config, StoreConnector.AWS_SDK,
        "test/" + CLUSTER, RecordWork.inline("backup", config.work()));
    for (String folder : List.of(OWN, "flotilla/mc-1/clusters/hc-1/b2/")) {
      for (String object : List.of("etcd-snapshot.db.zst", "resources.tar.zst", "manifest.json")) {
        s3.putObject(r -> r.bucket(S3ProxyTestSupport.BUCKET).key(folder + object), RequestBody.fromString("x"));
      }
    }
  }

  @AfterEach
  void tearDown() {
    reconciler.close();
    kube.close();
    s3.close();
  }

  /** A Completed record b1 with our finalizer and the given location, then deleted. */
  private HostedClusterBackup deletedRecord(String location) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.getMetadata().setNamespace(CLUSTER);
    b.getMetadata().setName("b1");
    b.getMetadata().setFinalizers(List.of(HostedClusterBackup.OBJECTS_FINALIZER));
    b.getSpec().hostedCluster = new NamespacedName("clusters", "hc-1");
    b.getSpec().store = "default";
    kube.client.resource(b).create();
    HostedClusterBackupStatus s = new HostedClusterBackupStatus();
    s.phase = Phase.Completed;
    s.location = new HostedClusterBackupStatus.Location();
    s.location.bucket = S3ProxyTestSupport.BUCKET;
    s.location.keyPrefix = location;
    kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), kube.client.getKubernetesSerialization().asJson(Map.of("status", s)));
    kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").delete();
    return kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").get();
  }

  private List<String> keys(String prefix) {
    return s3.listObjectsV2Paginator(r -> r.bucket(S3ProxyTestSupport.BUCKET).prefix(prefix)).contents().stream()
        .map(o -> o.key()).toList();
  }

  @Test
  void backupDeleteRemovesItsOwnFolderAndNothingElse() {
    assertThat(reconciler.cleanup(deletedRecord(OWN), null).isRemoveFinalizer()).isTrue();
    assertThat(keys(OWN)).isEmpty();
    assertThat(keys("flotilla/mc-1/clusters/hc-1/b2/")).hasSize(3);
  }

  @Test
  void aRecordThatGoesWithItsNamespaceLeavesItsObjectsInTheBucket() {
    HostedClusterBackup b = deletedRecord(OWN);
    kube.client.namespaces().withName(CLUSTER).delete(); // the ManagementCluster was removed, or the namespace deleted
    assertThat(reconciler.cleanup(b, null).isRemoveFinalizer()).isTrue();
    assertThat(keys(OWN)).hasSize(3);
  }

  @Test
  void aLocationThatIsNotItsOwnFolderIsRefusedAndNothingIsDeleted() {
    for (String location : List.of("", "flotilla/mc-1/", "flotilla/mc-1/clusters/hc-1/b2/")) {
      HostedClusterBackup b = deletedRecord(location);
      assertThat(reconciler.cleanup(b, null).isRemoveFinalizer()).as(location).isFalse();
      assertThat(keys("flotilla/")).as("after a refused delete with location '" + location + "'").hasSize(6);
      assertThat(kube.client.v1().events().inNamespace(CLUSTER).list().getItems())
          .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(BackupDeletion.REASON_LOCATION_NOT_OWN_FOLDER));
      // let it go by hand, as the message says, for the next round
      kube.client.resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName("b1").edit(r -> {
        r.getMetadata().setFinalizers(List.of());
        return r;
      });
    }
  }
}
