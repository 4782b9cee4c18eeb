package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "addon", description = {
    "Add-on versions across the fleet: publish releases, roll a version out in stages, pin, roll back, pause. "
        + "The hub decides each cluster's desired version; the cluster's agent applies it and reports."},
    subcommands = {AddOnCommand.Publish.class, AddOnCommand.ListAddOns.class, AddOnCommand.Status.class,
        AddOnCommand.Rollout.class, AddOnCommand.Pin.class, AddOnCommand.Unpin.class, AddOnCommand.Rollback.class,
        AddOnCommand.Pause.class, AddOnCommand.Resume.class})
final class AddOnCommand {

  /** --wait and --timeout, for the commands that change what clusters run. */
  static final class WaitOptions {
    @Option(names = "--wait", description = "Follow the clusters concerned until each has finished; exit 1 if the "
        + "rollout stops short or an operation fails.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
        description = "With --wait: give up waiting after this long (default 10m); the rollout itself goes on.")
    String timeout;

    /** Checked before anything is written, so a bad value leaves the hub untouched. */
    Duration timeout() {
      return BackupRequest.positiveDuration("--timeout", timeout);
    }
  }

  @Command(name = "publish", description = {
      "Create an AddOnRelease for every release folder (addon-templates/<addon>/<version>/). A release that is "
          + "already on the hub with the same spec is left unchanged; one with a different spec is refused (releases "
          + "are immutable: publish a new version) and the command exits 1."})
  static final class Publish implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR",
        description = "Release sources (default ./addon-templates, else the one of this installation).")
    Path dir;

    @Option(names = "--addon", paramLabel = "ADDON", description = "Publish only this add-on's releases.")
    String addOn;

    @Option(names = "--version", paramLabel = "VERSION", description = "Publish only this version.")
    String version;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (addOn != null) {
        RolloutRequest.requireAddOnName(addOn);
      }
      if (version != null) {
        RolloutRequest.requireVersionShape(version);
      }
      List<AddOnRelease> releases = AddOnTemplates.load(AddOnTemplates.locate(dir), addOn, version);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        List<HubAddOns.Published> results = new HubAddOns(client).publish(releases);
        out.print(publishTable(results).render());
        out.flush();
        List<String> refused = results.stream().filter(r -> r.outcome() == HubAddOns.PublishOutcome.refused)
            .map(HubAddOns.Published::name).toList();
        if (!refused.isEmpty()) {
          throw new CommandFailedException("refused " + String.join(", ", refused) + ": already on the hub with a "
              + "different spec; releases are immutable, so publish the change as a new version");
        }
        return 0;
      }
    }
  }

  static Table publishTable(List<HubAddOns.Published> results) {
    Table table = new Table("RELEASE", "ADDON", "VERSION", "RESULT");
    results.forEach(r -> table.row(r.name(), r.release().getSpec().addOn, r.release().getSpec().version,
        r.outcome() == HubAddOns.PublishOutcome.refused ? "refused (differs from the published release)" : r.outcome()));
    return table;
  }

  @Command(name = "list", description = "List add-ons: their released versions, and each FleetAddOn's target and counts.")
  static final class ListAddOns implements Callable<Integer> {
    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        List<AddOnRelease> releases = addOns.releases();
        List<FleetAddOn> fleets = addOns.fleets();
        if (!output.isTable()) {
          List<HasMetadata> items = new ArrayList<>(releases);
          items.addAll(fleets);
          out.println(output.render(asList(items)));
        } else if (releases.isEmpty() && fleets.isEmpty()) {
          out.println("No add-ons. Publish releases with: flotilla addon publish");
        } else {
          out.print(AddOnTables.list(releases, fleets).render());
        }
        return 0;
      }
    }
  }

  /** A kubectl-style List (the builder drops items of kinds it does not know, such as ours). */
  static KubernetesList asList(List<HasMetadata> items) {
    KubernetesList list = new KubernetesList();
    list.setItems(items);
    return list;
  }

  @Command(name = "status", description = {
      "Show one add-on across the fleet: target, strategy, counts and conditions, then one row per cluster "
          + "(desired and current version, the operation's phase, start and end, its type, the pin)."})
  static final class Status implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDON")
    String addOn;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      RolloutRequest.requireAddOnName(addOn);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        FleetView view = addOns.view(addOn);
        if (view.fleet() == null && view.clusters().isEmpty()) {
          if (addOns.releasedVersions(addOn).isEmpty()) {
            throw new BadInputException("no add-on \"" + addOn + "\" on the hub (add-ons with releases or a fleet: "
                + String.join(", ", knownAddOns(addOns)) + ")");
          }
          out.println("add-on " + addOn + " (releases " + String.join(", ", addOns.releasedVersions(addOn))
              + ") is on no cluster; roll it out with: flotilla addon rollout " + addOn + " --version <version>");
          return 0;
        }
        if (!output.isTable()) {
          List<HasMetadata> items = new ArrayList<>();
          if (view.fleet() != null) {
            items.add(view.fleet());
          }
          items.addAll(view.clusters());
          out.println(output.render(asList(items)));
        } else {
          out.print(AddOnTables.status(view));
        }
        return 0;
      }
    }

    private static List<String> knownAddOns(HubAddOns addOns) {
      Map<String, Boolean> names = new TreeMap<>();
      addOns.releases().forEach(r -> names.put(r.getSpec().addOn, true));
      addOns.fleets().forEach(f -> names.put(f.getMetadata().getName(), true));
      return names.isEmpty() ? List.of("none") : List.copyOf(names.keySet());
    }
  }

  @Command(name = "rollout", description = {
      "Roll a version out across the fleet: creates the add-on's FleetAddOn, or moves its target and changes the "
          + "options given (others stay as they are). On a new FleetAddOn the strategy is Progressive when "
          + "--max-concurrency or --max-failures is given, else All. The version must have a release on the hub."})
  static final class Rollout implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDON")
    String addOn;

    @Option(names = "--version", required = true, paramLabel = "VERSION", description = "The fleet's target version.")
    String version;

    @Option(names = "--strategy", paramLabel = "TYPE", description = "All, Progressive or ProgressivePerGroup.")
    RolloutStrategy.Type type;

    @Option(names = "--max-concurrency", paramLabel = "N|N%", description = "Clusters in progress at once (Progressive).")
    String maxConcurrency;

    @Option(names = "--max-failures", paramLabel = "N|N%",
        description = "Failed clusters tolerated before the failure strategy applies (default 0).")
    String maxFailures;

    @Option(names = "--min-success-time", paramLabel = "DURATION",
        description = "How long a cluster must stay healthy before its slot goes to the next (e.g. 30s).")
    String minSuccessTime;

    @Option(names = "--progress-deadline", paramLabel = "DURATION",
        description = "How long one cluster's operation may take before it counts as failed (e.g. 5m).")
    String progressDeadline;

    @Option(names = "--failure-strategy", paramLabel = "Pause|Rollback",
        description = "When the failure budget is spent: Pause (stop), or also roll failed clusters back.")
    FailureStrategy failureStrategy;

    @Option(names = "--cluster-selector", paramLabel = "K=V,...",
        description = "Place the add-on on the clusters with these labels (\"\" = every cluster).")
    String clusterSelector;

    @Mixin WaitOptions wait;
    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      RolloutRequest request = RolloutRequest.parse(addOn, version, type, maxConcurrency, maxFailures, minSuccessTime,
          progressDeadline, failureStrategy, clusterSelector);
      Duration timeout = wait.timeout();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        HubAddOns.Rollout result = addOns.rollout(request);
        FleetAddOn after = result.after();
        String before = result.created() ? null : result.before().getSpec().version;
        out.printf("fleet add-on %s %s: target %s, %s; placement: %s%n", addOn,
            result.created() ? "created" : "updated", before == null || before.equals(version) ? version
                : before + " -> " + version, RolloutRequest.describe(after.getSpec()),
            RolloutRequest.describePlacement(after.getSpec()));
        warnIfPaused(after, err);
        return follow(addOns, addOn, wait.await, timeout, out, err);
      }
    }
  }

  static void warnIfPaused(FleetAddOn fleet, PrintWriter err) {
    if (fleet.getSpec() != null && fleet.getSpec().isPaused()) {
      err.println("warning: the rollout of " + fleet.getMetadata().getName() + " is paused: no cluster starts until "
          + "flotilla addon resume " + fleet.getMetadata().getName());
      err.flush();
    }
  }

  /** Without --wait, says how to follow; with it, follows the fleet and prints the table and how it ended. */
  static int follow(HubAddOns addOns, String addOn, boolean await, Duration timeout, PrintWriter out, PrintWriter err) {
    if (!await) {
      out.println("follow it with: flotilla addon status " + addOn);
      out.flush();
      return 0;
    }
    out.flush();
    AddOnFollow.FleetOutcome outcome = AddOnFollow.fleet(addOns, addOn, timeout, line -> {
      err.println(line);
      err.flush();
    });
    out.println();
    out.print(AddOnTables.status(outcome.last()));
    out.flush();
    if (!outcome.complete()) {
      throw new CommandFailedException(outcome.line());
    }
    out.println();
    out.println(outcome.line());
    return 0;
  }

  @Command(name = "pin", description = {
      "Pin the add-on on one cluster to a version: the fleet's rollouts leave the cluster alone until it is "
          + "unpinned. Installs the add-on there if it is not on the cluster yet."})
  static final class Pin implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Parameters(index = "1", paramLabel = "ADDON")
    String addOn;

    @Parameters(index = "2", paramLabel = "VERSION")
    String version;

    @Mixin WaitOptions wait;
    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      BackupRequest.requireClusterName(cluster);
      RolloutRequest.requireAddOnName(addOn);
      RolloutRequest.requireVersionShape(version);
      Duration timeout = wait.timeout();
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        HubAddOns.Pinned pinned = addOns.pin(cluster, addOn, version);
        String was = pinned.before() == null ? "not installed"
            : FleetView.pin(pinned.before()) != null ? "pinned to " + FleetView.pin(pinned.before())
            : "following the fleet";
        out.printf("%s: %s pinned to %s (was %s)%n", cluster, addOn, version, was);
        return followCluster(addOns, cluster, addOn, version, wait, timeout, spec);
      }
    }
  }

  static int followCluster(HubAddOns addOns, String cluster, String addOn, String version, WaitOptions wait,
      Duration timeout, picocli.CommandLine.Model.CommandSpec spec) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!wait.await) {
      out.println("follow it with: flotilla addon status " + addOn);
      out.flush();
      return 0;
    }
    out.flush();
    AddOnFollow.ClusterOutcome outcome = AddOnFollow.cluster(addOns, cluster, addOn, version, timeout, line -> {
      err.println(line);
      err.flush();
    });
    if (!outcome.succeeded()) {
      throw new CommandFailedException(outcome.line());
    }
    out.println(outcome.line());
    return 0;
  }

  @Command(name = "unpin", description = "Let one cluster follow the fleet's target again.")
  static final class Unpin implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Parameters(index = "1", paramLabel = "ADDON")
    String addOn;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      BackupRequest.requireClusterName(cluster);
      RolloutRequest.requireAddOnName(addOn);
      PrintWriter out = spec.commandLine().getOut();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        ManagedAddOn m = addOns.unpin(cluster, addOn);
        FleetAddOn fleet = addOns.fleet(addOn);
        boolean placed = fleet != null && m.getMetadata().getLabels() != null
            && addOn.equals(m.getMetadata().getLabels().get(io.flotilla.hub.addon.FleetAddOnReconciler.FLEET_LABEL));
        out.printf("%s: %s unpinned; %s%n", cluster, addOn, placed
            ? "it follows the fleet's target " + fleet.getSpec().version + " as the rollout strategy allows"
            : "no FleetAddOn places it there, so it stays on " + currentOf(m) + " until pinned again");
        return 0;
      }
    }
  }

  private static String currentOf(ManagedAddOn m) {
    ManagedAddOnStatus s = m.getStatus();
    return s == null || s.currentVersion == null ? "no version" : s.currentVersion;
  }

  @Command(name = "rollback", description = {
      "Roll back one cluster (CLUSTER ADDON): pins it to --to, by default the newest version that worked on it "
          + "before the current one; its agent records a Rollback operation. Or the whole fleet (ADDON --fleet): "
          + "moves the FleetAddOn's target back to --to, by default its last known good version; clusters on a "
          + "higher version go back as the rollout strategy allows."})
  static final class Rollback implements Callable<Integer> {
    @Parameters(paramLabel = "[CLUSTER] ADDON", description = "CLUSTER ADDON, or ADDON with --fleet.")
    List<String> names;

    @Option(names = "--fleet", description = "Roll back the fleet's target instead of one cluster.")
    boolean fleet;

    @Option(names = "--to", paramLabel = "VERSION", description = "The version to go back to.")
    String to;

    @Mixin WaitOptions wait;
    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (names.size() != (fleet ? 1 : 2)) {
        throw new BadInputException(fleet ? "with --fleet give only ADDON: flotilla addon rollback ADDON --fleet"
            : "give CLUSTER and ADDON (flotilla addon rollback CLUSTER ADDON), or ADDON --fleet for the whole fleet");
      }
      String addOn = names.get(names.size() - 1);
      RolloutRequest.requireAddOnName(addOn);
      String cluster = fleet ? null : names.get(0);
      if (cluster != null) {
        BackupRequest.requireClusterName(cluster);
      }
      if (to != null) {
        RolloutRequest.requireVersionShape(to);
      }
      Duration timeout = wait.timeout();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (KubernetesClient client = hub.client()) {
        HubAddOns addOns = new HubAddOns(client);
        if (fleet) {
          FleetAddOn f = addOns.requireFleet(addOn);
          String target = f.getSpec().version;
          String version = to != null ? to : RollbackTarget.forFleet(f).orElseThrow(() -> new BadInputException(
              "the fleet's last known good version of " + addOn + " is "
                  + (f.getStatus() == null || f.getStatus().lastKnownGoodVersion == null ? "not known"
                  : f.getStatus().lastKnownGoodVersion) + ", not lower than its target " + target
                  + "; name a version with --to (released: " + String.join(", ", addOns.releasedVersions(addOn)) + ")"));
          requireLower(version, target, "the fleet's target");
          FleetAddOn after = addOns.setTarget(addOn, version);
          out.printf("fleet add-on %s rolling back: target %s -> %s, %s%n", addOn, target, version,
              RolloutRequest.describe(after.getSpec()));
          warnIfPaused(after, err);
          return follow(addOns, addOn, wait.await, timeout, out, err);
        }
        ManagedAddOn m = addOns.requireManagedAddOn(cluster, addOn);
        String from = RollbackTarget.from(m.getStatus());
        if (from == null) {
          throw new BadInputException("add-on " + addOn + " has no version on " + cluster + " yet: nothing to roll back");
        }
        String version = to != null ? to : RollbackTarget.forCluster(m.getStatus()).orElseThrow(() ->
            new BadInputException("no version older than " + from + " worked on " + cluster + "; name one with --to "
                + "(released: " + String.join(", ", addOns.releasedVersions(addOn)) + ")"));
        requireLower(version, from, cluster + "'s " + addOn);
        addOns.pin(cluster, addOn, version);
        out.printf("%s: %s rolling back %s -> %s; pinned to %s, so the fleet leaves it there until: flotilla addon "
            + "unpin %s %s%n", cluster, addOn, from, version, version, cluster, addOn);
        return followCluster(addOns, cluster, addOn, version, wait, timeout, spec);
      }
    }

    private static void requireLower(String version, String from, String what) {
      if (!RollbackTarget.isLower(version, from)) {
        throw new BadInputException(version + " is not older than " + what + " " + from
            + "; a rollback goes back: use flotilla addon pin or flotilla addon rollout to move forward");
      }
    }
  }

  @Command(name = "pause", description = "Pause the add-on's rollout: no cluster starts a new operation; those in flight finish.")
  static final class Pause implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDON")
    String addOn;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return setPaused(addOn, true, hub, spec);
    }
  }

  @Command(name = "resume", description = "Resume the add-on's rollout where it stopped.")
  static final class Resume implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDON")
    String addOn;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      return setPaused(addOn, false, hub, spec);
    }
  }

  private static int setPaused(String addOn, boolean paused, HubOptions hub, picocli.CommandLine.Model.CommandSpec spec) {
    RolloutRequest.requireAddOnName(addOn);
    try (KubernetesClient client = hub.client()) {
      FleetAddOn after = new HubAddOns(client).setPaused(addOn, paused);
      spec.commandLine().getOut().printf("fleet add-on %s %s (target %s)%n", addOn,
          paused ? "paused: no cluster starts a new operation; those in flight finish"
              : "resumed: clusters start again as the rollout strategy allows", after.getSpec().version);
      return 0;
    }
  }
}
