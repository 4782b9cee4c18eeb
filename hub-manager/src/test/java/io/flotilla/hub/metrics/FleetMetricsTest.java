package io.flotilla.hub.metrics;

import io.flotilla.testing.Scrape;

import static io.flotilla.hub.metrics.FleetFixtures.backup;
import static io.flotilla.hub.metrics.FleetFixtures.completed;
import static io.flotilla.hub.metrics.FleetFixtures.fleet;
import static io.flotilla.hub.metrics.FleetFixtures.hc;
import static io.flotilla.hub.metrics.FleetFixtures.managed;
import static io.flotilla.hub.metrics.FleetFixtures.policy;
import static io.flotilla.hub.metrics.FleetFixtures.rpo;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.api.dr.v1alpha1.BackupPolicyStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fleet series as a scrape shows them, from hub objects handed over directly (no cluster). */
class FleetMetricsTest {
  final AtomicReference<FleetState> state = new AtomicReference<>(FleetState.empty());
  final HubMetrics metrics = new HubMetrics(state::get);

  @AfterEach
  void close() {
    metrics.close();
  }

  Scrape scrape(List<HostedClusterBackup> backups) {
    state.set(new FleetState(backups, List.of(), List.of(), List.of()));
    return Scrape.parse(metrics.scrape());
  }

