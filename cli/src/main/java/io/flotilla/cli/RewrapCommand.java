package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code flotilla backup rewrap}: asks each backup's agent (the keys are on its spoke) to re-wrap the backup's data
 * key under its store's active key and seal its manifest again, then waits for the answers. The stored snapshot is
 * neither downloaded again (sealed manifests) nor rewritten.
 */
@Command(name = "rewrap", description = {
    "Re-wrap stored backups' data keys under their store's active key (after flotilla store rotate-key), so the "
        + "retired key is needed by fewer backups. Done by each backup's agent, where the keys are: only manifest.json "
        + "changes, written only if nobody changed it meanwhile; the snapshot is not re-uploaded. Exit 1 if any "
        + "backup failed or did not answer.",
    "One backup: flotilla backup rewrap CLUSTER NAME. Every backup of a store not under its active key: flotilla "
        + "backup rewrap --all --store STORE [CLUSTER]. Backups of lost clusters are left as they are."})
final class RewrapCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER", description = "Management cluster the backup was "
      + "taken on (with --all: only its backups).")
  String cluster;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "Backup name.")
  String name;

  @Option(names = "--all", description = "Every Completed backup of --store not under its active key.")
  boolean all;

  @Option(names = "--store", paramLabel = "NAME", description = "With --all: the BackupStore.")
  String store;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
      description = "Give up waiting for the agents' answers after this long (default 5m); they go on.")
  String timeout;

  @Mixin HubOptions hub;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Duration waitFor = BackupRequest.positiveDuration("--timeout", timeout);
    if (all == (name != null)) {
      throw new BadInputException(all ? "give either NAME or --all, not both"
          : "name a backup (CLUSTER NAME), or give --all --store STORE");
    }
    if (all && store == null) {
      throw new BadInputException("--all needs --store");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = hub.client()) {
      HubBackups backups = new HubBackups(client);
      List<HostedClusterBackup> targets;
      if (all) {
        BackupStore s = StoreCommand.require(client, store);
        var enc = s.getSpec().encryption;
        if (enc != null && enc.type != null && enc.type != BackupStoreSpec.Encryption.Type.AES256GCM) {
          throw new BadInputException("BackupStore " + store + " uses encryption " + enc.type + ": its backups have "
              + "no data key to rewrap");
        }
        if (cluster != null) {
          backups.requireCluster(cluster);
        }
        Set<String> lost = client.resources(ManagementCluster.class).list().getItems().stream()
            .filter(mc -> mc.getSpec() != null && mc.getSpec().isLost()).map(mc -> mc.getMetadata().getName())
            .collect(Collectors.toSet());
        RewrapSelection selection = RewrapSelection.of(backups.list(cluster), s, lost);
        selection.skipped().forEach(line -> out.println("skipped " + line));
        targets = selection.rewrap();
        if (targets.isEmpty()) {
          out.println("nothing to rewrap in store " + store + (cluster == null ? "" : " on " + cluster));
          return 0;
        }
      } else {
        if (cluster == null) {
          throw new BadInputException("name the cluster the backup was taken on: CLUSTER NAME");
        }
        HostedClusterBackup b = backups.require(cluster, name);
        Phase phase = b.getStatus() == null ? null : b.getStatus().phase;
        if (phase != Phase.Completed) {
          throw new BadInputException("backup " + cluster + "/" + name + " is " + (phase == null ? Phase.New : phase)
              + "; only a Completed backup can be rewrapped");
        }
        targets = List.of(b);
      }
      // a value never used before, so an answer cannot be an earlier rewrap's
      String request = Instant.now().toString();
      for (HostedClusterBackup b : targets) {
        client.resources(HostedClusterBackup.class).inNamespace(b.getMetadata().getNamespace())
            .withName(b.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
                client.getKubernetesSerialization().asJson(Map.of("metadata", Map.of("annotations",
                    Map.of(HostedClusterBackup.REWRAP_ANNOTATION, request)))));
      }
      err.println("rewrapping " + targets.size() + " backup" + (targets.size() == 1 ? "" : "s") + " on their agents ...");
      err.flush();
      Instant deadline = Instant.now().plus(waitFor);
      List<String> failed = new ArrayList<>();
      for (HostedClusterBackup b : targets) {
        String c = b.getMetadata().getNamespace();
        String n = b.getMetadata().getName();
        Duration left = Duration.between(Instant.now(), deadline);
        HubQueries.Waited<HostedClusterBackup> waited = backups.await(c, n, left.isNegative() ? Duration.ZERO : left,
            x -> x == null || answered(x, request), x -> { });
        HostedClusterBackupStatus.Rewrap r = waited.last() == null || waited.last().getStatus() == null ? null
            : waited.last().getStatus().rewrap;
        if (waited.last() == null) {
          failed.add(c + "/" + n + ": deleted meanwhile");
        } else if (!waited.reached()) {
          failed.add(c + "/" + n + ": no answer after " + Ages.of(waitFor) + " (" + c + " is "
              + backups.availability(c) + "); its agent rewraps it when it is back");
        } else if (!Boolean.TRUE.equals(r.passed)) {
          failed.add(c + "/" + n + ": " + r.message);
        } else {
          out.println("backup " + c + "/" + n + ": " + r.message);
        }
      }
      out.flush();
      if (!failed.isEmpty()) {
        throw new CommandFailedException(failed.size() + " of " + targets.size() + " not rewrapped:\n  "
            + String.join("\n  ", failed));
      }
      return 0;
    }
  }

  private static boolean answered(HostedClusterBackup b, String request) {
    return b.getStatus() != null && b.getStatus().rewrap != null && request.equals(b.getStatus().rewrap.request);
  }
}
