package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

@Command(name = "backup", description = {
    "Back up hosted clusters: each backup is a HostedClusterBackup in the management cluster's namespace on the hub, "
        + "run by that cluster's agent, which streams the etcd snapshot (encrypted) to the BackupStore's bucket."},
    subcommands = {BackupCommand.Create.class, BackupCommand.ListBackups.class, BackupCommand.Describe.class,
        BackupCommand.Delete.class, BackupCommand.Verify.class, RewrapCommand.class, BackupSync.class, BackupPrune.class})
final class BackupCommand {

  @Command(name = "create", description = {
      "Back up a hosted cluster. The agent pauses it (pausedUntil = now + the pause window), snapshots etcd, "
          + "stores the snapshot and the resources a restore needs, resumes it, then writes manifest.json."})
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "Management cluster the hosted cluster runs on.")
    String cluster;

    @Parameters(index = "1", paramLabel = "NAMESPACE/NAME", description = "The HostedCluster, e.g. clusters/hc-1.")
    String hostedCluster;

    @Option(names = "--store", paramLabel = "NAME", defaultValue = "default",
        description = "BackupStore to write to (default: default).")
    String store;

    @Option(names = "--name", paramLabel = "NAME", description = "Backup name (default <hosted-cluster>-<yyyyMMdd-HHmmss>, UTC).")
    String name;

    @Option(names = "--max-pause-window", paramLabel = "DURATION",
        description = "Longest the hosted cluster may stay paused, e.g. 90s or 10m (default 10m).")
    String maxPauseWindow;

    @Option(names = "--quiesce-api-servers",
        description = "Also scale kube-apiserver, openshift-apiserver and openshift-oauth-apiserver to zero during the snapshot.")
    boolean quiesceAPIServers;

    @Option(names = "--wait", description = "Follow the backup to its end with a progress bar on stderr; exit 1 if it fails.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
        description = "With --wait: give up waiting after this long (default 10m); the backup itself goes on.")
    String timeout;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      BackupRequest request = BackupRequest.parse(cluster, hostedCluster, store, name, maxPauseWindow,
          quiesceAPIServers, Instant.now());
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        BackupCreation creation = new BackupCreation(backups);
        HostedClusterBackup created = creation.create(request);
        warnings(backups, request).forEach(w -> err.println("warning: " + w));
        err.flush();
        out.printf("backup %s created: hosted cluster %s, store %s%n", BackupDescription.id(created),
            request.hostedCluster(), request.store());
        if (!await) {
          out.printf("follow it with: flotilla backup describe %s %s%n", request.cluster(), request.name());
          out.flush();
          return 0;
        }
        out.flush();
        BackupCreation.Outcome outcome = creation.follow(created, waitFor, BackupProgress.forStderr(err));
        if (!outcome.completed()) {
          throw new CommandFailedException(outcome.line());
        }
        out.println(outcome.line());
        return 0;
      }
    }

    /** What may keep the backup from running or succeeding that the hub can tell; the agent decides. */
    private static List<String> warnings(HubBackups backups, BackupRequest request) {
      ManagementCluster mc = backups.requireCluster(request.cluster());
      List<String> warnings = new ArrayList<>();
      String availability = HubBackups.availability(mc);
      if (!"Available".equals(availability)) {
        warnings.add(request.cluster() + " is " + availability + "; its agent runs the backup when it is back");
      }
      List<String> reported = mc.getStatus() == null ? null : mc.getStatus().hostedClusterNames;
      if (reported != null && !reported.contains(request.hostedCluster().toString())) {
        warnings.add(request.cluster() + " does not report a hosted cluster " + request.hostedCluster()
            + " (it reports: " + (reported.isEmpty() ? "none" : String.join(", ", reported)) + ")");
      }
      return warnings;
    }
  }

  @Command(name = "list", description = "List backups: of one management cluster, or of all (-A, the default without CLUSTER).")
  static final class ListBackups implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "Management cluster (default: all).")
    String cluster;

    @Option(names = {"-A", "--all-clusters"}, description = "Backups of every management cluster.")
    boolean all;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (all && cluster != null) {
        throw new BadInputException("give either CLUSTER or -A, not both");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        if (cluster != null) {
          backups.requireCluster(cluster);
        }
        List<HostedClusterBackup> items = backups.list(cluster);
        if (!output.isTable()) {
          out.println(output.render(items));
        } else if (items.isEmpty()) {
          out.println((cluster == null ? "No backups." : "No backups on " + cluster + ".")
              + " Create one with: flotilla backup create " + (cluster == null ? "<cluster>" : cluster)
              + " <namespace>/<hosted-cluster>");
        } else {
          out.print(BackupTable.of(items, Instant.now()).render());
        }
        return 0;
      }
    }
  }

  @Command(name = "describe", description = "Show one backup: spec, status, conditions, verification and events.")
  static final class Describe implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "Management cluster the backup was taken on.")
    String cluster;

    @Parameters(index = "1", paramLabel = "NAME", description = "Backup name.")
    String name;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        HostedClusterBackup b = backups.require(cluster, name);
        out.print(output.isTable() ? BackupDescription.of(b, backups.events(b), Instant.now()) : output.render(b) + "\n");
        return 0;
      }
    }
  }

  @Command(name = "delete", description = {
      "Delete a backup: the record on the hub and, through the cluster's agent, its objects in the bucket. "
          + "The record stays until the agent has removed the objects."})
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "Management cluster the backup was taken on.")
    String cluster;

    @Parameters(index = "1", paramLabel = "NAME", description = "Backup name.")
    String name;

    @Option(names = "--wait", description = "Wait until the agent has removed the objects and the record is gone.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2m",
        description = "With --wait: give up waiting after this long (default 2m).")
    String timeout;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        HostedClusterBackup b = backups.require(cluster, name);
        backups.delete(b);
        boolean holdsObjects = b.getMetadata().getFinalizers() != null
            && b.getMetadata().getFinalizers().contains(HostedClusterBackup.OBJECTS_FINALIZER);
        if (!await) {
          out.println(holdsObjects
              ? "backup " + cluster + "/" + name + " deletion requested: " + cluster + "'s agent removes its objects "
                  + "from the bucket, then the record goes"
              : "backup " + cluster + "/" + name + " deleted");
          return 0;
        }
        HubQueries.Waited<HostedClusterBackup> waited = backups.await(cluster, name, waitFor, Objects::isNull, x -> { });
        if (!waited.reached()) {
          Phase phase = waited.last().getStatus() == null ? null : waited.last().getStatus().phase;
          throw new CommandFailedException("backup " + cluster + "/" + name + " still exists after " + Ages.of(waitFor)
              + ": " + cluster + "'s agent has not removed its objects from the bucket"
              + (phase == Phase.InProgress ? " (the backup is still running; the agent deletes it when it ends)" : "")
              + ". " + cluster + " is " + backups.availability(cluster) + "; check its agent's log, and the record's "
              + "events: flotilla backup describe " + cluster + " " + name);
        }
        out.println("backup " + cluster + "/" + name + " deleted" + (holdsObjects ? ", its objects removed from the bucket" : ""));
        return 0;
      }
    }
  }

  @Command(name = "verify", description = {
      "Check a stored backup: the cluster's agent downloads, decrypts and decompresses the snapshot, compares its "
          + "SHA-256 with the manifest and runs etcdctl snapshot status on it. With --restore it also runs a restore "
          + "drill: the snapshot restored into a scratch etcd on the agent, started, its revision, key count and hash "
          + "compared with the manifest, and stopped. Exit 0 if it passes, 1 if not."})
  static final class Verify implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "Management cluster the backup was taken on.")
    String cluster;

    @Parameters(index = "1", paramLabel = "NAME", description = "Backup name.")
    String name;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
        description = "Give up waiting for the agent's answer after this long (default 5m).")
    String timeout;

    @Option(names = "--restore", description = "Run a restore drill too (what a BackupPolicy's spec.verification asks"
        + " for): etcdctl snapshot restore into a scratch directory, etcd started on loopback, compared, stopped.")
    boolean restore;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (KubernetesClient client = hub.client()) {
        HubBackups backups = new HubBackups(client);
        HostedClusterBackup b = backups.require(cluster, name);
        Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
        if (phase != Phase.Completed) {
          throw new BadInputException("backup " + cluster + "/" + name + " is " + (phase == null ? Phase.New : phase)
              + "; only a Completed backup can be verified");
        }
        // a value never used before, so the answer cannot be an earlier verification's
        String request = restore ? HostedClusterBackup.restoreDrillRequest(Instant.now()) : Instant.now().toString();
        backups.requestVerification(b, request);
        err.println("verifying " + cluster + "/" + name + " on " + cluster + "'s agent (download, decrypt, "
            + "decompress, SHA-256, etcdctl snapshot status" + (restore ? ", restore drill: snapshot restore, etcd "
            + "started, revision, keys and hash compared" : "") + ") ...");
        err.flush();
        HubQueries.Waited<HostedClusterBackup> waited = backups.await(cluster, name, waitFor, x -> x == null || answered(x, request), x -> { });
        HostedClusterBackup last = waited.last();
        if (last == null) {
          throw new CommandFailedException("backup " + cluster + "/" + name + " was deleted during verification");
        }
        if (!waited.reached()) {
          throw new CommandFailedException("no verification result for " + cluster + "/" + name + " after "
              + Ages.of(waitFor) + ": " + cluster + " is " + backups.availability(cluster)
              + "; check its agent's log and: flotilla backup describe " + cluster + " " + name);
        }
        HostedClusterBackupStatus.Verification v = last.getStatus().verification;
        String took = v.drill != null && v.drill.duration != null ? " (drill " + v.drill.duration + ")" : "";
        if (!Boolean.TRUE.equals(v.passed)) {
          throw new CommandFailedException("backup " + cluster + "/" + name + " failed "
              + (restore ? "its restore drill" + took : "verification") + ": " + v.message);
        }
        out.println("backup " + cluster + "/" + name + (restore ? " passed its restore drill" + took : " verified")
            + ": " + v.message);
        return 0;
      }
    }

    private static boolean answered(HostedClusterBackup b, String request) {
      return b.getStatus() != null && b.getStatus().verification != null
          && request.equals(b.getStatus().verification.request);
    }
  }
}
