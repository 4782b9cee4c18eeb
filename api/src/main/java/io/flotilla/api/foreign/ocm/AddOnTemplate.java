package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;

/**
 * OCM's AddOnTemplate (addon.open-cluster-management.io/v1alpha1, cluster-scoped, no status): an add-on's agent as
 * manifests plus the hub credentials it registers for. One immutable template per version, named with it, is how the
 * Flotilla agent ships as an add-on (docs/ocm-facts.md §1.4, §I1.2, §I1.8).
 */
@Group(AddOnTemplate.GROUP)
@Version(AddOnTemplate.VERSION)
@Plural(AddOnTemplate.RESOURCE)
@AdditionalPrinterColumn(name = "ADDON NAME", jsonPath = ".spec.addonName")
public class AddOnTemplate extends CustomResource<AddOnTemplate.Spec, Void> {
  public static final String GROUP = "addon.open-cluster-management.io";
  public static final String VERSION = "v1alpha1";
  /** The resource an AddOnConfig names to pick a template (docs/ocm-facts.md §I1.2). */
  public static final String RESOURCE = "addontemplates";

  public static final String REGISTRATION_KUBE_CLIENT = "KubeClient";
  public static final String REGISTRATION_CUSTOM_SIGNER = "CustomSigner";
  /** CurrentCluster binds a ClusterRole in the cluster's namespace; SingleNamespace a role in one named namespace. */
  public static final String PERMISSION_CURRENT_CLUSTER = "CurrentCluster";
  public static final String PERMISSION_SINGLE_NAMESPACE = "SingleNamespace";

  /** Placeholders the template agent fills in every manifest (docs/ocm-facts.md §I1.3). */
  public static final String VAR_CLUSTER_NAME = "{{CLUSTER_NAME}}";
  public static final String VAR_HUB_KUBECONFIG = "{{HUB_KUBECONFIG}}";
  public static final String VAR_INSTALL_NAMESPACE = "{{INSTALL_NAMESPACE}}";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Required: the add-on (ClusterManagementAddOn) this template is a version of. */
    public String addonName;
    /** Required: a ManifestWork spec; the template agent uses only its workload and manifestConfigs (§I1.2). */
    public ManifestWork.Spec agentSpec;
    public List<Registration> registration;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Registration extends Unmodelled {
    /** KubeClient or CustomSigner. */
    public String type;
    public KubeClient kubeClient;
    public CustomSigner customSigner;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class KubeClient extends Unmodelled {
    /** Nothing is granted on the hub beyond these (docs/ocm-facts.md §I1.5). */
    public List<HubPermission> hubPermissions;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HubPermission extends Unmodelled {
    /** CurrentCluster or SingleNamespace. */
    public String type;
    public CurrentCluster currentCluster;
    public SingleNamespace singleNamespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CurrentCluster extends Unmodelled {
    /** The addon-manager must itself hold what this ClusterRole grants (docs/ocm-facts.md §I1.5). */
    public String clusterRoleName;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SingleNamespace extends Unmodelled {
    public String namespace;
    public RoleRef roleRef;
  }

  /** All three fields are required. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RoleRef extends Unmodelled {
    public String apiGroup;
    public String kind;
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CustomSigner extends Unmodelled {
    /** {@code <dns name>/<name>}, 5 to 571 characters. */
    public String signerName;
    public ManagedClusterAddOn.Subject subject;
    /** A Secret of type kubernetes.io/tls the addon-manager may read (docs/ocm-facts.md §1.4). */
    public SigningCa signingCA;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SigningCa extends Unmodelled {
    public String name;
    /** The addon-manager's namespace when unset. */
    public String namespace;
  }
}
