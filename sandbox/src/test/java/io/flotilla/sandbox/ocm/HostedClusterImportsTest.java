package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the hypershift-addon does with a HostedCluster (docs/ocm-facts.md §I2.6, §I4.3, §I6.3). */
class HostedClusterImportsTest {

  @ParameterizedTest(name = "Available {0}/{1}, deleting {2}, ManagedCluster exists {3}: {4}")
  @CsvSource(nullValues = "null", value = {
      "True,  AsExpected, false, false, CREATE",
      "True,  AsExpected, false, true,  NONE",
      "True,  AsExpected, true,  false, NONE",
      "True,  Other,      false, false, WAIT",
      "False, AsExpected, false, false, WAIT",
      "null,  null,       false, false, WAIT",
      "False, AsExpected, true,  false, WAIT"})
  void decide(String available, String reason, boolean deleting, boolean exists, HostedClusterImports.Import expected) {
    HostedCluster hc = hostedCluster("hc-1", Map.of(), Map.of());
    if (available != null) {
      hc.getStatus().conditions.add(new ConditionBuilder().withType(HostedCluster.AVAILABLE).withStatus(available)
          .withReason(reason).build());
    }
    if (deleting) {
      hc.getMetadata().setDeletionTimestamp("2026-12-10T12:00:00Z");
    }

    assertThat(HostedClusterImports.decide(hc, exists)).isEqualTo(expected);
  }

  @Test
  void theManagedClusterIsNamedAfterTheHostedClusterInHostedModeOnItsManagementCluster() {
    HostedCluster hc = hostedCluster("hc-1", Map.of("team", "payments", "vendor", "",
        ManagedCluster.CLUSTER_SET_LABEL, "edge"), Map.of(ManagedCluster.MANAGED_CLUSTER_NAME_ANNOTATION, "other"));

    ManagedCluster mc = HostedClusterImports.managedCluster(hc, "mc-2");

    // auto-import names it after the HostedCluster; the annotation is read only by the agent's other controllers
    assertThat(mc.getMetadata().getName()).isEqualTo("hc-1");
    assertThat(mc.getSpec().hubAcceptsClient).isTrue();
    assertThat(mc.getSpec().leaseDurationSeconds).isEqualTo(60);
    // the HostedCluster's labels first; defaults only where it has no non-empty value
    assertThat(mc.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("team", "payments",
        "vendor", "auto-detect", "cloud", "auto-detect", "name", "hc-1", ManagedCluster.CLUSTER_SET_LABEL, "edge"));
    assertThat(mc.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, "Hosted",
        ManagedCluster.HOSTING_CLUSTER_NAME_ANNOTATION, "mc-2",
        ManagedCluster.CREATED_VIA_ANNOTATION, "hypershift"));
  }

  @Test
  void withoutLabelsItJoinsTheDefaultSet() {
    ManagedCluster mc = HostedClusterImports.managedCluster(hostedCluster("hc-1", null, null), "mc-1");
    assertThat(mc.getMetadata().getLabels()).containsEntry(ManagedCluster.CLUSTER_SET_LABEL, "default");
  }

  @Test
  void theManagedClusterDeletedIsTheAnnotatedOneWhileTheHostedClusterIsThereElseItsName() {
    HostedCluster annotated = hostedCluster("hc-1", null, Map.of(ManagedCluster.MANAGED_CLUSTER_NAME_ANNOTATION, "prod-1"));

    assertThat(HostedClusterImports.managedClusterName(annotated, "hc-1")).isEqualTo("prod-1");
    assertThat(HostedClusterImports.managedClusterName(hostedCluster("hc-1", null, null), "hc-1")).isEqualTo("hc-1");
    // gone: its annotations went with it
    assertThat(HostedClusterImports.managedClusterName(null, "hc-1")).isEqualTo("hc-1");
  }

  @ParameterizedTest(name = "deploy mode {0}, created via {1}: deleted {2}")
  @CsvSource(nullValues = "null", value = {"Hosted, hypershift, true", "Hosted, null, true", "Hosted, hive, false",
      "Default, hypershift, false", "null, hypershift, false"})
  void onlyHostedModeClustersHiveDidNotCreateAreDeleted(String mode, String createdVia, boolean deleted) {
    ManagedCluster mc = new ManagedCluster();
    var annotations = new java.util.HashMap<String, String>();
    if (mode != null) {
      annotations.put(ManagedCluster.KLUSTERLET_DEPLOY_MODE_ANNOTATION, mode);
    }
    if (createdVia != null) {
      annotations.put(ManagedCluster.CREATED_VIA_ANNOTATION, createdVia);
    }
    mc.setMetadata(new ObjectMetaBuilder().withName("hc-1").withAnnotations(annotations).build());

    assertThat(HostedClusterImports.deletes(mc)).isEqualTo(deleted);
  }

  static HostedCluster hostedCluster(String name, Map<String, String> labels, Map<String, String> annotations) {
    HostedCluster hc = new HostedCluster();
    hc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("clusters").withLabels(labels)
        .withAnnotations(annotations).build());
    return hc;
  }
}
