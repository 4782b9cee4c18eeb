package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Operation;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus.Phase;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.FleetAddOnReconciler;
import io.flotilla.hub.addon.rollout.RolloutPlanner;
import io.flotilla.hub.addon.validation.AddOnValidation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** What `addon status` and `addon list` print (and the demo shows): an add-on's fleet table, and every add-on. */
final class AddOnTables {
  private AddOnTables() {}

  /** The fleet's conditions in the order an operator reads them. */
  static final List<String> FLEET_CONDITIONS = List.of(RolloutPlanner.COMPLETE, RolloutPlanner.PROGRESSING,
      RolloutPlanner.ROLLOUT_PAUSED, FleetAddOnReconciler.INVALID_VERSION, FleetAddOnReconciler.INVALID_ROLLOUT_STRATEGY,
      FleetAddOnReconciler.INVALID_PLACEMENT);

  private static final List<String> ROLLOUT_CONDITIONS = List.of(RolloutPlanner.COMPLETE, RolloutPlanner.PROGRESSING,
      RolloutPlanner.ROLLOUT_PAUSED);

  /** Conditions whose True status means something needs a look (all but Complete and Progressing). */
  private static boolean abnormal(Condition c) {
    boolean isTrue = Conditions.TRUE.equals(c.getStatus());
    return switch (c.getType()) {
      case RolloutPlanner.COMPLETE, RolloutPlanner.PROGRESSING -> false;
      default -> isTrue;
    };
  }

  /**
   * `addon status`: a header (target, strategy, counts, conditions, and the message of any condition that needs a
   * look), the table of clusters, then one line per cluster whose operation failed or whose pin names no release.
   */
  static String status(FleetView view) {
    StringBuilder out = new StringBuilder();
    FleetAddOn fleet = view.fleet();
    if (fleet == null) {
      out.append("add-on ").append(view.addOn()).append(": no FleetAddOn; ").append(view.clusters().size())
          .append(" ManagedAddOns made by hand\n");
    } else {
      FleetAddOnStatus s = fleet.getStatus();
      out.append("add-on ").append(view.addOn()).append(": target ").append(view.target()).append(", ")
          .append(RolloutRequest.describe(fleet.getSpec()))
          .append(fleet.getSpec().isPaused() ? ", paused" : "")
          .append("; placement: ").append(RolloutRequest.describePlacement(fleet.getSpec()))
          .append("; last known good ").append(s == null || s.lastKnownGoodVersion == null ? "<none>" : s.lastKnownGoodVersion)
          .append('\n');
      if (s == null || s.total == null) {
        out.append("clusters: not planned by the hub yet\n");
      } else {
        out.append("clusters: ").append(s.total).append(" placed, ").append(FleetView.n(s.succeeded))
            .append(" succeeded, ").append(FleetView.n(s.progressing)).append(" progressing, ")
            .append(FleetView.n(s.failed)).append(" failed, ").append(FleetView.n(s.pinned)).append(" pinned, ")
            .append(FleetView.n(s.unknown)).append(" unknown\n");
        if (s.groups != null && !s.groups.isEmpty()) {
          List<String> groups = new ArrayList<>();
          s.groups.forEach(g -> groups.add(g.name + " " + FleetView.n(g.succeeded) + "/" + FleetView.n(g.total)
              + (FleetView.n(g.failed) > 0 ? " (" + g.failed + " failed)" : "")));
          out.append("groups: ").append(String.join(", ", groups)).append('\n');
        }
      }
      List<Condition> conditions = ordered(s == null ? null : s.conditions);
      if (!conditions.isEmpty()) {
        List<String> summary = new ArrayList<>();
        // the rollout's three conditions always; the validity ones only when they find a problem
        conditions.stream().filter(c -> ROLLOUT_CONDITIONS.contains(c.getType()) || abnormal(c))
            .forEach(c -> summary.add(c.getType() + "=" + c.getStatus() + " (" + c.getReason() + ")"));
        out.append("conditions: ").append(String.join(", ", summary)).append('\n');
        conditions.stream().filter(AddOnTables::abnormal)
            .forEach(c -> out.append("  ").append(c.getType()).append(": ").append(c.getMessage()).append('\n'));
      }
    }
    out.append('\n');
    if (view.clusters().isEmpty()) {
      out.append("No cluster has the add-on.\n");
      return out.toString();
    }
    out.append(clusters(view.clusters()).render());
    List<String> notes = notes(view.clusters());
    if (!notes.isEmpty()) {
      out.append('\n');
      notes.forEach(n -> out.append(n).append('\n'));
    }
    return out.toString();
  }

  /** One row per cluster: CLUSTER DESIRED CURRENT PHASE STARTED COMPLETED OPERATION PINNED. */
  static Table clusters(List<ManagedAddOn> clusters) {
    Table table = new Table("CLUSTER", "DESIRED", "CURRENT", "PHASE", "STARTED", "COMPLETED", "OPERATION", "PINNED");
    for (ManagedAddOn m : clusters) {
      ManagedAddOnStatus s = m.getStatus() == null ? new ManagedAddOnStatus() : m.getStatus();
      Operation op = s.operation;
      String pin = FleetView.pin(m);
      boolean badPin = pin != null && Conditions.isTrue(s.conditions, ManagedAddOn.INVALID_VERSION);
      table.row(m.getMetadata().getNamespace(), s.desiredVersion, s.currentVersion,
          op == null ? null : op.phase, op == null ? null : op.startedAt, op == null ? null : op.completedAt,
          op == null ? null : op.type + (op.fromVersion == null ? "" : " from " + op.fromVersion),
          pin == null ? null : pin + (badPin ? " (no release)" : ""));
    }
    return table;
  }