  @Test
  void backupSeriesComeFromTheNewestSuccessOfEachHostedCluster() {
    Scrape s = scrape(List.of(
        completed("mc1", "hc1", "old", "2026-01-01T01:00:00Z", "2026-01-01T01:03:00Z", 111, "3s"),
        completed("mc1", "hc1", "new", "2026-01-01T02:00:00Z", "2026-01-01T02:01:30Z", 2048, "1.5s"),
        backup("mc1", "hc1", "failed", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:00:05Z"),
        backup("mc2", "hc2", "never", Phase.Failed, "2026-01-01T03:00:00Z", "2026-01-01T03:00:05Z")));

    assertThat(s.value("flotilla_backup_last_success_timestamp_seconds", hc("mc1", "hc1")))
        .hasValue((double) Instant.parse("2026-01-01T02:01:30Z").getEpochSecond());
    assertThat(s.value("flotilla_backup_last_duration_seconds", hc("mc1", "hc1"))).hasValue(90.0);
    assertThat(s.value("flotilla_backup_last_stored_bytes", hc("mc1", "hc1"))).hasValue(2048.0);
    assertThat(s.value("flotilla_backup_last_pause_window_seconds", hc("mc1", "hc1"))).hasValue(1.5);
    assertThat(s.value("flotilla_backup_consecutive_failures", hc("mc1", "hc1"))).hasValue(1.0);
    assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc1"))).hasValue(1.0);

    // a hosted cluster that never succeeded has failure series and no success series
    assertThat(s.value("flotilla_backup_failures_total", hc("mc2", "hc2"))).hasValue(1.0);
    assertThat(s.value("flotilla_backup_last_success_timestamp_seconds", hc("mc2", "hc2"))).isEmpty();
  }

  @Test
  void theFailureCounterNeverGoesDownAndSeriesOfDeletedRecordsGo() {
    List<HostedClusterBackup> records = new ArrayList<>(List.of(
        completed("mc1", "hc1", "ok", "2026-01-01T01:00:00Z", "2026-01-01T01:01:00Z", 1, "1s"),
        backup("mc1", "hc1", "f1", Phase.Failed, null, "2026-01-01T02:00:00Z"),
        backup("mc1", "hc1", "f2", Phase.Failed, null, "2026-01-01T03:00:00Z"),
        completed("mc1", "hc2", "ok2", "2026-01-01T01:00:00Z", "2026-01-01T01:01:00Z", 1, "1s")));
    assertThat(scrape(records).value("flotilla_backup_failures_total", hc("mc1", "hc1"))).hasValue(2.0);

    // retention removes the failures: the counter stays, the consecutive count follows the records
    records.removeIf(b -> b.getMetadata().getName().startsWith("f"));
    Scrape s = scrape(records);
    assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc1"))).hasValue(2.0);
    assertThat(s.value("flotilla_backup_consecutive_failures", hc("mc1", "hc1"))).hasValue(0.0);
    assertThat(s.value("flotilla_backup_failures_total", hc("mc1", "hc2"))).as("no failures is 0").hasValue(0.0);

    // hc2's records are deleted (the hosted cluster is gone): every series of it goes
    records.removeIf(b -> b.getSpec().hostedCluster.name.equals("hc2"));
    s = scrape(records);
    for (String name : List.of("flotilla_backup_last_success_timestamp_seconds", "flotilla_backup_failures_total",
        "flotilla_backup_consecutive_failures", "flotilla_backup_last_stored_bytes")) {
      assertThat(s.value(name, hc("mc1", "hc2"))).as(name).isEmpty();
      assertThat(s.value(name, hc("mc1", "hc1"))).as(name).isPresent();
    }
  }

  @Test
  void policySeriesComeFromItsStatus() {
    state.set(new FleetState(List.of(), List.of(
        policy("hourly", 3, 2, "1h10m", rpo("mc1", "hc1", false), rpo("mc1", "hc2", true)),
        policy("fresh", 0, 0, null)), List.of(), List.of()));
    Scrape s = Scrape.parse(metrics.scrape());

    assertThat(s.value("flotilla_backup_policy_hosted_clusters", Map.of("policy", "hourly"))).hasValue(3.0);
    assertThat(s.value("flotilla_backup_policy_compliant_hosted_clusters", Map.of("policy", "hourly"))).hasValue(2.0);
    assertThat(s.value("flotilla_backup_policy_rpo_target_seconds", Map.of("policy", "hourly"))).hasValue(4200.0);
    assertThat(s.value("flotilla_backup_policy_rpo_target_seconds", Map.of("policy", "fresh"))).isEmpty();
    Map<String, String> hc1 = new java.util.HashMap<>(hc("mc1", "hc1"));
    hc1.put("policy", "hourly");
    assertThat(s.value("flotilla_backup_rpo_compliant", hc1)).hasValue(0.0);
    assertThat(s.value("flotilla_backup_rpo_compliant", hc("mc1", "hc2"))).hasValue(1.0);
    assertThat(s.value("flotilla_backup_verified_rpo_compliant", hc1)).as("no drills in this policy").isEmpty();
  }

  @Test
  void theVerifiedRpoOfAPolicyWithDrillsComesFromItsStatus() {
    BackupPolicyStatus.HostedClusterRpo late = rpo("mc1", "hc1", true);
    late.verifiedCompliant = false;
    BackupPolicyStatus.HostedClusterRpo fine = rpo("mc1", "hc2", true);
    fine.verifiedCompliant = true;
    state.set(new FleetState(List.of(), List.of(policy("drilled", 2, 2, "1h10m", late, fine)), List.of(), List.of()));
    Scrape s = Scrape.parse(metrics.scrape());

    assertThat(s.value("flotilla_backup_verified_rpo_compliant", hc("mc1", "hc1"))).hasValue(0.0);
    assertThat(s.value("flotilla_backup_verified_rpo_compliant", hc("mc1", "hc2"))).hasValue(1.0);
    assertThat(s.value("flotilla_backup_rpo_compliant", hc("mc1", "hc1"))).hasValue(1.0);
  }

  @Test
  void addOnRolloutStatesAndOperationsComeFromTheirStatus() {
    state.set(new FleetState(List.of(), List.of(), List.of(fleet("foo", 10, 4, 2, 1, 1, 1)), List.of(
        managed("mc1", "foo", ManagedAddOnStatus.Type.Upgrade, ManagedAddOnStatus.Phase.InProgress, "1.1.0", "1.0.0"),
        managed("mc2", "foo", ManagedAddOnStatus.Type.Upgrade, ManagedAddOnStatus.Phase.Failed, "1.1.0", "1.0.0"))));
    Scrape s = Scrape.parse(metrics.scrape());

    Map<String, Double> states = new java.util.TreeMap<>();
    s.named("flotilla_addon_clusters").forEach(x -> states.put(x.labels().get("state"), x.value()));
    assertThat(states).isEqualTo(Map.of("Succeeded", 4.0, "InProgress", 2.0, "Failed", 1.0, "Pinned", 1.0,
        "Unknown", 1.0, "Pending", 1.0));
    assertThat(s.value("flotilla_addon_operation", Map.of("management_cluster", "mc2", "addon", "foo", "type",
        "Upgrade", "phase", "Failed"))).hasValue(1.0);
    assertThat(s.value("flotilla_addon_version_info", Map.of("management_cluster", "mc1", "addon", "foo",
        "desired_version", "1.1.0", "current_version", "1.0.0"))).hasValue(1.0);

    // the operation moves on: the old phase's series is replaced, not kept
    state.set(new FleetState(List.of(), List.of(), List.of(), List.of(
        managed("mc1", "foo", ManagedAddOnStatus.Type.Upgrade, ManagedAddOnStatus.Phase.Succeeded, "1.1.0", "1.1.0"))));
    s = Scrape.parse(metrics.scrape());
    assertThat(s.named("flotilla_addon_operation")).singleElement()
        .satisfies(x -> assertThat(x.labels()).containsEntry("phase", "Succeeded").containsEntry("management_cluster", "mc1"));
    assertThat(s.named("flotilla_addon_clusters")).as("FleetAddOn deleted").isEmpty();
  }

  @Test
  void buildInfoAndJvmSeriesAreThere() {
    Scrape s = Scrape.parse(metrics.scrape());
    assertThat(s.value("flotilla_build_info", Map.of("component", "hub-manager"))).hasValue(1.0);
    assertThat(s.names()).contains("jvm_memory_used_bytes", "process_uptime_seconds");
  }
}
