package io.flotilla.hub.dr.migration;

import static io.flotilla.hub.dr.migration.MigrationPlanner.BACKUP_STORE_NOT_FOUND;
import static io.flotilla.hub.dr.migration.MigrationPlanner.CLUSTER_NOT_FOUND;
import static io.flotilla.hub.dr.migration.MigrationPlanner.DEFAULT_STORE;
import static io.flotilla.hub.dr.migration.MigrationPlanner.DESTINATION_LOST;
import static io.flotilla.hub.dr.migration.MigrationPlanner.INVALID_SPEC;
import static io.flotilla.hub.dr.migration.MigrationPlanner.RECORD_NAME_TAKEN;
import static io.flotilla.hub.dr.migration.MigrationPlanner.SOURCE_LOST;
import static io.flotilla.hub.dr.migration.MigrationPlanner.SOURCE_NOT_DECLARED_LOST;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a migration that has not started against what is on the hub: its spec, the ManagementClusters and the
 * BackupStore it names, and the names of the records it would create. A problem fails the migration before anything
 * is created (the reasons are {@link MigrationPlanner}'s, beside its other condition reasons); the planner checks
 * again on every pass until the migration starts, so fixing the input lets it start.
 */
final class MigrationValidation {
  private MigrationValidation() {}

  /** Why the migration cannot start: a Succeeded=False reason and the message that tells the operator what to do. */
  record Problem(String reason, String message) {}

  /** The first thing that keeps {@code in}'s migration from starting, if any. */
  static Optional<Problem> problem(MigrationInput in) {
    HostedClusterMigrationSpec spec = in.spec();
    NamespacedName hostedCluster = spec.hostedCluster;
    String source = in.source();
    String destination = in.destination();
    if (in.name().length() > MigrationRecords.MAX_NAME_LENGTH) {
      return invalidSpec("the name is " + in.name().length() + " characters long; at most "
          + MigrationRecords.MAX_NAME_LENGTH + " fit the " + HostedClusterMigration.MIGRATION_LABEL
          + " label of its records");
    }
    if (hostedCluster == null || blank(hostedCluster.namespace) || blank(hostedCluster.name)) {
      return invalidSpec("spec.hostedCluster needs a namespace and a name");
    }
    if (blank(source) || blank(destination)) {
      return invalidSpec("spec.source.cluster and spec.destination.cluster are required");
    }
    if (source.equals(destination)) {
      return invalidSpec("spec.source.cluster and spec.destination.cluster are both " + source
          + "; a migration moves a hosted cluster to another management cluster");
    }
    for (String cluster : List.of(source, destination)) {
      if (!in.clusters().containsKey(cluster)) {
        return Optional.of(new Problem(CLUSTER_NOT_FOUND, "no ManagementCluster " + cluster + " on the hub (have: "
            + list(in.clusters().keySet()) + "); nothing was created"));
      }
    }
    if (Boolean.TRUE.equals(in.clusters().get(destination))) {
      return Optional.of(new Problem(DESTINATION_LOST, "the destination " + destination
          + " is declared lost (spec.lost); choose another destination. Nothing was created"));
    }
    boolean sourceLost = Boolean.TRUE.equals(in.clusters().get(source));
    if (in.failover() && !sourceLost) {
      return Optional.of(new Problem(SOURCE_NOT_DECLARED_LOST, "spec.source.lost is set but ManagementCluster "
          + source + " is not declared lost (spec.lost). A fail-over restores from the newest backup and loses what changed "
          + "since, so " + source + " must be declared lost first: `flotilla failover " + source + " --to "
          + destination + " --confirm-lost` does that, or `kubectl patch managementcluster " + source
          + " --type merge -p '{\"spec\":{\"lost\":true}}'`; this migration then starts. To move a hosted cluster "
          + "off a live cluster, unset spec.source.lost. Nothing was created"));
    }
    if (!in.failover() && sourceLost) {
      return Optional.of(new Problem(SOURCE_LOST, "the source " + source + " is declared lost, so it cannot be "
          + "paused and backed up; set spec.source.lost: true to fail over from its newest Completed backup. "
          + "Nothing was created"));
    }
    if (!in.records().taken().isEmpty()) {
      return Optional.of(new Problem(RECORD_NAME_TAKEN, "the records this migration would create exist already "
          + "and were not created by it: " + list(in.records().taken()) + "; delete them or give the migration "
          + "another name. Nothing was created"));
    }
    if (store(in).isEmpty()) {
      String message = spec.store != null
          ? "no BackupStore " + spec.store + " on the hub (have: " + list(in.stores()) + ")"
          : in.stores().isEmpty() ? "no BackupStore on the hub; create one (named " + DEFAULT_STORE
              + " to be the default)"
          : "spec.store is not set and there is no BackupStore named " + DEFAULT_STORE + " to default to (have: "
              + list(in.stores()) + "); set spec.store";
      return Optional.of(new Problem(BACKUP_STORE_NOT_FOUND, message + ". Nothing was created"));
    }
    return Optional.empty();
  }

  /** spec.store if it exists; without one, the store named "default", else the only store. */
  static Optional<String> store(MigrationInput in) {
    String store = in.spec().store;
    if (store != null) {
      return in.stores().contains(store) ? Optional.of(store) : Optional.empty();
    }
    if (in.stores().contains(DEFAULT_STORE)) {
      return Optional.of(DEFAULT_STORE);
    }
    return in.stores().size() == 1 ? Optional.of(in.stores().iterator().next()) : Optional.empty();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String list(Set<String> names) {
    return names.isEmpty() ? "none" : String.join(", ", new TreeSet<>(names));
  }

  private static Optional<Problem> invalidSpec(String message) {
    return Optional.of(new Problem(INVALID_SPEC, message + ". Nothing was created"));
  }
}
