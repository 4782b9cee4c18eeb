package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hub's half of an add-on agent's registration (addon-framework's registration controller and the template
 * agent's permission config; docs/ocm-facts.md §I1.4, §I1.5, §I7.5): what {@code status.registrations} says, and whom
 * the hubPermissions RoleBindings name. Values in, values out.
 */
public final class RegistrationPlan {
  private RegistrationPlan() {}

  /**
   * One entry per registration of the template, in the v1alpha1 shape: KubeClient as the kube-apiserver-client signer
   * with the default user and groups, unless the spoke declared the token driver, whose subject (the ServiceAccount the
   * spoke set) is kept; CustomSigner with its signer and its subject, or the default one.
   */
  public static List<ManagedClusterAddOn.Registration> registrations(AddOnTemplate template, String cluster, String addon,
                                                                    ManagedClusterAddOn.Status current) {
    List<ManagedClusterAddOn.Registration> result = new ArrayList<>();
    if (template.getSpec().registration == null) {
      return result;
    }
    for (AddOnTemplate.Registration r : template.getSpec().registration) {
      ManagedClusterAddOn.Registration entry = new ManagedClusterAddOn.Registration();
      if (AddOnTemplate.REGISTRATION_KUBE_CLIENT.equals(r.type)) {
        entry.signerName = ManagedClusterAddOn.KUBE_APISERVER_CLIENT_SIGNER;
        boolean token = current != null && ManagedClusterAddOn.DRIVER_TOKEN.equals(current.kubeClientDriver);
        entry.subject = token ? existing(current, entry.signerName).map(e -> e.subject).orElse(null)
            : defaultSubject(cluster, addon);
      } else if (AddOnTemplate.REGISTRATION_CUSTOM_SIGNER.equals(r.type) && r.customSigner != null) {
        entry.signerName = r.customSigner.signerName;
        entry.subject = r.customSigner.subject != null ? r.customSigner.subject : defaultSubject(cluster, addon);
      } else {
        continue;
      }
      result.add(entry);
    }
    return result;
  }

  /**
   * buildSubjectsFromRegistration: the kube-apiserver-client registration's user and every group but
   * system:authenticated; empty while the subject is not published yet (the binding then waits: SubjectNotReady).
   */
  public static List<Subject> subjects(ManagedClusterAddOn.Status status) {
    List<Subject> subjects = new ArrayList<>();
    Optional<ManagedClusterAddOn.Registration> kubeClient = existing(status, ManagedClusterAddOn.KUBE_APISERVER_CLIENT_SIGNER);
    if (kubeClient.isEmpty() || kubeClient.get().subject == null) {
      return subjects;
    }
    ManagedClusterAddOn.Subject s = kubeClient.get().subject;
    if (s.user != null && !s.user.isEmpty()) {
      subjects.add(new SubjectBuilder().withKind("User").withApiGroup("rbac.authorization.k8s.io").withName(s.user).build());
    }
    if (s.groups != null) {
      s.groups.stream().filter(g -> !"system:authenticated".equals(g)).forEach(g -> subjects.add(
          new SubjectBuilder().withKind("Group").withApiGroup("rbac.authorization.k8s.io").withName(g).build()));
    }
    return subjects;
  }

  /** What the spoke's token driver publishes: only the ServiceAccount user (ocm's token.go ensureSubject). */
  public static ManagedClusterAddOn.Subject tokenSubject(String cluster, String addon) {
    ManagedClusterAddOn.Subject s = new ManagedClusterAddOn.Subject();
    s.user = AddOnNames.tokenUser(cluster, addon);
    return s;
  }

  public static boolean hasKubeClient(AddOnTemplate template) {
    return template.getSpec().registration != null && template.getSpec().registration.stream()
        .anyMatch(r -> AddOnTemplate.REGISTRATION_KUBE_CLIENT.equals(r.type));
  }

  public static Optional<ManagedClusterAddOn.Registration> existing(ManagedClusterAddOn.Status status, String signer) {
    if (status == null || status.registrations == null) {
      return Optional.empty();
    }
    return status.registrations.stream().filter(r -> signer.equals(r.signerName)).findFirst();
  }

  private static ManagedClusterAddOn.Subject defaultSubject(String cluster, String addon) {
    ManagedClusterAddOn.Subject s = new ManagedClusterAddOn.Subject();
    s.user = AddOnNames.defaultUser(cluster, addon);
    s.groups = new ArrayList<>(AddOnNames.defaultGroups(cluster, addon));
    return s;
  }
}
