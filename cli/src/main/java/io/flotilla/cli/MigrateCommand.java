package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.common.NamespacedName;
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
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "migrate", description = {
    "Move a hosted cluster to another management cluster. The hub orchestrates, the two agents execute: hold the source "
        + "paused and quiesced, back it up, restore on the destination, verify, pass the point of no return, then tear "
        + "the source down without touching its workers. Before the point of no return a migration can be rolled back."},
    subcommands = {MigrateCommand.Start.class, MigrateCommand.Status.class, MigrateCommand.Rollback.class})
final class MigrateCommand {

  @Command(name = "start", description = "Start a migration (a HostedClusterMigration on the hub).")
  static final class Start implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAMESPACE/NAME", description = "The HostedCluster, e.g. clusters/hc-1.")
    String hostedCluster;

    @Option(names = "--from", required = true, paramLabel = "CLUSTER", description = "Management cluster it runs on now.")
    String source;

    @Option(names = "--to", required = true, paramLabel = "CLUSTER", description = "Management cluster to move it to.")
    String destination;

    @Option(names = "--name", paramLabel = "NAME", description = "Migration name (default <hosted-cluster>-to-<destination>).")
    String name;

    @Option(names = "--failure-policy", paramLabel = "POLICY", defaultValue = "Manual",
        description = "On a failure before the point of no return: Manual (wait for `flotilla migrate rollback`, the "
            + "default) or AutoRollback.")
    FailurePolicy failurePolicy;

    @Option(names = "--wait", description = "Follow the migration step by step until it ends or waits for you; exit 1 unless it succeeded.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "20m",
        description = "With --wait: give up waiting after this long (default 20m); the migration itself goes on.")
    String timeout;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      NamespacedName hc = BackupRequest.hostedClusterRef(hostedCluster);
      if (source.equals(destination)) {
        throw new BadInputException("--from and --to are both " + source + "; a migration moves a hosted cluster to another cluster");
      }
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      String migration = name != null ? name : hc.name + "-to-" + destination;
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubMigrations migrations = new HubMigrations(client);
        migrations.requireCluster(source);
        migrations.requireCluster(destination);
        migrations.create(migration, hc, source, false, destination, true, failurePolicy, Map.of());
        out.printf("migration %s created: %s from %s to %s (failure policy %s)%n", migration, hc, source, destination,
            failurePolicy);
        if (!await) {
          out.printf("follow it with: flotilla migrate status %s%n", migration);
          return 0;
        }
        out.flush();
        return follow(migrations, migration, waitFor, out, Phase.Succeeded);
      }
    }
  }

  @Command(name = "status", description = "List migrations, or show one migration's steps and conditions.")
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "A migration (default: list them all).")
    String name;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubMigrations migrations = new HubMigrations(client);
        if (name != null) {
          HostedClusterMigration m = migrations.require(name);
          out.print(output.isTable() ? MigrationViews.describe(m, Instant.now()) : output.render(m) + "\n");
          return 0;
        }
        var items = migrations.list();
        if (!output.isTable()) {
          out.println(output.render(items));
        } else if (items.isEmpty()) {
          out.println("No migrations. Start one with: flotilla migrate start <namespace>/<hosted-cluster> --from <cluster> --to <cluster>");
        } else {
          out.print(MigrationViews.table(items, Instant.now()).render());
        }
        return 0;
      }
    }
  }

  @Command(name = "rollback", description = {
      "Roll a migration back: the destination copy is removed without touching workers and the source is resumed "
          + "exactly as it was. Refused after the point of no return."})
  static final class Rollback implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The migration.")
    String name;

    @Option(names = "--wait", description = "Wait until the rollback is done; exit 1 if it does not finish.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
        description = "With --wait: give up waiting after this long (default 10m).")
    String timeout;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubMigrations migrations = new HubMigrations(client);
        HostedClusterMigration m = migrations.require(name);
        Phase phase = HubMigrations.phase(m);
        String ponr = m.getStatus() == null ? null : m.getStatus().pointOfNoReturnTime;
        if (ponr != null) {
          throw new CommandFailedException("rollback refused: migration " + name + " passed its point of no return at "
              + ponr + " (the destination was verified and the source is being or has been torn down); see "
              + "docs/runbooks/rollback.md for what can still be done by hand");
        }
        if (phase == Phase.RolledBack) {
          out.println("migration " + name + " is already rolled back");
          return 0;
        }
        if (HubMigrations.FINAL.contains(phase)) {
          throw new CommandFailedException("migration " + name + " is " + phase + "; there is nothing to roll back");
        }
        migrations.requestRollback(name);
        out.println("rollback of " + name + " requested: the destination copy is removed without touching workers, "
            + "then " + m.getSpec().source.cluster + " resumes the hosted cluster as it was");
        if (!await) {
          out.println("follow it with: flotilla migrate status " + name);
          return 0;
        }
        out.flush();
        return follow(migrations, name, waitFor, out, Phase.RolledBack);
      }
    }
  }

  /**
   * Prints a line whenever the migration's phase, step or waiting condition changes, until it is final or waits for an
   * operator. Exit 0 when it ended in {@code wanted}.
   */
  static int follow(HubMigrations migrations, String name, Duration timeout, PrintWriter out, Phase wanted) {
    HubQueries.Waited<HostedClusterMigration> waited = migrations.follow(name, timeout, line -> {
      out.println(line);
      out.flush();
    });
    HostedClusterMigration m = waited.last();
    if (m == null) {
      throw new CommandFailedException("migration " + name + " was deleted");
    }
    if (!waited.reached()) {
      throw new CommandFailedException("migration " + name + " is still " + HubMigrations.phase(m) + " after "
          + Ages.of(timeout) + "; it goes on: flotilla migrate status " + name);
    }
    Phase phase = HubMigrations.phase(m);
    if (phase != wanted) {
      throw new CommandFailedException("migration " + name + " is " + phase + ": " + MigrationViews.progressLine(m)
          + (phase == Phase.WaitingForOperator && m.getStatus().pointOfNoReturnTime == null
              ? "; roll it back with: flotilla migrate rollback " + name : ""));
    }
    out.println("migration " + name + " " + phase + (m.getStatus().recoveryTime == null ? ""
        : "; recovery time " + m.getStatus().recoveryTime));
    return 0;
  }
}
