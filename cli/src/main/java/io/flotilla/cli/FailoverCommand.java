package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.common.BackupHistory;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.common.Time;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec.FailurePolicy;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "failover", description = {
    "Recover every hosted cluster of a lost management cluster on another one, each from its newest Completed backup: "
        + "one HostedClusterMigration per hosted cluster with source.lost, run by the hub with bounded concurrency. "
        + "Changes made after each backup are lost. The source must be declared lost (spec.lost); --confirm-lost does "
        + "that for a cluster whose agent has stopped reporting."})
final class FailoverCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "CLUSTER", description = "The lost management cluster.")
  String source;

  @Option(names = "--to", required = true, paramLabel = "CLUSTER", description = "Management cluster to recover onto.")
  String destination;

  @Option(names = "--confirm-lost", description = "Declare CLUSTER lost (spec.lost: true) if it is not yet; refused while its agent still reports Available.")
  boolean confirmLost;

  @Option(names = "--wait", description = "Wait for every hosted cluster and print each one's recovery time; exit 1 unless all succeeded.")
  boolean await;

  @Option(names = "--no-resume", description = "Create each hosted cluster paused on the destination (its restore "
      + "stops at phase Paused) and resume each with 'flotilla restore resume' once CLUSTER is fenced: for a cluster "
      + "that may still run, partitioned rather than gone (docs/runbooks/failover.md).")
  boolean noResume;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m",
      description = "With --wait: give up waiting after this long (default 30m); the fail-over itself goes on.")
  String timeout;

  @Mixin HubOptions hub;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (source.equals(destination)) {
      throw new BadInputException("--to is the lost cluster itself; recover onto another management cluster");
    }
    if (noResume && await) {
      throw new BadInputException("--wait waits for recovery, which --no-resume leaves to 'flotilla restore resume' "
          + "after fencing; drop one (follow the restores with: flotilla restore list " + destination + ")");
    }
    Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = hub.client()) {
      HubMigrations migrations = new HubMigrations(client);
      ManagementCluster lost = migrations.requireCluster(source);
      ManagementCluster target = migrations.requireCluster(destination);
      if (target.getSpec() != null && target.getSpec().isLost()) {
        throw new BadInputException(destination + " is itself declared lost; choose another destination");
      }
      requireLost(migrations, lost, out);
      if (!"Available".equals(HubBackups.availability(target))) {
        err.println("warning: " + destination + " is " + HubBackups.availability(target)
            + "; its agent restores when it is back");
      }

      Map<NamespacedName, BackupHistory.Summary> newest = newestCompleted(
          client.resources(HostedClusterBackup.class).inNamespace(source).list().getItems());
      TreeSet<String> known = new TreeSet<>();
      newest.keySet().forEach(hc -> known.add(hc.toString()));
      if (lost.getStatus() != null && lost.getStatus().hostedClusterNames != null) {
        known.addAll(lost.getStatus().hostedClusterNames);
      }
      if (known.isEmpty()) {
        throw new CommandFailedException(source + " had no hosted clusters the hub knows of (no backups, none reported)");
      }
      List<String> started = new ArrayList<>();
      List<String> unrecoverable = new ArrayList<>();
      for (String text : known) {
        NamespacedName hc = BackupRequest.hostedClusterRef(text);
        BackupHistory.Summary backup = newest.get(hc);
        if (backup == null) {
          unrecoverable.add(text);
          err.println("cannot recover " + text + ": it has no Completed backup taken on " + source);
          continue;
        }
        String name = "failover-" + source + "-" + hc.name;
        if (migrations.get(name) == null) {
          migrations.create(name, hc, source, true, destination, !noResume, FailurePolicy.Manual,
              Map.of(HostedClusterMigration.FAILOVER_LABEL, source));
        }
        started.add(name);
        out.printf("%s: restoring %s on %s from its newest Completed backup %s (completed %s)%n", name, text,
            destination, backup.lastSuccessBackup(), backup.lastSuccess());
      }
      out.flush();
      if (!await) {
        out.println(noResume ? "each restore stops Paused on " + destination + " (flotilla restore list " + destination
            + "); fence " + source + " (docs/runbooks/failover.md), then resume each: flotilla restore resume "
            + destination + "/<restore>" : "follow them with: flotilla migrate status");
        return unrecoverable.isEmpty() ? 0 : 1;
      }
      return report(migrations, started, unrecoverable, waitFor, out);
    }
  }

  private void requireLost(HubMigrations migrations, ManagementCluster mc, PrintWriter out) {
    if (mc.getSpec() != null && mc.getSpec().isLost()) {
      return;
    }
    String availability = HubBackups.availability(mc);
    String heartbeat = mc.getStatus() == null ? null : mc.getStatus().lastHeartbeatTime;
    Instant last = Time.parse(heartbeat);
    String since = last == null ? "no heartbeat on record" : "last heartbeat " + Ages.of(Duration.between(last, Instant.now())) + " ago";
    if ("Available".equals(availability)) {
      throw new BadInputException(source + " is Available (" + since + "): a fail-over is for a lost cluster and loses "
          + "what changed since each backup; move hosted clusters off a live cluster with: flotilla migrate start");
    }
    if (!confirmLost) {
      throw new BadInputException(source + " is " + availability + " (" + since + ") but not declared lost. A fail-over "
          + "restores from backups and loses what changed since each one, and the cluster must not come back with "
          + "the same hosted clusters running. If it is really gone, run again with --confirm-lost");
    }
    migrations.declareLost(source);
    out.println(source + " declared lost (" + since + ")");
  }

  /** Per hosted cluster, its newest Completed backup (as the hub's metrics and RPO read it: {@link BackupHistory}). */
  static Map<NamespacedName, BackupHistory.Summary> newestCompleted(List<HostedClusterBackup> backups) {
    Map<NamespacedName, BackupHistory.Summary> newest = new TreeMap<>(java.util.Comparator.comparing(NamespacedName::toString));
    BackupHistory.summarize(backups).values().stream().filter(s -> s.lastSuccess() != null).forEach(s ->
        newest.put(new NamespacedName(s.subject().hostedClusterNamespace(), s.subject().hostedCluster()), s));
    return newest;
  }

  private static int report(HubMigrations migrations, List<String> names, List<String> unrecoverable, Duration timeout,
      PrintWriter out) {
    HubQueries.Waited<List<HostedClusterMigration>> waited = HubQueries.poll(timeout,
        () -> names.stream().map(migrations::get).toList(),
        all -> all.stream().allMatch(m -> m == null || HubMigrations.isFinal(m)
            || HubMigrations.phase(m) == Phase.WaitingForOperator),
        all -> { }, "the fail-over");
    Table table = new Table("HOSTED-CLUSTER", "MIGRATION", "PHASE", "BACKUP", "RECOVERY-TIME");
    int succeeded = 0;
    for (HostedClusterMigration m : waited.last()) {
      if (m == null) {
        continue;
      }
      Phase phase = HubMigrations.phase(m);
      succeeded += phase == Phase.Succeeded ? 1 : 0;
      table.row(m.getSpec().hostedCluster, m.getMetadata().getName(), phase,
          m.getStatus() == null ? null : m.getStatus().backupName, m.getStatus() == null ? null : m.getStatus().recoveryTime);
    }
    unrecoverable.forEach(hc -> table.row(hc, "-", "NoBackup", "-", "-"));
    out.print(table.render());
    int total = names.size() + unrecoverable.size();
    out.printf("%d/%d hosted clusters recovered%s%n", succeeded, total, waited.reached() ? "" : " (still running after "
        + Ages.of(timeout) + ")");
    return succeeded == total ? 0 : 1;
  }
}
