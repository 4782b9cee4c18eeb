package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec.FailureStrategy;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Type;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The demo's add-on step, made of what `flotilla addon publish`, `addon rollout --wait` and `addon status` do:
 * install {@value #FROM} everywhere, roll {@value #TO} out one cluster at a time, then roll out {@value #FAILING}
 * (built to fail its health check) with failure strategy Rollback, so the first cluster fails, goes back to
 * {@value #TO} with a Rollback operation, and the others are never touched.
 */
final class AddOnDemo {
  static final String ADD_ON = "metrics-forwarder";
  static final String FROM = "1.0.0";
  static final String TO = "1.1.0";
  static final String FAILING = "1.2.0";
  /** The failing release's Deployment reports ProgressDeadlineExceeded after 30 s; the rest takes seconds. */
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final HubAddOns addOns;
  private final Consumer<String> detail;
  private final PrintWriter out;

  AddOnDemo(KubernetesClient hub, Consumer<String> detail, PrintWriter out) {
    this.addOns = new HubAddOns(hub);
    this.detail = detail;
    this.out = out;
  }

  /** Whether every step ended as it should. */
  boolean run() {
    List<HubAddOns.Published> published = addOns.publish(AddOnTemplates.load(AddOnTemplates.locate(null), null, null));
    detail.accept("published " + published.size() + " releases: " + String.join(", ",
        published.stream().map(HubAddOns.Published::name).toList()));

    if (!roll(FROM, null, null, null).complete()) {
      return false;
    }
    AddOnFollow.FleetOutcome upgraded = roll(TO, RolloutStrategy.Type.Progressive, "1", FailureStrategy.Pause);
    if (!upgraded.complete()) {
      return false;
    }
    printIndented(AddOnTables.clusters(upgraded.last().clusters()).render());

    AddOnFollow.FleetOutcome failing = roll(FAILING, null, null, FailureStrategy.Rollback);
    printIndented(AddOnTables.status(failing.last()));
    List<ManagedAddOn> clusters = failing.last().clusters();
    List<ManagedAddOn> rolledBack = clusters.stream().filter(AddOnDemo::rolledBack).toList();
    boolean othersUntouched = clusters.stream().filter(m -> !rolledBack.contains(m))
        .allMatch(m -> TO.equals(m.getStatus().currentVersion) && m.getStatus().operation.type == Type.Upgrade
            && TO.equals(m.getStatus().operation.toVersion));
    boolean ok = failing.settled() && !failing.complete() && rolledBack.size() == 1 && othersUntouched;
    detail.accept(ok ? rolledBack.get(0).getMetadata().getNamespace() + " failed " + FAILING + " and was rolled back to "
        + TO + " (Rollback operation recorded); the failure budget (0) was spent, so no other cluster started "
        + FAILING : "unexpected outcome of the " + FAILING + " rollout: " + failing.line());
    return ok;
  }

  private AddOnFollow.FleetOutcome roll(String version, RolloutStrategy.Type type, String maxConcurrency,
      FailureStrategy failureStrategy) {
    HubAddOns.Rollout r = addOns.rollout(RolloutRequest.parse(ADD_ON, version, type, maxConcurrency, null, null, null,
        failureStrategy, null));
    detail.accept("flotilla addon rollout " + ADD_ON + " --version " + version + ": "
        + RolloutRequest.describe(r.after().getSpec()));
    AddOnFollow.FleetOutcome outcome = AddOnFollow.fleet(addOns, ADD_ON, TIMEOUT, line -> detail.accept("  " + line));
    detail.accept(outcome.line());
    return outcome;
  }

  /** The cluster went back to {@value #TO} from {@value #FAILING} with a Rollback operation that succeeded. */
  private static boolean rolledBack(ManagedAddOn m) {
    ManagedAddOnStatus s = m.getStatus();
    return s != null && s.operation != null && s.operation.type == Type.Rollback && s.operation.phase == Phase.Succeeded
        && FAILING.equals(s.operation.fromVersion) && TO.equals(s.operation.toVersion) && TO.equals(s.currentVersion);
  }

  private void printIndented(String text) {
    text.lines().forEach(l -> out.println("         " + l));
    out.flush();
  }
}
