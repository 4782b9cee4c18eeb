package io.flotilla.sandbox.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.backup.BackupConfig;
import io.flotilla.agent.backup.BackupExecutor;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.hub.HubRecords;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.common.Durations;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.kube.MockApiServer;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole agent backup as the benchmark's backup under test: {@link BackupExecutor} against a hub and a management
 * cluster (mock API servers) whose HostedCluster's etcd is the benchmark's etcd. It preflights, pauses the
 * HostedCluster and NodePool with a deadline, streams the snapshot, backs up the resources, resumes and commits, so
 * the benchmark reports the real pause window (status.pauseWindow), not a stand-in.
 */
public final class AgentBackup implements BackupUnderTest, AutoCloseable {
  private static final String CLUSTER = "bench-mc";
  private static final String NS = "clusters";
  private static final String HC = "bench";
  private static final String AGENT_NS = BackupConfig.DEFAULT_NAMESPACE;

  private MockApiServer hub;
  private MockApiServer spoke;
  private BackupExecutor executor;
  private HubRecords<HostedClusterBackup, HostedClusterBackupStatus> records;
  private final AtomicInteger runs = new AtomicInteger();

  @Override
  public Outcome run(Environment env, String objectPrefix) throws Exception {
    if (hub == null) {
      install(env);
    }
    setPrefix(objectPrefix);
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withName("bench-" + runs.incrementAndGet()).withNamespace(CLUSTER).build());
    b.getSpec().hostedCluster = new NamespacedName(NS, HC);
    b.getSpec().store = "bench";
    HostedClusterBackup created = hub.adminClient().resource(b).create();
    executor.execute(created);
    HostedClusterBackupStatus s = records.get(CLUSTER, created.getMetadata().getName()).getStatus();
    if (s.phase != HostedClusterBackupStatus.Phase.Completed) {
      throw new IllegalStateException("the agent's backup ended " + s.phase + ": " + s.conditions);
    }
    return new Outcome(new SnapshotFigures(s.snapshot.rawBytes, s.snapshot.storedBytes, s.snapshot.sha256, null),
        Optional.of(Durations.parse(s.pauseWindow)));
  }

  private void install(Environment env) {
    hub = MockApiServer.start("bench-hub");
    spoke = MockApiServer.start(CLUSTER);
    KubernetesClient local = spoke.adminClient();
    byte[] key = new byte[KeyEncryptionKey.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    for (String ns : new String[] {NS, HostedCluster.controlPlaneNamespace(NS, HC), AGENT_NS}) {
      local.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    local.secrets().inNamespace(AGENT_NS).resource(new SecretBuilder().withNewMetadata().withName("store-credentials")
        .endMetadata().addToData(StoreConnector.ACCESS_KEY_ID, b64(env.store().accessKey()))
        .addToData(StoreConnector.SECRET_ACCESS_KEY, b64(env.store().secretKey())).build()).create();
    local.secrets().inNamespace(AGENT_NS).resource(new SecretBuilder().withNewMetadata().withName("encryption-key")
        .endMetadata().addToData(KeyEncryptionKey.SECRET_KEY, Base64.getEncoder().encodeToString(key))
        .addToData(KeyEncryptionKey.SECRET_KEY_ID, b64("bench-kek")).build()).create();

    String cpNs = HostedCluster.controlPlaneNamespace(NS, HC);
    var tls = env.etcd().tls();
    local.secrets().inNamespace(cpNs).resource(new SecretBuilder().withNewMetadata().withName("etcd-client-tls")
        .endMetadata().addToData("etcd-client.crt", b64(tls.clientCertPem()))
        .addToData("etcd-client.key", b64(tls.clientKeyPem())).addToData("etcd-client-ca.crt", b64(tls.caPem()))
        .build()).create();
    local.services().inNamespace(cpNs).resource(new ServiceBuilder().withNewMetadata().withName("etcd-client")
        .endMetadata().withNewSpec().withType("ExternalName").withExternalName("localhost")
        .addNewPort().withName("etcd-client").withPort(env.etcd().port()).endPort().endSpec().build()).create();
    HostedCluster hc = new HostedCluster();
    hc.setMetadata(new ObjectMetaBuilder().withName(HC).withNamespace(NS).build());
    local.resource(hc).create();
    NodePool np = new NodePool();
    np.setMetadata(new ObjectMetaBuilder().withName(HC + "-workers").withNamespace(NS).build());
    np.getSpec().clusterName = HC;
    np.getSpec().replicas = 2;
    local.resource(np).create();

    BackupStore store = new BackupStore();
    store.setMetadata(new ObjectMetaBuilder().withName("bench").build());
    store.getSpec().bucket = env.store().bucket();
    store.getSpec().endpoint = env.store().endpoint().toString();
    store.getSpec().region = env.store().region();
    store.getSpec().forcePathStyle = true;
    store.getSpec().insecureEndpoint = true; // S3Proxy on loopback, plain http
    store.getSpec().credentialsSecret = new NamespacedName(AGENT_NS, "store-credentials");
    store.getSpec().encryption = new BackupStoreSpec.Encryption();
    store.getSpec().encryption.keySecret = new NamespacedName(AGENT_NS, "encryption-key");
    hub.adminClient().resource(store).create();

    Clock clock = Clock.systemUTC();
    records = new HubRecords<>(hub.adminClient(), HostedClusterBackup.class, HostedClusterBackupStatus::new,
        HostedClusterBackup.OBJECTS_FINALIZER, clock, "bench");
    executor = new BackupExecutor(local, CLUSTER, "bench", BackupConfig.defaults(),
        new StoreConnector(hub.adminClient(), local, StoreConnector.AWS_SDK), records, clock, "bench");
  }

  /** Each run writes under the benchmark's fresh prefix, which the benchmark empties afterwards. */
  private void setPrefix(String prefix) {
    hub.adminClient().resources(BackupStore.class).withName("bench").edit(s -> {
      s.getSpec().prefix = prefix;
      return s;
    });
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    if (spoke != null) {
      spoke.close();
    }
    if (hub != null) {
      hub.close();
    }
  }
}
