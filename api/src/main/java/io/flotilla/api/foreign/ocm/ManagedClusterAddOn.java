package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;
import java.util.Optional;

/**
 * OCM's ManagedClusterAddOn (addon.open-cluster-management.io/v1alpha1, the storage version; namespaced): the add-on on
 * one cluster, in that cluster's namespace on the hub and named as the add-on (docs/ocm-facts.md §1.2). The addon-manager
 * never writes its spec, so Flotilla owns {@code spec.configs} (docs/ocm-facts.md §I3.2).
 */
@Group(ManagedClusterAddOn.GROUP)
@Version(ManagedClusterAddOn.VERSION)
@Plural("managedclusteraddons")
@ShortNames({"mca", "mcas"})
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "Degraded", jsonPath = ".status.conditions[?(@.type==\"Degraded\")].status")
@AdditionalPrinterColumn(name = "Progressing", jsonPath = ".status.conditions[?(@.type==\"Progressing\")].status")
public class ManagedClusterAddOn extends CustomResource<ManagedClusterAddOn.Spec, ManagedClusterAddOn.Status>
    implements Namespaced {
  public static final String GROUP = "addon.open-cluster-management.io";
  public static final String VERSION = "v1alpha1";

  /** Condition types (docs/ocm-facts.md §1.2). */
  public static final String AVAILABLE = "Available";
  public static final String DEGRADED = "Degraded";
  public static final String PROGRESSING = "Progressing";
  public static final String CONFIGURED = "Configured";
  public static final String MANIFEST_APPLIED = "ManifestApplied";
  /** Progressing reasons; Completed is not healthy (docs/ocm-facts.md §I3.4 item 4). */
  public static final String REASON_PROGRESSING = "Progressing";
  public static final String REASON_COMPLETED = "Completed";
  public static final String REASON_FAILED = "Failed";
  public static final String REASON_CONFIGURATION_UNSUPPORTED = "ConfigurationUnsupported";

  /** Configured, ManifestApplied and Available reasons the addon-manager writes (docs/ocm-facts.md §1.2, §I7.4). */
  public static final String REASON_CONFIGURED = "ConfigurationsConfigured";
  public static final String REASON_NOT_CONFIGURED = "ConfigurationsNotConfigured";
  public static final String REASON_MANIFEST_APPLIED = "AddonManifestApplied";
  public static final String REASON_MANIFEST_APPLY_FAILED = "AddonManifestAppliedFailed";
  public static final String REASON_WORK_APPLY_FAILED = "ManifestWorkApplyFailed";
  public static final String REASON_PROBE_AVAILABLE = "ProbeAvailable";
  public static final String REASON_PROBE_UNAVAILABLE = "ProbeUnavailable";
  public static final String REASON_NO_PROBE_RESULT = "NoProbeResult";
  public static final String REASON_WORK_NOT_APPLIED = "WorkNotApplied";
  public static final String REASON_WORK_NOT_FOUND = "WorkNotFound";
  /** Template add-ons are judged from their workloads' status, not from a lease (docs/ocm-facts.md §I1.6). */
  public static final String HEALTH_CHECK_CUSTOMIZED = "Customized";
  public static final String HEALTH_CHECK_LEASE = "Lease";
  /** The registration a hub kubeconfig comes from (v1alpha1 names it by signer; docs/ocm-facts.md §I7.5). */
  public static final String KUBE_APISERVER_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client";
  /** How the spoke gets that kubeconfig: a CSR (the default) or a ServiceAccount token (docs/ocm-facts.md §I1.4). */
  public static final String DRIVER_CSR = "csr";
  public static final String DRIVER_TOKEN = "token";

  /** On the add-on's hub objects, ManifestWorks included (docs/ocm-facts.md §1.2). */
  public static final String ADDON_NAME_LABEL = "open-cluster-management.io/addon-name";

  // The API server requires spec on a ManagedClusterAddOn (docs/ocm-facts.md §I5.2).
  @Override
  protected Spec initSpec() { return new Spec(); }

  /** The condition of that type, if OCM has written it. */
  public Optional<Condition> condition(String type) {
    Status status = getStatus();
    if (status == null || status.conditions == null) {
      return Optional.empty();
    }
    return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** The status entry for one config type, e.g. AddOnTemplate's (docs/ocm-facts.md §I3.3). */
  public Optional<ConfigReference> configReference(String group, String resource) {
    Status status = getStatus();
    if (status == null || status.configReferences == null) {
      return Optional.empty();
    }
    return status.configReferences.stream()
        .filter(r -> resource.equals(r.resource) && group.equals(r.group == null ? "" : r.group)).findFirst();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Deprecated in v1alpha1 and gone in v1beta1, in favour of AddOnDeploymentConfig.agentInstallNamespace. */
    public String installNamespace;
    /** This cluster's configs; they win over the ClusterManagementAddOn's by group and resource (docs/ocm-facts.md §1.6). */
    public List<AddOnConfig> configs;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions;
    public List<ConfigReference> configReferences;
    /** The identities the add-on's agent registers with (v1alpha1 shape). */
    public List<Registration> registrations;
    /** The spoke namespace holding the add-on's lease or its registration Secret. */
    public String namespace;
    /** Lease (the default) or Customized, which template add-ons use (docs/ocm-facts.md §I1.6). */
    public HealthCheck healthCheck;
    /** csr or token: declared by the spoke's registration agent (v1alpha1 keeps it at status level; §I7.5). */
    public String kubeClientDriver;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HealthCheck extends Unmodelled {
    public String mode;
  }

  /**
   * What the addon-manager released to this cluster (desiredConfig) and what runs there (lastAppliedConfig). v1alpha1
   * also requires the deprecated top-level name (docs/ocm-facts.md §I5.2).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConfigReference extends Unmodelled {
    public String group;
    public String resource;
    public String namespace;
    public String name;
    public ConfigSpecHash desiredConfig;
    public ConfigSpecHash lastAppliedConfig;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Registration extends Unmodelled {
    /** e.g. kubernetes.io/kube-apiserver-client for a hub kubeconfig. */
    public String signerName;
    public Subject subject;
  }

  /** A certificate subject, as in registrations and in an AddOnTemplate's custom signer. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Subject extends Unmodelled {
    public String user;
    public List<String> groups;
    public List<String> organizationUnit;
  }
}
