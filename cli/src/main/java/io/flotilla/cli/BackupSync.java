package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.backup.CatalogSyncer;
import io.flotilla.agent.backup.StoreConnector;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code flotilla backup sync}: rebuilds the hub's catalogue of HostedClusterBackup records from a BackupStore's
 * bucket, the source of truth, for every cluster folder in it, lost clusters included. Decisions are
 * {@link CatalogReconciliation}'s, writes {@link CatalogSyncer#apply}'s: the same as each agent's sync at start.
 */
@Command(name = "sync", description = {
    "Rebuild the hub's backup records from the bucket: every committed backup (a folder with manifest.json) of every "
        + "cluster folder in the BackupStore gets its HostedClusterBackup, Completed, in its cluster's namespace. "
        + "Records that exist are left alone; records whose backup is gone from the bucket are reported, never "
        + "deleted. "
        + "A backup written by another cluster than its folder's owner (cluster-identity.json) is a collision: "
        + "reported, not imported, exit 1.",
    "Backups of clusters not registered on the hub are imported only with --create-namespaces.",
    "The bucket is read with the store's credentials: --credentials-file, or else the Secret named like the store's "
        + "credentialsSecret in --credentials-namespace on the hub (keys accessKeyId and secretAccessKey)."})
final class BackupSync implements Callable<Integer> {
  static final String DEFAULT_CREDENTIALS_NAMESPACE = "flotilla-system";
  static final String CREATED_BY_LABEL = "flotilla.io/created-by";

  @Option(names = "--store", paramLabel = "NAME", defaultValue = "default",
      description = "BackupStore whose bucket to read (default: default).")
  String store;

  @Option(names = "--credentials-file", paramLabel = "FILE",
      description = "Object-store credentials as KEY=VALUE lines: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (as "
          + "in the sandbox's s3.env), aws_access_key_id and aws_secret_access_key, or accessKeyId and "
          + "secretAccessKey.")
  Path credentialsFile;

  @Option(names = "--credentials-namespace", paramLabel = "NAMESPACE", defaultValue = DEFAULT_CREDENTIALS_NAMESPACE,
      description = "Without --credentials-file: namespace on the hub of the credentials Secret (default: "
          + DEFAULT_CREDENTIALS_NAMESPACE + ").")
  String credentialsNamespace;

  @Option(names = "--endpoint", paramLabel = "URL",
      description = "Reach the object store at this URL instead of the store's spec.endpoint (e.g. from outside the "
          + "network the spokes use).")
  String endpoint;

  @Option(names = "--create-namespaces",
      description = "Also import the backups of clusters not registered on the hub (e.g. lost and removed), creating "
          + "their namespaces.")
  boolean createNamespaces;

  @Option(names = "--dry-run", description = "Print what would be created; write nothing.")
  boolean dryRun;

