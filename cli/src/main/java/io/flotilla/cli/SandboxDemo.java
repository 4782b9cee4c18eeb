package io.flotilla.cli;

import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.sandbox.Fleet;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * `flotilla sandbox demo`: every flow that exists, end to end, on a fresh local fleet. Each step checks its own
 * outcome; the demo exits non-zero as soon as one does not hold.
 */
final class SandboxDemo {
  private final PrintWriter out;
  private final Instant began = Instant.now();
  private int step;
  private static final int STEPS = 8;
  /** Ample for the demo's few MiB of etcd; a backup that takes longer has gone wrong. */
  private static final Duration BACKUP_TIMEOUT = Duration.ofMinutes(2);
  /** A migration is a hold, a backup, a restore and a teardown: a few of the above. */
  private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(5);
  private static final String POLICY = "demo-every-10s";
  private static final Duration POLICY_INTERVAL = Duration.ofSeconds(10);
  /** An agent process is a JVM loading fabric8 and the AWS SDK next to the whole fleet: on 2 cores, many seconds. */
  private static final Duration AGENT_PROCESS_START = Duration.ofSeconds(60);

  SandboxDemo(PrintWriter out) { this.out = out; }

  int run(Fleet.Options options) {
    heading("Bring up the fleet: hub, " + options.clusters() + " management clusters, S3, a real etcd per hosted cluster"
        + (options.agentProcesses() ? ", each cluster's agent a process of its own" : ""));
    try (Fleet fleet = Fleet.up(options, this::detail)) {
      heading("Clusters registered and heart-beating");
      for (String cluster : fleet.clusterNames()) {
        String first = heartbeat(fleet, cluster);
        Fleet.await(options.heartbeat().multipliedBy(4), cluster + " to renew its heartbeat",
            () -> !first.equals(heartbeat(fleet, cluster)));
        detail(cluster + ": Available, heartbeat renewed " + first + " -> " + heartbeat(fleet, cluster));
      }

      String victim = fleet.clusterNames().get(fleet.clusterNames().size() - 1);
      heading("Health: stop " + victim + "'s agent; the hub marks it Unknown after the grace period ("
          + fleet.gracePeriod().toSeconds() + "s), then Available again once the agent is back");
      Instant stopped = Instant.now();
      String pid = fleet.agentProcess(victim).map(p -> " (pid " + p.pid() + ")").orElse("");
      fleet.stopAgent(victim);
      detail(victim + ": agent" + pid + " stopped" + fleet.agentProcesses().map(a -> " with SIGTERM, "
          + a.lastExitCode(victim).stream().mapToObj(c -> "exit code " + c).findFirst().orElse("exit code unknown")
          + "; it stays stopped").orElse(""));
      Fleet.await(fleet.gracePeriod().plus(options.heartbeat().multipliedBy(5)), victim + " to become Unknown",
          () -> "Unknown".equals(fleet.availability(victim)));
      detail(victim + ": Unknown after " + Duration.between(stopped, Instant.now()).toSeconds() + "s ("
          + reason(fleet, victim) + ")");
      fleet.startAgent(victim);
      Instant restarted = Instant.now();
      String newPid = fleet.agentProcess(victim).map(p -> " as pid " + p.pid()).orElse("");
      Fleet.await(options.heartbeat().multipliedBy(10).plus(options.agentProcesses() ? AGENT_PROCESS_START : Duration.ZERO),
          victim + " to become Available again", () -> fleet.isAvailable(victim));
      detail(victim + ": agent restarted" + newPid + ", Available again after "
          + Duration.between(restarted, Instant.now()).toMillis() + "ms");

      String source = fleet.clusterNames().get(0);
      List<String> hosted = fleet.hostedClusters(source);
      heading("Backup: `flotilla backup create --wait` of " + (hosted.isEmpty() ? "a hosted cluster" : Fleet.HOSTED_CLUSTER_NAMESPACE
          + "/" + hosted.get(0)) + " on " + source + " (paused with a deadline, etcd snapshot encrypted to S3, resumed)");
      Boolean backedUp = backup(fleet, source, hosted);

      String destination = fleet.clusterNames().get(fleet.clusterNames().size() - 1);
      String moving = hosted.size() > 1 ? hosted.get(1) : hosted.isEmpty() ? null : hosted.get(0);
      heading("Migration: `flotilla migrate start` " + (moving == null ? "of a hosted cluster" : Fleet.HOSTED_CLUSTER_NAMESPACE
          + "/" + moving) + " from " + source + " to " + destination + " (hold, back up, restore, verify, point of no "
          + "return, tear the source down keeping every worker)");
      Boolean migrated = migrate(fleet, source, destination, moving);

      heading("Backup policy: every hosted cluster backed up every " + POLICY_INTERVAL.toSeconds() + "s by its cluster's "
          + "agent, from the schedule the hub places in the cluster's namespace; retention keeps the newest 2");
      Boolean scheduled = policy(fleet);

      heading("Add-on staged rollout with one rollback: publish, roll " + AddOnDemo.ADD_ON + " " + AddOnDemo.FROM
          + " -> " + AddOnDemo.TO + " Progressive (maxConcurrency 1), then the failing " + AddOnDemo.FAILING
          + " with failure strategy Rollback");
      boolean addOnsOk = new AddOnDemo(fleet.hub(), this::detail, out).run();

      heading("Fleet");
      List<ManagementCluster> clusters = fleet.hub().resources(ManagementCluster.class).list().getItems();
      out.print(FleetTable.of(clusters, Instant.now()).render());
      long available = fleet.clusterNames().stream().filter(fleet::isAvailable).count();
      List<HostedClusterMigration> migrations = new HubMigrations(fleet.hub()).list();
      if (!migrations.isEmpty()) {
        out.println();
        out.print(MigrationViews.table(migrations, Instant.now()).render());
      }
      out.printf("%n%d of %d management clusters Available, %d hosted clusters, backup %s, migration %s, policy %s, add-on rollout "
              + "%s, demo took %ds%n", available, clusters.size(),
          fleet.clusterNames().stream().mapToInt(c -> fleet.hostedClusters(c).size()).sum(),
          backedUp == null ? "skipped" : backedUp ? "completed" : "FAILED",
          migrated == null ? "skipped" : migrated ? "succeeded" : "FAILED",
          scheduled == null ? "skipped" : scheduled ? "running" : "FAILED",
          addOnsOk ? "staged with one rollback" : "FAILED", Duration.between(began, Instant.now()).toSeconds());
      out.flush();
      return available == clusters.size() && !Boolean.FALSE.equals(backedUp) && !Boolean.FALSE.equals(migrated)
          && !Boolean.FALSE.equals(scheduled) && addOnsOk ? 0 : 1;
    } catch (IllegalStateException e) {
      out.println("demo failed: " + e.getMessage());
      out.flush();
      return 1;
    }
  }

