package io.flotilla.sandbox.hypershift;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.common.Conditions;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Helpers shared by the simulator's integration tests. */
final class Fixtures {
  static final String NS = "clusters";

  private Fixtures() {}

  static void assumeEtcd() {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")) || System.getenv(EtcdLauncher.ENV_VAR) != null, "etcd missing");
  }

  static HostedCluster hostedCluster(String name, String restoreUrl) {
    HostedCluster hc = new HostedCluster();
    hc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    hc.getSpec().infraID = name + "-infra";
    if (restoreUrl != null) {
      hc.getSpec().etcd = new HostedCluster.Etcd();
      hc.getSpec().etcd.managementType = "Managed";
      hc.getSpec().etcd.managed = new HostedCluster.ManagedEtcd();
      hc.getSpec().etcd.managed.storage = new HostedCluster.EtcdStorage();
      hc.getSpec().etcd.managed.storage.type = "PersistentVolume";
      hc.getSpec().etcd.managed.storage.restoreSnapshotURL = List.of(restoreUrl);
    }
    return hc;
  }

  static HostedCluster create(KubernetesClient client, HostedCluster hc) {
    return client.resource(hc).create();
  }

  static NodePool nodePool(KubernetesClient client, String hostedCluster, int replicas) {
    NodePool np = new NodePool();
    np.setMetadata(new ObjectMetaBuilder().withName(hostedCluster + "-workers").withNamespace(NS).build());
    np.getSpec().clusterName = hostedCluster;
    np.getSpec().replicas = replicas;
    return client.resource(np).create();
  }

  static HostedCluster get(KubernetesClient client, String name) {
    return client.resources(HostedCluster.class).inNamespace(NS).withName(name).get();
  }

  static Optional<Condition> condition(KubernetesClient client, String name, String type) {
    HostedCluster hc = get(client, name);
    return hc == null || hc.getStatus() == null ? Optional.empty() : Conditions.find(hc.getStatus().conditions, type);
  }

  static Condition requireCondition(KubernetesClient client, String name, String type) {
    return condition(client, name, type).orElseThrow(() -> new AssertionError(type + " not set on " + name + " yet"));
  }

  static Optional<Condition> hcpCondition(KubernetesClient client, String name, String type) {
    HostedControlPlane hcp = client.resources(HostedControlPlane.class).inNamespace(NS + "-" + name).withName(name).get();
    return hcp == null || hcp.getStatus() == null ? Optional.empty() : Conditions.find(hcp.getStatus().conditions, type);
  }

  static String status(KubernetesClient client, String name, String type) {
    return condition(client, name, type).map(Condition::getStatus).orElse(Conditions.UNKNOWN);
  }

  static void mergePatch(KubernetesClient client, Class<? extends io.fabric8.kubernetes.client.CustomResource<?, ?>> type,
                         String ns, String name, String patch) {
    client.resources(type).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  static void annotate(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata o, Map<String, String> annotations) {
    StringBuilder json = new StringBuilder("{\"metadata\":{\"annotations\":{");
    annotations.forEach((k, v) -> json.append(Kube.json(k)).append(':').append(Kube.json(v)).append(','));
    json.setLength(json.length() - 1);
    json.append("}}}");
    client.resource(o).patch(PatchContext.of(PatchType.JSON_MERGE), json.toString());
  }

  /** Removes all finalizers (the §1.5 teardown's `--type=json remove /metadata/finalizers`), then deletes. */
  static void stripFinalizersAndDelete(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata o) {
    if (o.getMetadata().getFinalizers() != null && !o.getMetadata().getFinalizers().isEmpty()) {
      client.resource(o).patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    }
    client.resource(o).delete();
  }

  /** Count and SHA-256 over every key and value of an etcd, in key order: equal digests mean identical content. */
  static String digest(EtcdProcess etcd) throws Exception {
    return digestAt(etcd, 0);
  }

  /**
   * {@link #digest} as etcd held it at {@code revision} (0: now). A restored control plane's kube-apiserver writes from
   * the moment it runs (docs/hypershift-facts.md §8), so a restore is compared with its source at the source's revision.
   */
  static String digestAt(EtcdProcess etcd, long revision) throws Exception {
    try (Client client = etcd.newClient()) {
      ByteSequence all = ByteSequence.from(new byte[] {0});
      List<KeyValue> kvs = client.getKVClient().get(all, GetOption.builder().withRange(all).withRevision(revision)
          .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build())
          .get(60, TimeUnit.SECONDS).getKvs();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (KeyValue kv : kvs) {
        byte[] k = kv.getKey().getBytes();
        byte[] v = kv.getValue().getBytes();
        sha.update(ByteBuffer.allocate(4).putInt(k.length).array());
        sha.update(k);
        sha.update(ByteBuffer.allocate(4).putInt(v.length).array());
        sha.update(v);
      }
      return kvs.size() + " keys, sha256 " + HexFormat.of().formatHex(sha.digest());
    }
  }

  /** etcd's current revision. */
  static long revision(EtcdProcess etcd) throws Exception {
    try (Client client = etcd.newClient()) {
      return io.flotilla.agent.storage.EtcdState.read(client, java.time.Duration.ofSeconds(30)).revision();
    }
  }

  /** Whether a live thread has this name (the simulator names its threads after what they do). */
  static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && name.equals(t.getName()));
  }

  static void put(EtcdProcess etcd, String key, String value) throws Exception {
    try (Client client = etcd.newClient()) {
      client.getKVClient().put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value, StandardCharsets.UTF_8))
          .get(30, TimeUnit.SECONDS);
    }
  }
}
