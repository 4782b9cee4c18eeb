package io.flotilla.e2e.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.sandbox.Fleet;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/** What the backup scenarios share: creating records on the hub, watching a hosted cluster, reading the bucket. */
final class BackupHarness {
  static final String CLUSTER = "mc-1";
  static final String NS = Fleet.HOSTED_CLUSTER_NAMESPACE;

  final Fleet fleet;
  private int counter;

  BackupHarness(Fleet fleet) {
    this.fleet = fleet;
  }

  KubernetesClient hub() {
    return fleet.hub();
  }

  KubernetesClient spoke() {
    return fleet.spokeClient(CLUSTER);
  }

  HostedClusterBackup create(String hostedCluster, Consumer<HostedClusterBackupSpec> customise) {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withName(hostedCluster + "-b" + (++counter)).withNamespace(CLUSTER).build());
    b.getSpec().hostedCluster = new NamespacedName(NS, hostedCluster);
    b.getSpec().store = Fleet.BACKUP_STORE;
    customise.accept(b.getSpec());
    return hub().resource(b).create();
  }

  HostedClusterBackup get(String name) {
    return hub().resources(HostedClusterBackup.class).inNamespace(CLUSTER).withName(name).get();
  }

  HostedClusterBackup awaitEnd(HostedClusterBackup b) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
      HostedClusterBackup now = get(b.getMetadata().getName());
      return now != null && now.getStatus() != null
          && (now.getStatus().phase == Phase.Completed || now.getStatus().phase == Phase.Failed);
    });
    return get(b.getMetadata().getName());
  }

  void awaitStep(HostedClusterBackup b, String step) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      HostedClusterBackup now = get(b.getMetadata().getName());
      return now != null && now.getStatus() != null && now.getStatus().progress != null
          && step.equals(now.getStatus().progress.step)
          && (!"Snapshot".equals(step) || Objects.requireNonNullElse(now.getStatus().progress.bytesDone, 0L) > 0);
    });
  }

  HostedCluster hostedCluster(String name) {
    return spoke().resources(HostedCluster.class).inNamespace(NS).withName(name).get();
  }

  String pausedUntil(String hostedCluster) {
    HostedCluster hc = hostedCluster(hostedCluster);
    return hc.getSpec() == null ? null : hc.getSpec().pausedUntil;
  }

  void setPausedUntil(String hostedCluster, String value) {
    spoke().resources(HostedCluster.class).inNamespace(NS).withName(hostedCluster).patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"pausedUntil\":" + (value == null ? "null" : "\"" + value + "\"") + "}}");
  }

  /** Every distinct value of a hosted cluster's spec.pausedUntil, in the order the watch saw them. */
  static final class PauseRecorder implements AutoCloseable {
    final List<String> values = Collections.synchronizedList(new ArrayList<>());
    private final SharedIndexInformer<HostedCluster> informer;

    PauseRecorder(KubernetesClient spoke, String hostedCluster) {
      informer = spoke.resources(HostedCluster.class).inNamespace(NS).withField("metadata.name", hostedCluster)
          .inform(new ResourceEventHandler<>() {
            @Override public void onAdd(HostedCluster hc) { record(hc); }
            @Override public void onUpdate(HostedCluster o, HostedCluster hc) { record(hc); }
            @Override public void onDelete(HostedCluster hc, boolean b) { }
          }, 0);
    }

    private void record(HostedCluster hc) {
      String v = hc.getSpec() == null ? null : hc.getSpec().pausedUntil;
      synchronized (values) {
        if (values.isEmpty() || !Objects.equals(values.get(values.size() - 1), v)) {
          values.add(v);
        }
      }
    }

    List<String> values() {
      synchronized (values) {
        return new ArrayList<>(values);
      }
    }

    @Override
    public void close() {
      informer.close();
    }
  }

  S3Client s3() {
    return fleet.objectStore().newClient();
  }

  List<String> objectKeys(String prefix) {
    try (S3Client s3 = s3()) {
      return s3.listObjectsV2Paginator(r -> r.bucket(fleet.objectStore().bucket()).prefix(prefix)).contents().stream()
          .map(o -> o.key()).toList();
    }
  }

  int danglingUploads(String prefix) {
    try (S3Client s3 = s3()) {
      return s3.listMultipartUploads(r -> r.bucket(fleet.objectStore().bucket()).prefix(prefix)).uploads().size();
    }
  }

  /** The folder a backup of {@code hostedCluster} named {@code backup} lives in. */
  String folder(String hostedCluster, String backup) {
    return new BackupLayout("flotilla", CLUSTER, NS, hostedCluster, backup).folder();
  }

  KeyEncryptionKey kek() throws Exception {
    Secret s = spoke().secrets().inNamespace(Fleet.AGENT_NAMESPACE).withName(Fleet.ENCRYPTION_KEY_SECRET).get();
    return KeyEncryptionKey.from(Base64.getDecoder().decode(s.getData().get(KeyEncryptionKey.SECRET_KEY)),
        new String(Base64.getDecoder().decode(s.getData().get(KeyEncryptionKey.SECRET_KEY_ID)), StandardCharsets.UTF_8));
  }

  /** Reads a completed backup from the bucket alone (manifest → key → decrypt → decompress → checks). */
  Path download(HostedClusterBackup b, Path dir) throws Exception {
    try (S3Client s3 = s3()) {
      BackupCatalog catalog = new BackupCatalog(s3, fleet.objectStore().bucket());
      String folder = b.getStatus().location.keyPrefix;
      BackupManifest manifest = catalog.read(new BackupCatalog.BackupRef(folder, folder + BackupLayout.MANIFEST));
      Path out = dir.resolve(b.getMetadata().getName() + ".db");
      try (OutputStream o = Files.newOutputStream(out)) {
        new SnapshotReader(s3, fleet.objectStore().bucket(), Codec.fromManifestName(manifest.codec()),
            BackupEncryption.forReading(manifest, kek()))
            .read(folder + manifest.snapshot().object(), BackupLayout.SNAPSHOT_ROLE, manifest.snapshot().figures(), o);
      }
      return out;
    }
  }

  static JsonNode etcdctlSnapshotStatus(Path snapshot) throws Exception {
    Process p = new ProcessBuilder("etcdctl", "snapshot", "status", "-w", "json", snapshot.toString()).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
    String text = new String(out, StandardCharsets.UTF_8);
    return new ObjectMapper().readTree(text.substring(text.indexOf('{')));
  }

  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }
}
