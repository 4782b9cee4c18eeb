package io.flotilla.agent.backup;

import io.flotilla.testing.MockApiServers;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.storage.S3ProxyTestSupport;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import org.gaul.s3proxy.junit.S3ProxyExtension;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One CRUD-mode mock API server standing for both the hub and a spoke (their objects never share a namespace), with
 * the backup CRDs registered so /status is a subresource, and a BackupStore on an embedded S3Proxy whose credentials
 * Secret is on the "spoke".
 */
final class BucketFixture implements AutoCloseable {
  static final String AGENT_NAMESPACE = "flotilla-agent";
  static final String CREDENTIALS = "store-credentials";

  final KubernetesMockServer server;
  final KubernetesClient client;

  BucketFixture() throws Exception {
    server = MockApiServers.startCrud();
    client = server.createClient();
    MockApiServers.applyCrds(client, "hostedclusterbackups.dr.flotilla.io", "backupstores.dr.flotilla.io");
  }

  /** Creates a namespace; returns the UID the API server gave it. */
  String namespace(String name) {
    return client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create().getMetadata().getUid();
  }

  /** BackupStore {@code name} on the proxy's bucket, no encryption, credentials in the agent namespace. */
  void store(String name, S3ProxyExtension proxy, String prefix, String credentialsSecret) {
    BackupStore store = new BackupStore();
    store.getMetadata().setName(name);
    BackupStoreSpec spec = store.getSpec();
    spec.bucket = S3ProxyTestSupport.BUCKET;
    spec.prefix = prefix;
    spec.endpoint = proxy.getUri().toString();
    spec.forcePathStyle = true;
    spec.credentialsSecret = new NamespacedName(AGENT_NAMESPACE, credentialsSecret);
    spec.encryption = new BackupStoreSpec.Encryption();
    spec.encryption.type = BackupStoreSpec.Encryption.Type.None;
    spec.allowUnencrypted = true;
    spec.insecureEndpoint = true; // S3Proxy on loopback
    client.resource(store).create();
  }

  void credentials(S3ProxyExtension proxy) {
    client.secrets().inNamespace(AGENT_NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(CREDENTIALS)
        .withNamespace(AGENT_NAMESPACE).endMetadata()
        .addToData(StoreConnector.ACCESS_KEY_ID, b64(proxy.getAccessKey()))
        .addToData(StoreConnector.SECRET_ACCESS_KEY, b64(proxy.getSecretKey())).build()).create();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
