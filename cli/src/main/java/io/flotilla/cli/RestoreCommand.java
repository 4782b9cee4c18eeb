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
    subcommands = {RestoreCommand.Create.class, RestoreCommand.Resume.class, RestoreCommand.ListRestores.class})
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

    @Option(names = "--no-resume", description = "Create the hosted cluster paused and stop there (phase Paused): no "
        + "control plane starts until 'flotilla restore resume'. For a fail-over from a cluster that may still run "
        + "(partitioned): fence it first (docs/runbooks/failover.md).")
    boolean noResume;

    @Option(names = "--wait", description = "Wait until the restore ends (or is Paused, with --no-resume); exit 1 if it fails.")
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
      if (noResume) {
        r.getSpec().resume = false;
      }
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
        return awaitEnd(client, cluster, restore, waitFor, out);
      }
    }
  }

  @Command(name = "resume", description = {"Start the hosted cluster of a Paused restore (created with --no-resume): "
      + "its agent serves the snapshot, unpauses the HostedCluster, and the restore continues (etcd restored, "
      + "NodePools, Available, verified).", "Fence the source first when it may still run (docs/runbooks/failover.md)."})
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER/NAME", description = "The Paused restore: its cluster and name.")
    String restore;

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
      String[] parts = restore.split("/", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        throw new BadInputException("resume wants CLUSTER/NAME (the restore's cluster and name), not \"" + restore + "\"");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        var op = client.resources(HostedClusterRestore.class).inNamespace(parts[0]).withName(parts[1]);
        HostedClusterRestore r = op.get();
        if (r == null) {
          throw new BadInputException("no restore " + restore);
        }
        if (phase(r) != Phase.Paused) {
          throw new BadInputException("restore " + restore + " is " + phase(r) + ", not Paused: only a restore created "
              + "with --no-resume waits to be resumed");
        }
        op.edit(x -> {
          if (x.getMetadata().getAnnotations() == null) {
            x.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          x.getMetadata().getAnnotations().put(HostedClusterRestore.RESUME_ANNOTATION,
              "flotilla restore resume at " + Time.format(Instant.now()));
          return x;
        });
        out.printf("restore %s: resume requested%n", restore);
        if (!await) {
          out.printf("follow it with: flotilla restore list %s%n", parts[0]);
          return 0;
        }
        return awaitEnd(client, parts[0], parts[1], waitFor, out);
      }
    }
  }

  /** Waits until the restore is Completed, Failed or Paused; prints the outcome, exit 0, or throws. */
  private static int awaitEnd(KubernetesClient client, String cluster, String restore, Duration waitFor, PrintWriter out) {
    out.flush();
    // Paused only counts as an end once the request to resume is not pending (resume waits past it).
    HubQueries.Waited<HostedClusterRestore> waited = HubQueries.poll(waitFor,
        () -> client.resources(HostedClusterRestore.class).inNamespace(cluster).withName(restore).get(),
        x -> x == null || phase(x) == Phase.Completed || phase(x) == Phase.Failed
            || (phase(x) == Phase.Paused && !x.isResumeRequested()), x -> { }, "restore " + restore);
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
    if (phase(last) == Phase.Paused) {
      out.printf("restore %s/%s is Paused: its HostedCluster exists, paused, with no control plane. Fence the "
          + "source, then: flotilla restore resume %s/%s%n", cluster, restore, cluster, restore);
      return 0;
    }
    HostedClusterRestoreStatus.Verification v = last.getStatus().verification;
    out.printf("restore %s/%s completed: etcd revision %s, %s keys, matches the backup: %s%n", cluster, restore,
        v == null ? null : v.etcdRevision, v == null ? null : v.keys, v == null ? null : v.matchesBackup);
    return 0;
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
              phase(r) == Phase.Failed || phase(r) == Phase.Paused ? failure(r) : "");
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
