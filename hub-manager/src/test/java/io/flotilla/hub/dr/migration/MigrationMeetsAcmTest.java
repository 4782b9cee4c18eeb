package io.flotilla.hub.dr.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.Phase;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus.StepPhase;
import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterRestoreStatus;
import io.flotilla.api.dr.v1alpha1.HostedClusterTeardownStatus;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.common.Conditions;
import io.flotilla.testing.MockApiServers;
import io.flotilla.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HostedClusterMigrationReconciler on an OCM hub, called by hand against the CRUD mock: the test plays the agents and
 * the hypershift-addon, which deletes the hosted cluster's ManagedCluster with the source and imports it again from the
 * destination (docs/ocm-facts.md §I4.3).
 */
@EnableKubernetesMockClient(crud = true)
class MigrationMeetsAcmTest {
  static final long REVISION = 4711;
  static final long KEYS = 311;

  KubernetesClient client;
  MigrationHub hub;
  MutableClock clock = new MutableClock(Instant.now());
  HostedClusterMigrationReconciler reconciler;

  @BeforeEach
  void setUp() {
    hub = new MigrationHub(client);
    MockApiServers.applyCrd(client, "managedclusters.cluster.open-cluster-management.io");
    hub.cluster("mc-1");
    hub.cluster("mc-2");
    hub.store("default");
    reconciler = new HostedClusterMigrationReconciler(client, clock, 2, Duration.ofSeconds(30), true,
        Duration.ofMinutes(10));
  }

  /** The hypershift-addon's auto-import of the hosted cluster, in Hosted mode from {@code hostingCluster} (§I2.6). */
  void imported(String hostingCluster, boolean available) {
    ManagedCluster mc = new ManagedCluster();
    mc.getMetadata().setName(MigrationHub.HC.name);
    mc.getMetadata().setAnnotations(Map.of(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION,
        ManagedCluster.DEPLOY_MODE_HOSTED, ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, hostingCluster,
        ManagedCluster.CREATED_VIA_ANNOTATION, ManagedCluster.CREATED_VIA_HYPERSHIFT));
    mc.getSpec().hubAcceptsClient = true;
    mc = client.resource(mc).create();
    mc.setStatus(new ManagedCluster.Status());
    mc.getStatus().conditions = new ArrayList<>();
    Conditions.set(mc.getStatus().conditions, ManagedCluster.AVAILABLE, available ? "True" : "Unknown",
        available ? "ManagedClusterAvailable" : ManagedCluster.REASON_LEASE_UPDATE_STOPPED, "klusterlet", null,
        clock.instant());
    client.resource(mc).updateStatus();
  }

  HostedClusterMigrationStatus status(String name) { return hub.migration(name).getStatus(); }

  HostedClusterMigrationStatus.Step reimport(String name) {
    return status(name).steps.stream().filter(s -> MigrationPlanner.MANAGED_CLUSTER_REIMPORTED.equals(s.name))
        .findFirst().orElse(null);
  }

  String pass(String name) {
    reconciler.reconcile(name);
    return MigrationFixtures.steps(status(name));
  }

  @Test
  void afterAMigrationTheHostedClustersManagedClusterIsAvailableAgainRecordedInTheSteps() {
    imported("mc-1", true);
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    assertThat(pass("m")).isEqualTo(">------");
    hub.holdReports("mc-1", "m-hold", HostedClusterPauseStatus.Phase.Paused);
    pass("m");
    hub.backupReports("mc-1", "m", HostedClusterBackupStatus.Phase.Completed, REVISION, KEYS, "done");
    pass("m");
    hub.restoreReports("mc-2", "m", HostedClusterRestoreStatus.Phase.Completed, REVISION, KEYS, true, "restored");
    assertThat(pass("m")).isEqualTo("+++++--");
    assertThat(pass("m")).isEqualTo("+++++>-");
    hub.teardownReports("mc-1", "m-source-teardown", HostedClusterTeardownStatus.Phase.Completed, "done");
    // the hypershift-addon on mc-1 deletes the ManagedCluster with the hosted cluster
    client.resources(ManagedCluster.class).withName(MigrationHub.HC.name).delete();

    assertThat(pass("m")).isEqualTo("++++++>");
    assertThat(status("m").phase).isEqualTo(Phase.Running);
    assertThat(reimport("m").message).endsWith("it is not back yet");

    // imported again from mc-2 once the restored control plane is Available
    imported("mc-2", true);
    assertThat(pass("m")).isEqualTo("+++++++");
    assertThat(status("m").phase).isEqualTo(Phase.Succeeded);
    assertThat(reimport("m").phase).isEqualTo(StepPhase.Succeeded);
    assertThat(reimport("m").message).isEqualTo("ManagedCluster hc-1 is Available again, imported from mc-2");
    assertThat(Conditions.find(status("m").conditions, HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED)
        .orElseThrow().getStatus()).isEqualTo("True");
    assertThat(hub.events("m")).anySatisfy(e -> assertThat(e.getReason())
        .isEqualTo(HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED));
  }

  @Test
  void aFailoverFromALostClusterWorksAndItsStaleManagedClusterTimesOutAsACondition() {
    // mc-1's lease stopped: its hosted cluster's ManagedCluster is Unknown and still names it
    imported("mc-1", false);
    hub.declareLost("mc-1");
    hub.migrate("f", "mc-1", "mc-2", s -> s.source.lost = true);
    assertThat(pass("f")).isEqualTo("//>--/-");
    hub.restoreReports("mc-2", "f", HostedClusterRestoreStatus.Phase.Completed, REVISION, KEYS, true, "restored");
    var r = hub.restore("mc-2", "f");
    r.getStatus().source = new HostedClusterRestoreStatus.Source();
    r.getStatus().source.backup = "hc-1-20260301";
    r.getStatus().source.etcdRevision = REVISION;
    r.getStatus().source.keys = KEYS;
    client.resource(r).updateStatus();

    assertThat(pass("f")).isEqualTo("//+++/>");
    assertThat(status("f").phase).isEqualTo(Phase.Running);
    assertThat(reimport("f").message).contains("it still names mc-1 as its hosting cluster");

    clock.advance(Duration.ofMinutes(11));
    assertThat(pass("f")).isEqualTo("//+++//");
    assertThat(status("f").phase).isEqualTo(Phase.Succeeded);
    var c = Conditions.find(status("f").conditions, HostedClusterMigration.CONDITION_MANAGED_CLUSTER_REIMPORTED)
        .orElseThrow();
    assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/Timeout");
  }

  @Test
  void withoutOcmNothingChanges() {
    imported("mc-1", true);
    reconciler = new HostedClusterMigrationReconciler(client, clock, 2, Duration.ofSeconds(30));
    hub.migrate("m", "mc-1", "mc-2", s -> { });
    assertThat(pass("m")).isEqualTo(">-----");
  }
}
