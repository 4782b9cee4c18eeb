package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.common.Conditions;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestore;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus.Phase;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

@Command(name = "restore", description = {
    "Restore a backup onto a management cluster: a HostedClusterRestore in that cluster's namespace, run by its agent, "
        + "which verifies the stored backup before it creates anything."},
    subcommands = {RestoreCommand.Create.class, RestoreCommand.ListRestores.class})
final class RestoreCommand {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  static final class Source {
    @Option(names = "--backup", required = true, paramLabel = "CLUSTER/NAME",
        description = "The backup: the cluster it was taken on and its name, e.g. mc-1/hc-1-20260101-020000.")
    String backup;

    @Option(names = "--latest", required = true, paramLabel = "NAMESPACE/NAME",
        description = "The newest Completed backup of this hosted cluster found in the store (see --source-cluster).")
    String latest;
  }

  @Command(name = "create", description = "Restore onto CLUSTER. The hosted cluster must not exist there yet.")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "Management cluster to restore onto.")
    String cluster;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--store", paramLabel = "NAME", defaultValue = "default", description = "BackupStore holding the backup (default: default).")
    String store;

    @Option(names = "--name", paramLabel = "NAME", description = "Restore name (default <hosted-cluster>-restore-<yyyyMMdd-HHmmss>).")
    String name;

    @Option(names = "--source-cluster", paramLabel = "CLUSTER",
        description = "With --latest: the cluster the backup was taken on. Required when backups of that name exist "
            + "under more than one cluster (names are unique per management cluster only).")
    String sourceCluster;

    @Option(names = "--wait", description = "Wait until the restore ends; exit 1 if it fails.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "20m",
        description = "With --wait: give up waiting after this long (default 20m).")
    String timeout;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      HostedClusterRestore r = new HostedClusterRestore();
      String hcName;
      if (source.backup != null && sourceCluster != null) {
        throw new BadInputException("--source-cluster goes with --latest; --backup CLUSTER/NAME names the cluster already");
      }
      if (source.backup != null) {
        String[] parts = source.backup.split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
          throw new BadInputException("--backup wants CLUSTER/NAME (the cluster the backup was taken on and the "
              + "backup's name), not \"" + source.backup + "\"");
        }
        BackupRequest.requireClusterName(parts[0]);
        r.getSpec().backup = new NamespacedName(parts[0], parts[1]);
        hcName = parts[1];
      } else {
        NamespacedName hc = BackupRequest.hostedClusterRef(source.latest);
        r.getSpec().hostedCluster = hc;
        r.getSpec().latest = true;
        if (sourceCluster != null) {
          BackupRequest.requireClusterName(sourceCluster);
          r.getSpec().sourceCluster = sourceCluster;
        }
        hcName = hc.name;
      }
      r.getSpec().store = store;
      String restore = name != null ? name : hcName + "-restore-" + STAMP.format(Instant.now());
      r.setMetadata(new ObjectMetaBuilder().withName(restore).withNamespace(cluster).build());
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        backups.requireCluster(cluster);
        backups.requireStore(store);
        if (r.getSpec().backup != null) {
          backups.require(r.getSpec().backup.namespace, r.getSpec().backup.name);
        }
        try {
          client.resource(r).create();
        } catch (KubernetesClientException e) {
          if (e.getCode() == 409) {
            throw new BadInputException("restore \"" + restore + "\" already exists on " + cluster + "; choose another name with --name");
          }
          throw e;
        }
        out.printf("restore %s/%s created%n", cluster, restore);
        if (!await) {
          out.printf("follow it with: flotilla restore list %s%n", cluster);
          return 0;
        }
        out.flush();
        HubQueries.Waited<HostedClusterRestore> waited = HubQueries.poll(waitFor,
            () -> client.resources(HostedClusterRestore.class).inNamespace(cluster).withName(restore).get(),
            x -> x == null || phase(x) == Phase.Completed || phase(x) == Phase.Failed, x -> { }, "restore " + restore);
        HostedClusterRestore last = waited.last();
        if (last == null) {
          throw new CommandFailedException("restore " + cluster + "/" + restore + " was deleted");
        }
        if (!waited.reached()) {
          throw new CommandFailedException("restore " + cluster + "/" + restore + " is still " + phase(last) + " after "
              + Ages.of(waitFor) + " (step " + last.getStatus().step + ")");
        }
        if (phase(last) == Phase.Failed) {
          throw new CommandFailedException("restore " + cluster + "/" + restore + " failed: " + failure(last));
        }
        HostedClusterRestoreStatus.Verification v = last.getStatus().verification;
        out.printf("restore %s/%s completed: etcd revision %s, %s keys, matches the backup: %s%n", cluster, restore,
            v == null ? null : v.etcdRevision, v == null ? null : v.keys, v == null ? null : v.matchesBackup);
        return 0;
      }
    }
  }

  @Command(name = "list", description = "List restores: of one management cluster, or of all.")
  static final class ListRestores implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "Management cluster (default: all).")
    String cluster;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        if (cluster != null) {
          HubQueries.requireCluster(client, cluster);
        }
        List<HostedClusterRestore> items = (cluster == null
            ? client.resources(HostedClusterRestore.class).inAnyNamespace().list().getItems()
            : client.resources(HostedClusterRestore.class).inNamespace(cluster).list().getItems()).stream()
            .sorted(Comparator.comparing((HostedClusterRestore r) -> r.getMetadata().getNamespace())
                .thenComparing(r -> Objects.requireNonNullElse(r.getMetadata().getCreationTimestamp(), ""))).toList();
        if (!output.isTable()) {
          out.println(output.render(items));
          return 0;
        }
        if (items.isEmpty()) {
          out.println("No restores. Create one with: flotilla restore create <cluster> --backup <cluster>/<backup>");
          return 0;
        }
        Instant now = Instant.now();
        Table table = new Table("NAME", "CLUSTER", "BACKUP", "PHASE", "STEP", "STARTED", "MATCHES-BACKUP", "MESSAGE");
        for (HostedClusterRestore r : items) {
          HostedClusterRestoreStatus s = r.getStatus();
          Instant started = s == null ? null : Time.parse(s.startedAt);
          table.row(r.getMetadata().getName(), r.getMetadata().getNamespace(),
              s != null && s.source != null ? s.source.cluster + "/" + s.source.backup
                  : r.getSpec().backup != null ? r.getSpec().backup.toString() : "latest of " + r.getSpec().hostedCluster,
              phase(r), s == null ? null : s.step, started == null ? null : Ages.of(Duration.between(started, now)) + " ago",
              s == null || s.verification == null ? null : s.verification.matchesBackup,
              phase(r) == Phase.Failed ? failure(r) : "");
        }
        out.print(table.render());
        return 0;
      }
    }
  }

  static Phase phase(HostedClusterRestore r) {
    return r.getStatus() == null || r.getStatus().phase == null ? Phase.New : r.getStatus().phase;
  }

  static String failure(HostedClusterRestore r) {
    return Conditions.find(r.getStatus().conditions, HostedClusterRestore.CONDITION_COMPLETED)
        .map(c -> c.getReason() + ": " + c.getMessage()).orElse("no reason recorded");
  }
}
