package io.flotilla.hub.metrics;

import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.util.List;

/** The hub objects the fleet metrics are derived from, as they are at one scrape. */
public record FleetState(List<HostedClusterBackup> backups, List<BackupPolicy> policies, List<FleetAddOn> fleetAddOns,
                         List<ManagedAddOn> managedAddOns) {
  public FleetState {
    backups = List.copyOf(backups);
    policies = List.copyOf(policies);
    fleetAddOns = List.copyOf(fleetAddOns);
    managedAddOns = List.copyOf(managedAddOns);
  }

  public static FleetState empty() { return new FleetState(List.of(), List.of(), List.of(), List.of()); }
}
