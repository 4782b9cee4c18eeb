package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", description = "Print the fleet: clusters, availability, heartbeat age, hosted clusters; then migrations, if any.")
final class StatusCommand implements Callable<Integer> {
  @Mixin HubOptions hub;
  @Mixin OutputOptions output;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    try (KubernetesClient client = hub.client()) {
      List<ManagementCluster> clusters = client.resources(ManagementCluster.class).list().getItems();
      if (!output.isTable()) {
        spec.commandLine().getOut().println(output.render(clusters));
        return 0;
      }
      if (clusters.isEmpty()) {
        spec.commandLine().getOut().println("No management clusters registered. Add one with: flotilla cluster add <name>");
        return 0;
      }
      Instant now = Instant.now();
      spec.commandLine().getOut().print(FleetTable.of(clusters, now).render());
      List<HostedClusterMigration> migrations = new HubMigrations(client).list();
      if (!migrations.isEmpty()) {
        spec.commandLine().getOut().println();
        spec.commandLine().getOut().println("MIGRATIONS");
        spec.commandLine().getOut().print(MigrationViews.table(migrations, now).render());
      }
      return 0;
    }
  }
}