  /**
   * Exactly what `flotilla backup create <cluster> <ns>/<hc> --wait` does, with its progress as demo lines; whether
   * it completed, or null when there is nothing to back up.
   */
  private Boolean backup(Fleet fleet, String cluster, List<String> hosted) {
    if (hosted.isEmpty()) {
      detail(cluster + " has no hosted cluster (--hosted-per-cluster 0): nothing to back up");
      return null;
    }
    BackupRequest request = BackupRequest.parse(cluster, Fleet.HOSTED_CLUSTER_NAMESPACE + "/" + hosted.get(0),
        Fleet.BACKUP_STORE, null, null, false, Instant.now());
    BackupCreation creation = new BackupCreation(new HubBackups(fleet.hub()));
    HostedClusterBackup created = creation.create(request);
    detail("backup " + BackupDescription.id(created) + " created on the hub; " + cluster + "'s agent runs it");
    BackupCreation.Outcome outcome = creation.follow(created, BACKUP_TIMEOUT,
        BackupProgress.lineByLine(line -> detail("  " + line)));
    detail(outcome.line());
    return outcome.completed();
  }

  /**
   * What `flotilla migrate start --wait` does, with its progress as demo lines, plus the check a person would make:
   * every worker of the hosted cluster still bound where it was, none rebooted into discovery.
   */
  private Boolean migrate(Fleet fleet, String source, String destination, String hc) {
    if (hc == null || source.equals(destination)) {
      detail("nothing to migrate (one cluster, or no hosted cluster)");
      return null;
    }
    java.util.Map<String, java.util.Optional<String>> before = workers(fleet, hc);
    int deprovisions = fleet.hosts().totalDeprovisions();
    HubMigrations migrations = new HubMigrations(fleet.hub());
    String name = hc + "-to-" + destination;
    migrations.create(name, new io.flotilla.api.common.NamespacedName(Fleet.HOSTED_CLUSTER_NAMESPACE, hc), source, false,
        destination, true, io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec.FailurePolicy.Manual, java.util.Map.of());
    detail("migration " + name + " created on the hub; the hub drives " + source + "'s and " + destination + "'s agents");
    HubQueries.Waited<HostedClusterMigration> waited = migrations.follow(name, MIGRATION_TIMEOUT,
        line -> detail("  " + line));
    HostedClusterMigration m = waited.last();
    boolean succeeded = m != null && HubMigrations.phase(m) == io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase.Succeeded;
    java.util.Map<String, java.util.Optional<String>> after = workers(fleet, hc);
    int deprovisioned = fleet.hosts().totalDeprovisions() - deprovisions;
    detail(succeeded ? "migration " + name + " succeeded: point of no return at " + m.getStatus().pointOfNoReturnTime
        + ", recovery time " + m.getStatus().recoveryTime : "migration " + name + " did not succeed: "
        + (m == null ? "deleted" : MigrationViews.progressLine(m)));
    detail(after.size() + " workers of " + hc + ": " + (after.equals(before) ? "all still bound to the same cluster"
        : "CHANGED " + before + " -> " + after) + ", " + deprovisioned + " rebooted into discovery");
    return succeeded && after.equals(before) && deprovisioned == 0;
  }

