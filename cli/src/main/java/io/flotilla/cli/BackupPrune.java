package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.hub.dr.policy.PolicyValidation;
import io.flotilla.hub.dr.policy.RetentionPlan;
import io.flotilla.hub.dr.policy.SchedulePlacement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * `backup prune`: the retention of backup policies, applied now. The plan is the hub's own ({@link RetentionPlan},
 * grouped by {@link RetentionPlan#forPolicy} as the hub's reconciler groups it, with the same exclusions: invalid
 * policies delete nothing, records on lost clusters are left alone), so a dry run shows what the hub deletes.
 */
@Command(name = "prune", description = {
    "Delete the backups the retention of the backup policies (or of one) deletes, as the hub does: per hosted cluster, "
        + "the backups a policy scheduled beyond its keepLast or older than its maxAge, and Failed backups superseded "
        + "by a newer Completed one; the newest Completed backup is always kept. Each cluster's agent removes the "
        + "objects from the bucket, then the record goes. With --dry-run, list them with the reason and delete nothing."})
final class BackupPrune implements Callable<Integer> {
  @Option(names = "--policy", paramLabel = "NAME", description = "Only this policy's retention (default: every policy).")
  String policy;

  @Option(names = "--dry-run", description = "List what would be deleted and why; delete nothing.")
  boolean dryRun;

  @Mixin HubOptions hub;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One record a policy's retention deletes. */
  record Deletion(String policy, SchedulePlacement.Target target, RetentionPlan.Decision decision) {}

  @Override
  public Integer call() {
    if (policy != null) {
      PolicyCommand.requirePolicyName(policy);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = hub.client()) {
      List<BackupPolicy> policies = policy != null ? List.of(PolicyCommand.requirePolicy(client, policy))
          : client.resources(BackupPolicy.class).list().getItems().stream()
              .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
      List<HostedClusterBackup> records = client.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems();
      Set<String> lost = client.resources(ManagementCluster.class).list().getItems().stream()
          .filter(mc -> mc.getSpec() != null && mc.getSpec().isLost())
          .map(mc -> mc.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
      Instant now = Instant.now();

      List<Deletion> deletions = new ArrayList<>();
      for (BackupPolicy p : policies) {
        deletions.addAll(plan(p, records, lost, now, err));
      }
      leftOnLostClusters(policies, records, lost).ifPresent(n -> err.println("note: " + n + " backup(s) on lost "
          + "clusters (" + String.join(", ", lost) + ") are left alone: fail-over restores from them, and no agent "
          + "could delete their objects"));
      err.flush();

      String scope = policy != null ? "policy " + policy : policies.size() + " polic" + (policies.size() == 1 ? "y" : "ies");
      if (deletions.isEmpty()) {
        out.println("Nothing to prune: the retention of " + scope + " deletes no backup.");
        return 0;
      }
      out.print(table(deletions, now).render());
      if (dryRun) {
        out.println(deletions.size() + " backup(s) of " + scope + " would be deleted (dry run: nothing deleted)");
        return 0;
      }
      Map<String, HostedClusterBackup> byId = records.stream()
          .collect(Collectors.toMap(BackupDescription::id, Function.identity()));
      HubBackups backups = new HubBackups(client);
      boolean holdsObjects = false;
      for (Deletion d : deletions) {
        HostedClusterBackup b = byId.get(d.target().cluster() + "/" + d.decision().backup().name());
        backups.delete(b);
        holdsObjects |= b.getMetadata().getFinalizers() != null
            && b.getMetadata().getFinalizers().contains(HostedClusterBackup.OBJECTS_FINALIZER);
      }
      out.println(holdsObjects
          ? "deletion of " + deletions.size() + " backup(s) requested: each cluster's agent removes their objects "
              + "from the bucket, then the records go"
          : deletions.size() + " backup(s) deleted");
      return 0;
    }
  }

  /** What one policy's retention deletes; an invalid policy deletes nothing, as on the hub (it says why on stderr). */
  private List<Deletion> plan(BackupPolicy p, List<HostedClusterBackup> records, Set<String> lost, Instant now,
                              PrintWriter err) {
    String name = p.getMetadata().getName();
    if (p.getMetadata().getDeletionTimestamp() != null) {
      err.println("note: policy " + name + " is being deleted; its backups are kept");
      return List.of();
    }
    List<String> problems = PolicyValidation.validate(p.getSpec());
    if (!problems.isEmpty()) {
      err.println("warning: policy " + name + " is invalid, so its retention deletes nothing (as on the hub): "
          + String.join("; ", problems));
      return List.of();
    }
    RetentionPlan.Rules rules = RetentionPlan.Rules.of(p.getSpec().retention);
    if (rules.equals(RetentionPlan.Rules.NONE)) {
      if (policy != null) {
        err.println("note: policy " + name + " has no retention limits (keepLast, maxAge): it deletes no backups");
      }
      return List.of();
    }
    List<Deletion> out = new ArrayList<>();
    RetentionPlan.forPolicy(name, rules, records, lost, now).forEach((target, plan) ->
        plan.deletions().forEach(d -> out.add(new Deletion(name, target, d))));
    return out;
  }

  /** How many records of these policies sit on lost clusters (retention leaves them), if any. */
  private static Optional<Long> leftOnLostClusters(List<BackupPolicy> policies,
                                                             List<HostedClusterBackup> records, Set<String> lost) {
    Set<String> names = policies.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    long n = records.stream().filter(b -> lost.contains(b.getMetadata().getNamespace()))
        .filter(b -> b.getMetadata().getLabels() != null
            && names.contains(b.getMetadata().getLabels().get(EffectiveBackupSchedule.POLICY_LABEL)))
        .count();
    return n == 0 ? Optional.empty() : Optional.of(n);
  }

  static Table table(List<Deletion> deletions, Instant now) {
    Table table = new Table("CLUSTER", "BACKUP", "HOSTED-CLUSTER", "COMPLETED", "REASON");
    for (Deletion d : deletions) {
      RetentionPlan.Backup b = d.decision().backup();
      table.row(d.target().cluster(), b.name(), d.target().hostedCluster(),
          b.completedAt() == null ? null : Ages.of(Duration.between(b.completedAt(), now)) + " ago",
          d.decision().reason());
    }
    return table;
  }
}