  @Mixin HubOptions hub;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (endpoint != null && !endpoint.matches("^https?://.+$")) {
      throw new BadInputException("--endpoint: '" + endpoint + "' is not an http(s) URL");
    }
    try (KubernetesClient client = hub.client()) {
      new HubBackups(client).requireStore(store);
      BackupStoreSpec storeSpec = client.resources(BackupStore.class).withName(store).get().getSpec();
      if (endpoint != null) {
        storeSpec.endpoint = endpoint;
      }
      Map<String, String> keys = credentialsFile != null ? fromFile(credentialsFile)
          : fromHubSecret(client, credentialsNamespace, storeSpec);
      String where = CatalogReconciliation.location(storeSpec.bucket, BackupLayout.normalisePrefix(storeSpec.prefix));
      try (S3Client s3 = StoreConnector.AWS_SDK.create(storeSpec, keys.get(StoreConnector.ACCESS_KEY_ID),
          keys.get(StoreConnector.SECRET_ACCESS_KEY))) {
        List<BackupCatalog.ClusterFolder> folders;
        try {
          folders = new BackupCatalog(s3, storeSpec.bucket).scan(storeSpec.prefix, null);
        } catch (SdkException e) {
          throw new CommandFailedException("cannot read " + where + " of BackupStore " + store + ": "
              + StoreConnector.firstLine(e.getMessage()));
        }
        Set<String> registered = client.resources(ManagementCluster.class).list().getItems().stream()
            .map(mc -> mc.getMetadata().getName()).collect(Collectors.toSet());
        Predicate<String> importable = createNamespaces ? c -> true : registered::contains;
        List<HostedClusterBackup> records = client.resources(HostedClusterBackup.class).inAnyNamespace().list()
            .getItems();
        CatalogReconciliation.Plan plan = CatalogReconciliation.plan(new CatalogReconciliation.Input(store,
            storeSpec.bucket, storeSpec.prefix, null, folders, records, importable, null), Instant.now());

        int backups = folders.stream().mapToInt(f -> f.backups().size() + f.unreadable().size()).sum();
        out.printf("store %s: %s, %d committed backup%s in %d cluster folder%s%n", store, where, backups,
            backups == 1 ? "" : "s", folders.size(), folders.size() == 1 ? "" : "s");
        CatalogSyncer.Applied applied = dryRun ? null : write(client, plan, registered);
        report(plan, applied, out, err);
        out.flush();
        err.flush();
        int failed = plan.collisions().size() + (applied == null ? 0 : applied.failed().size());
        if (failed > 0) {
          throw new CommandFailedException(plan.collisions().isEmpty()
              ? applied.failed().size() + " record(s) could not be written (see above)"
              : plan.collisions().size() + " backup(s) in the bucket were written by another cluster than the owner of "
                  + "their folder and were not imported (see above)");
        }
        return 0;
      }
    }
  }

  private CatalogSyncer.Applied write(KubernetesClient client, CatalogReconciliation.Plan plan,
      Set<String> registered) {
    if (createNamespaces) {
      Set<String> namespaces = plan.toCreate().stream().map(r -> r.getMetadata().getNamespace())
          .filter(ns -> !registered.contains(ns)).collect(Collectors.toCollection(TreeSet::new));
      for (String ns : namespaces) {
        if (client.namespaces().withName(ns).get() == null) {
          client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
              .addToLabels(CREATED_BY_LABEL, "backup-sync").endMetadata().build()).create();
        }
      }
    }
    return CatalogSyncer.apply(client, plan);
  }

  private void report(CatalogReconciliation.Plan plan, CatalogSyncer.Applied applied, PrintWriter out,
      PrintWriter err) {
    Set<String> created = applied == null ? null : Set.copyOf(applied.created());
    for (HostedClusterBackup r : plan.toCreate()) {
      String id = r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
      if (created == null || created.contains(id)) {
        out.printf("%s %s (hosted cluster %s, completed %s)%n", created == null ? "would create" : "created", id,
            r.getSpec().hostedCluster, r.getStatus().completedAt);
      }
    }
    for (HostedClusterBackup r : plan.toComplete()) {
      String id = r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
      if (applied == null || applied.completed().contains(id)) {
        out.printf("%s %s (its status was missing)%n", applied == null ? "would complete" : "completed", id);
      }
    }
    out.printf("%d already on the hub, %d %s%n", plan.present(), applied == null ? plan.toCreate().size()
        : applied.created().size(), applied == null ? "to create (dry run: nothing written)" : "created");
    Map<String, Integer> unregistered = new TreeMap<>();
    for (CatalogReconciliation.Skipped s : plan.skipped()) {
      if (s.why() == CatalogReconciliation.Why.ClusterNotRegistered) {
        unregistered.merge(s.cluster(), 1, Integer::sum);
      } else {
        err.printf("warning: %s not imported: %s%n", s.location(), s.message());
      }
    }
    unregistered.forEach((cluster, n) -> err.printf("warning: %d backup%s of %s not imported: no management cluster %s "
            + "on the hub (register it with flotilla cluster add, or pass --create-namespaces)%n", n, n == 1 ? "" : "s",
        cluster, cluster));
    for (CatalogReconciliation.Missing m : plan.missing()) {
      err.printf("warning: backup %s/%s is gone from the bucket (no manifest.json at %s); its record is kept%n",
          m.namespace(), m.name(), m.location());
    }
    for (CatalogReconciliation.Collision c : plan.collisions()) {
      err.printf("collision: %s%n", c.message());
    }
    if (applied != null) {
      applied.failed().forEach(f -> err.printf("failed: %s%n", f));
    }
  }

  /** KEY=VALUE lines (java.util.Properties syntax); the first key present of each pair wins. */
  static Map<String, String> fromFile(Path file) {
    Properties p = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(reader);
    } catch (NoSuchFileException e) {
      throw new BadInputException("--credentials-file: " + file + " does not exist");
    } catch (IOException e) {
      throw new BadInputException("--credentials-file: cannot read " + file + ": " + e.getMessage());
    }
    String access = first(p, "AWS_ACCESS_KEY_ID", "aws_access_key_id", StoreConnector.ACCESS_KEY_ID);
    String secret = first(p, "AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", StoreConnector.SECRET_ACCESS_KEY);
    if (access == null || secret == null) {
      throw new BadInputException("--credentials-file: " + file + " needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
          + "(or " + StoreConnector.ACCESS_KEY_ID + " and " + StoreConnector.SECRET_ACCESS_KEY + ")");
    }
    return Map.of(StoreConnector.ACCESS_KEY_ID, access, StoreConnector.SECRET_ACCESS_KEY, secret);
  }

  /** The hub's copy of the store's credentials Secret: same name as spec.credentialsSecret, in {@code namespace}. */
  static Map<String, String> fromHubSecret(KubernetesClient client, String namespace, BackupStoreSpec store) {
    String name = store.credentialsSecret == null ? null : store.credentialsSecret.name;
    String how = "; pass --credentials-file, or create it: kubectl -n " + namespace + " create secret generic "
        + (name == null ? "<name>" : name) + " --from-literal=" + StoreConnector.ACCESS_KEY_ID + "=... --from-literal="
        + StoreConnector.SECRET_ACCESS_KEY + "=...";
    if (name == null) {
      throw new BadInputException("the BackupStore names no credentialsSecret" + how);
    }
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new BadInputException("no Secret " + namespace + "/" + name + " on the hub with the object-store "
          + "credentials" + how);
    }
    String access = secretValue(secret, StoreConnector.ACCESS_KEY_ID);
    String secretKey = secretValue(secret, StoreConnector.SECRET_ACCESS_KEY);
    if (access == null || secretKey == null) {
      throw new BadInputException("Secret " + namespace + "/" + name + " on the hub needs keys "
          + StoreConnector.ACCESS_KEY_ID + " and " + StoreConnector.SECRET_ACCESS_KEY);
    }
    return Map.of(StoreConnector.ACCESS_KEY_ID, access, StoreConnector.SECRET_ACCESS_KEY, secretKey);
  }

  private static String secretValue(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8).strip();
    }
    // a real API server folds stringData into data; a mock server may not
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }

  private static String first(Properties p, String... keys) {
    for (String key : keys) {
      String v = p.getProperty(key);
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }
}