  /** Creates a BackupPolicy and waits until every hosted cluster of the fleet has a Completed scheduled backup. */
  private Boolean policy(Fleet fleet) {
    int total = fleet.clusterNames().stream().mapToInt(c -> fleet.hostedClusters(c).size()).sum();
    if (total == 0) {
      detail("no hosted clusters: nothing to schedule");
      return null;
    }
    io.flotilla.api.dr.v1alpha1.BackupPolicy p = new io.flotilla.api.dr.v1alpha1.BackupPolicy();
    p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(POLICY).build());
    p.getSpec().schedule = "*/" + POLICY_INTERVAL.toSeconds() + " * * * * *";
    p.getSpec().store = Fleet.BACKUP_STORE;
    p.getSpec().retention = new io.flotilla.api.dr.v1alpha1.BackupPolicySpec.Retention();
    p.getSpec().retention.keepLast = 2;
    fleet.hub().resource(p).create();
    detail("BackupPolicy " + POLICY + " created: schedule \"" + p.getSpec().schedule + "\" (seconds first), keepLast 2");
    java.util.Set<String> reported = new java.util.TreeSet<>();
    HubQueries.Waited<java.util.Set<String>> waited = HubQueries.poll(MIGRATION_TIMEOUT, () -> {
      java.util.Set<String> done = new java.util.TreeSet<>();
      fleet.hub().resources(HostedClusterBackup.class).inAnyNamespace()
          .withLabel(io.flotilla.api.dr.v1alpha1.EffectiveBackupSchedule.POLICY_LABEL, POLICY).list().getItems().stream()
          .filter(b -> b.getStatus() != null && b.getStatus().phase == io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase.Completed)
          .forEach(b -> done.add(b.getMetadata().getNamespace() + "/" + b.getSpec().hostedCluster.name + " "
              + b.getMetadata().getName()));
      return done;
    }, done -> done.stream().map(d -> d.substring(0, d.indexOf(' '))).distinct().count() >= total, done -> {
      for (String d : done) {
        String hc = d.substring(0, d.indexOf(' '));
        if (reported.add(hc)) {
          detail("  scheduled backup completed: " + d.replace(" ", " -> "));
        }
      }
    }, "scheduled backups");
    var status = fleet.hub().resources(io.flotilla.api.dr.v1alpha1.BackupPolicy.class).withName(POLICY).get().getStatus();
    detail(waited.reached() ? "every hosted cluster (" + total + ") has a scheduled backup; policy status: "
        + (status == null || status.compliant == null ? "not yet computed" : status.compliant + "/" + status.total
        + " within their RPO") : "only " + reported.size() + " of " + total + " hosted clusters got a scheduled backup");
    return waited.reached();
  }

  private static java.util.Map<String, java.util.Optional<String>> workers(Fleet fleet, String hc) {
    java.util.Map<String, java.util.Optional<String>> bound = new java.util.TreeMap<>();
    fleet.hosts().hosts().stream().filter(h -> h.hostname().startsWith(hc + "-worker"))
        .forEach(h -> bound.put(h.uuid(), h.boundTo()));
    return bound;
  }

  private static String heartbeat(Fleet fleet, String cluster) {
    ManagementCluster mc = fleet.hub().resources(ManagementCluster.class).withName(cluster).get();
    return mc == null || mc.getStatus() == null || mc.getStatus().lastHeartbeatTime == null ? "<never>"
        : mc.getStatus().lastHeartbeatTime;
  }

  private static String reason(Fleet fleet, String cluster) {
    ManagementCluster mc = fleet.hub().resources(ManagementCluster.class).withName(cluster).get();
    return io.flotilla.common.Conditions.find(mc.getStatus().conditions, ManagementCluster.AVAILABLE)
        .map(c -> c.getReason() + ": " + c.getMessage()).orElse("no condition");
  }

  private void heading(String text) {
    out.printf("%n[%d/%d] %s%n", ++step, STEPS, text);
    out.flush();
  }

  private void detail(String text) {
    out.printf("  %5.1fs  %s%n", Duration.between(began, Instant.now()).toMillis() / 1000.0, text);
    out.flush();
  }
}
