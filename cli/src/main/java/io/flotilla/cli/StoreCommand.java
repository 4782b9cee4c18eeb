package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "store", description = {
    "BackupStores: where backups go and the keys they are encrypted under. The keys themselves are on the spokes, in "
        + "each store's key Secret; the hub and this command only ever see their ids."},
    subcommands = {StoreCommand.Describe.class, StoreCommand.RotateKey.class})
final class StoreCommand {

  static BackupStore require(KubernetesClient hub, String name) {
    BackupStore store = hub.resources(BackupStore.class).withName(name).get();
    if (store == null) {
      throw new BadInputException("no BackupStore \"" + name + "\" on the hub (have: "
          + HubQueries.names(hub.resources(BackupStore.class).list().getItems()) + ")");
    }
    return store;
  }

  static String keySecret(BackupStore store) {
    var enc = store.getSpec().encryption;
    return enc == null || enc.keySecret == null ? "(none named)" : enc.keySecret.namespace + "/" + enc.keySecret.name;
  }

  /** Completed backups of the store by the key id their status records ("?" for records from before key ids). */
  static Map<String, Integer> backupsByKey(KubernetesClient hub, String store) {
    Map<String, Integer> byKey = new TreeMap<>();
    for (HostedClusterBackup b : hub.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems()) {
      if (b.getSpec() != null && store.equals(b.getSpec().store) && b.getStatus() != null
          && b.getStatus().phase == Phase.Completed) {
        byKey.merge(Objects.requireNonNullElse(b.getStatus().keyId, "?"), 1, Integer::sum);
      }
    }
    return byKey;
  }

  @Command(name = "describe", description = "Show a BackupStore: bucket, encryption, the active key id, the retired "
      + "ones, and how many backups each key wraps.")
  static final class Describe implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE", description = "BackupStore name.")
    String name;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        BackupStore store = require(client, name);
        BackupStoreSpec s = store.getSpec();
        BackupStoreStatus st = store.getStatus() == null ? new BackupStoreStatus() : store.getStatus();
        var enc = s.encryption;
        out.printf("BackupStore %s: bucket %s, prefix %s, endpoint %s%n", name, s.bucket,
            s.prefix == null ? "(none)" : s.prefix, s.endpoint == null ? "AWS S3" : s.endpoint);
        out.printf("encryption: %s, key Secret on each spoke: %s%n", enc == null || enc.type == null ? "AES256GCM"
            : enc.type, keySecret(store));
        String active = enc == null ? null : enc.activeKeyId;
        out.printf("active key: %s%n", active == null ? "the one each spoke's key Secret names active (never rotated "
            + "through the hub)" : active + " (" + (enc.activeKeySource == null ? "Provided" : enc.activeKeySource)
            + (st.activeKeySince == null ? "" : ", since " + st.activeKeySince) + ")");
        out.printf("retired keys: %s%n", st.retiredKeyIds == null || st.retiredKeyIds.isEmpty() ? "none"
            : String.join(", ", st.retiredKeyIds));
        Map<String, Integer> byKey = backupsByKey(client, name);
        if (!byKey.isEmpty()) {
          Table t = new Table("KEY", "BACKUPS", "");
          byKey.forEach((k, n) -> t.row(k, n, k.equals(active) ? "active" : "?".equals(k)
              ? "recorded before key ids" : "rewrap: flotilla backup rewrap --all --store " + name));
          out.print(t.render());
        }
        return 0;
      }
    }
  }

  @Command(name = "rotate-key", description = {
      "Make a new key the store's active key: new backups on every cluster are written under it, older ones keep "
          + "restoring with the keys they name, which stay in each spoke's key Secret (retired, not removed).",
      "By default the key is generated on the spokes: the first agent that needs it generates it and leaves a copy "
          + "in the bucket, wrapped under the key it replaces, from which every other agent adds it to its own key "
          + "Secret. It never reaches the hub or this command. That limits how long one key is used; it does not "
          + "help against a leaked key (whoever has the old key and the bucket can open the copy): for that, put a "
          + "new key in every spoke's Secret yourself and use --key-id ID --provided (docs/runbooks/rotate-key.md)."})
  static final class RotateKey implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "STORE", description = "BackupStore name.")
    String name;

    @Option(names = "--key-id", paramLabel = "ID", description = "Id of the new key (default k-<yyyyMMdd-HHmmss>, UTC).")
    String keyId;

    @Option(names = "--provided", description = "The key is already in every spoke's key Secret as key-<ID>: agents "
        + "take it from there and never generate it.")
    boolean provided;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        BackupStore store = require(client, name);
        Set<String> used = new TreeSet<>(backupsByKey(client, name).keySet());
        if (store.getStatus() != null && store.getStatus().retiredKeyIds != null) {
          used.addAll(store.getStatus().retiredKeyIds);
        }
        KeyRotation rotation = KeyRotation.plan(store, keyId, provided, used, Instant.now());
        Map<String, Object> encryption = new LinkedHashMap<>();
        encryption.put("activeKeyId", rotation.keyId());
        encryption.put("activeKeySource", rotation.source().name());
        // a merge patch of these two fields, on the version read: a rotation someone made meanwhile is not overwritten
        client.resources(BackupStore.class).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(Map.of(
                "metadata", Map.of("resourceVersion", store.getMetadata().getResourceVersion()),
                "spec", Map.of("encryption", encryption))));
        out.print(rotation.describe(keySecret(store)));
        return 0;
      }
    }
  }
}