  /** Why a cluster needs a look: its pin names no release, or its operation failed. */
  static List<String> notes(List<ManagedAddOn> clusters) {
    List<String> notes = new ArrayList<>();
    for (ManagedAddOn m : clusters) {
      ManagedAddOnStatus s = m.getStatus();
      if (s == null) {
        continue;
      }
      String cluster = m.getMetadata().getNamespace();
      Conditions.find(s.conditions, ManagedAddOn.INVALID_VERSION)
          .filter(c -> Conditions.TRUE.equals(c.getStatus()))
          .ifPresent(c -> notes.add(cluster + ": InvalidVersion: " + c.getMessage()));
      if (s.operation != null && s.operation.phase == Phase.Failed) {
        notes.add(cluster + ": " + s.operation.message);
      } else if (s.operation != null && s.operation.type == ManagedAddOnStatus.Type.Rollback && s.history != null
          && !s.history.isEmpty() && s.history.get(0).phase == Phase.Failed) {
        notes.add(cluster + ": rolled back after: " + s.history.get(0).message);
      }
    }
    return notes;
  }

  /**
   * `addon list`: one row per add-on that has releases or a FleetAddOn, with its released versions, the fleet's
   * target and the hub's counts.
   */
  static Table list(List<AddOnRelease> releases, List<FleetAddOn> fleets) {
    Map<String, TreeSet<String>> versions = new TreeMap<>();
    for (AddOnRelease r : releases) {
      if (r.getSpec() != null && r.getSpec().addOn != null) {
        versions.computeIfAbsent(r.getSpec().addOn, k -> new TreeSet<>(AddOnValidation.SEMVER_ORDER)).add(r.getSpec().version);
      }
    }
    Map<String, FleetAddOn> byName = new TreeMap<>();
    fleets.forEach(f -> byName.put(f.getMetadata().getName(), f));
    TreeSet<String> addOns = new TreeSet<>(versions.keySet());
    addOns.addAll(byName.keySet());
    Table table = new Table("ADDON", "RELEASES", "TARGET", "STRATEGY", "CLUSTERS", "SUCCEEDED", "PROGRESSING",
        "FAILED", "PINNED", "UNKNOWN", "STATE");
    for (String addOn : addOns) {
      TreeSet<String> v = versions.get(addOn);
      String released = v == null ? "none" : String.join(",", v);
      FleetAddOn f = byName.get(addOn);
      if (f == null) {
        table.row(addOn, released, "-", "-", "-", "-", "-", "-", "-", "-", "no FleetAddOn");
        continue;
      }
      FleetAddOnStatus s = f.getStatus() == null ? new FleetAddOnStatus() : f.getStatus();
      table.row(addOn, released, f.getSpec() == null ? null : f.getSpec().version,
          f.getSpec() == null || f.getSpec().rolloutStrategy == null || f.getSpec().rolloutStrategy.type == null ? "All"
              : f.getSpec().rolloutStrategy.type,
          FleetView.n(s.total), FleetView.n(s.succeeded), FleetView.n(s.progressing), FleetView.n(s.failed),
          FleetView.n(s.pinned), FleetView.n(s.unknown), state(f));
    }
    return table;
  }

  /** One word for a fleet: what is wrong first, else Paused, Complete or Progressing. */
  static String state(FleetAddOn f) {
    List<Condition> conditions = f.getStatus() == null ? null : f.getStatus().conditions;
    for (String type : List.of(FleetAddOnReconciler.INVALID_VERSION, FleetAddOnReconciler.INVALID_ROLLOUT_STRATEGY,
        FleetAddOnReconciler.INVALID_PLACEMENT)) {
      if (Conditions.isTrue(conditions, type)) {
        return type;
      }
    }
    Optional<Condition> paused = Conditions.find(conditions, RolloutPlanner.ROLLOUT_PAUSED)
        .filter(c -> Conditions.TRUE.equals(c.getStatus()));
    if (paused.isPresent()) {
      return RolloutPlanner.REASON_PAUSED.equals(paused.get().getReason()) ? "Paused"
          : "Paused (" + paused.get().getReason() + ")";
    }
    if (Conditions.isTrue(conditions, RolloutPlanner.COMPLETE)) {
      return "Complete";
    }
    return Conditions.find(conditions, RolloutPlanner.PROGRESSING)
        .map(c -> Conditions.TRUE.equals(c.getStatus()) ? "Progressing" : c.getReason()).orElse("Pending");
  }

  private static List<Condition> ordered(List<Condition> conditions) {
    List<Condition> out = new ArrayList<>();
    if (conditions == null) {
      return out;
    }
    for (String type : FLEET_CONDITIONS) {
      conditions.stream().filter(c -> type.equals(c.getType())).findFirst().ifPresent(out::add);
    }
    conditions.stream().filter(c -> !FLEET_CONDITIONS.contains(c.getType())).forEach(out::add);
    return out;
  }
}
