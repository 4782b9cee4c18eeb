package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub's half of registration (docs/ocm-facts.md §I1.4, §I1.5, §I7.5). */
class RegistrationPlanTest {
  static final AddOnTemplate TEMPLATE = Serialization.unmarshal("""
      apiVersion: addon.open-cluster-management.io/v1alpha1
      kind: AddOnTemplate
      metadata: {name: flotilla-0.1.0}
      spec:
        addonName: flotilla
        agentSpec: {workload: {manifests: []}}
        registration:
        - type: KubeClient
          kubeClient: {hubPermissions: [{type: CurrentCluster, currentCluster: {clusterRoleName: flotilla-agent-hub}}]}
      """, AddOnTemplate.class);

  static List<String> subjects(ManagedClusterAddOn.Status status) {
    return RegistrationPlan.subjects(status).stream().map((Subject s) -> s.getKind() + ":" + s.getName()).toList();
  }

  @Test
  void theCsrDriversIdentityIsPublishedAndBoundUntilTheSpokeDeclaresTheTokenDriver() {
    ManagedClusterAddOn.Status status = new ManagedClusterAddOn.Status();
    status.registrations = RegistrationPlan.registrations(TEMPLATE, "mc-1", "flotilla", status);

    assertThat(status.registrations).singleElement().satisfies(r ->
        assertThat(r.signerName).isEqualTo("kubernetes.io/kube-apiserver-client"));
    assertThat(subjects(status)).containsExactly(
        "User:system:open-cluster-management:cluster:mc-1:addon:flotilla:agent:flotilla-agent",
        "Group:system:open-cluster-management:cluster:mc-1:addon:flotilla",
        "Group:system:open-cluster-management:addon:flotilla");
  }

  @Test
  void withTheTokenDriverTheSubjectTheSpokeSetIsKept() {
    ManagedClusterAddOn.Status status = new ManagedClusterAddOn.Status();
    status.registrations = RegistrationPlan.registrations(TEMPLATE, "mc-1", "flotilla", status);
    status.kubeClientDriver = "token";
    status.registrations.get(0).subject = RegistrationPlan.tokenSubject("mc-1", "flotilla");

    status.registrations = RegistrationPlan.registrations(TEMPLATE, "mc-1", "flotilla", status);

    // the same ServiceAccount `flotilla cluster add` makes for its agent: flotilla-agent in the cluster namespace
    assertThat(subjects(status)).containsExactly("User:system:serviceaccount:mc-1:flotilla-agent");
  }

  @Test
  void systemAuthenticatedIsNeverBoundAndNoSubjectMeansNotReady() {
    ManagedClusterAddOn.Status status = new ManagedClusterAddOn.Status();
    ManagedClusterAddOn.Registration r = new ManagedClusterAddOn.Registration();
    r.signerName = "kubernetes.io/kube-apiserver-client";
    r.subject = new ManagedClusterAddOn.Subject();
    r.subject.groups = List.of("system:authenticated", "team");
    status.registrations = List.of(r);

    assertThat(subjects(status)).containsExactly("Group:team");
    assertThat(RegistrationPlan.subjects(new ManagedClusterAddOn.Status())).isEmpty();
  }
}
