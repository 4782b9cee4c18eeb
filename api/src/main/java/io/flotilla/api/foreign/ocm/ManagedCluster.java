package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;
import java.util.Optional;

/**
 * OCM's ManagedCluster (cluster.open-cluster-management.io/v1, cluster-scoped): one registered cluster on the hub. Flotilla
 * reads its labels, acceptance, taints, conditions and claims to know which management clusters exist and whether they
 * answer (docs/ocm-facts.md §I2.1, §I2.3, §I5).
 */
@Group(ManagedCluster.GROUP)
@Version(ManagedCluster.VERSION)
@Plural("managedclusters")
@ShortNames({"mcl", "mcls"})
@AdditionalPrinterColumn(name = "Hub Accepted", jsonPath = ".spec.hubAcceptsClient", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Managed Cluster URLs", jsonPath = ".spec.managedClusterClientConfigs[*].url")
@AdditionalPrinterColumn(name = "Joined", jsonPath = ".status.conditions[?(@.type==\"ManagedClusterJoined\")].status")
@AdditionalPrinterColumn(name = "Available",
    jsonPath = ".status.conditions[?(@.type==\"ManagedClusterConditionAvailable\")].status")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ManagedCluster extends CustomResource<ManagedCluster.Spec, ManagedCluster.Status> {
  public static final String GROUP = "cluster.open-cluster-management.io";
  public static final String VERSION = "v1";

  /** Condition types (docs/ocm-facts.md §I2.1). */
  public static final String HUB_ACCEPTED = "HubAcceptedManagedCluster";
  public static final String JOINED = "ManagedClusterJoined";
  public static final String AVAILABLE = "ManagedClusterConditionAvailable";
  /** The hub's reason once the cluster's lease is older than five lease durations (docs/ocm-facts.md §2.3). */
  public static final String REASON_LEASE_UPDATE_STOPPED = "ManagedClusterLeaseUpdateStopped";

  /** Taints the hub sets itself, both NoSelect (docs/ocm-facts.md §I2.1): Available Unknown or missing, and False. */
  public static final String TAINT_UNREACHABLE = "cluster.open-cluster-management.io/unreachable";
  public static final String TAINT_UNAVAILABLE = "cluster.open-cluster-management.io/unavailable";
  public static final String EFFECT_NO_SELECT = "NoSelect";
  public static final String EFFECT_PREFER_NO_SELECT = "PreferNoSelect";
  public static final String EFFECT_NO_SELECT_IF_NEW = "NoSelectIfNew";

  /** Membership of an exclusive ManagedClusterSet (docs/ocm-facts.md §I2.4). */
  public static final String CLUSTER_SET_LABEL = "cluster.open-cluster-management.io/clusterset";

  /** Hosted-mode import, as the hypershift-addon's auto-import writes it (docs/ocm-facts.md §I2.6). */
  public static final String KLUSTERLET_DEPLOY_MODE_ANNOTATION = "import.open-cluster-management.io/klusterlet-deploy-mode";
  public static final String DEPLOY_MODE_HOSTED = "Hosted";
  public static final String HOSTING_CLUSTER_NAME_ANNOTATION = "import.open-cluster-management.io/hosting-cluster-name";
  public static final String CREATED_VIA_ANNOTATION = "open-cluster-management/created-via";
  public static final String CREATED_VIA_HYPERSHIFT = "hypershift";
  /**
   * Set on a HostedCluster (not on the ManagedCluster): the name its ManagedCluster gets instead of the HostedCluster's
   * (docs/ocm-facts.md §I2.6).
   */
  public static final String MANAGED_CLUSTER_NAME_ANNOTATION = "cluster.open-cluster-management.io/managedcluster-name";

  /** The label OCM's hub keeps on a cluster per add-on: available, unhealthy or unreachable (docs/ocm-facts.md §I2.3). */
  public static String addOnFeatureLabel(String addOn) { return "feature.open-cluster-management.io/addon-" + addOn; }

  @Override
  protected Spec initSpec() { return new Spec(); }

  /** The condition of that type, if the hub or the klusterlet has written it. */
  public Optional<Condition> condition(String type) {
    Status status = getStatus();
    if (status == null || status.conditions == null) {
      return Optional.empty();
    }
    return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** The value of a claim the klusterlet copied into status (docs/ocm-facts.md §I2.3). */
  public Optional<String> claim(String name) {
    Status status = getStatus();
    if (status == null || status.clusterClaims == null) {
      return Optional.empty();
    }
    return status.clusterClaims.stream().filter(c -> name.equals(c.name)).map(c -> c.value).findFirst();
  }

  // Lists stay null until read or set: a write then never sends an empty list over what OCM keeps there.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Accepting a cluster needs update on managedclusters/accept (docs/ocm-facts.md §2.1). */
    public Boolean hubAcceptsClient;
    /**
     * How often the klusterlet renews its lease; the hub's grace period is five of these (docs/ocm-facts.md §2.3).
     * The API server defaults it to 60; unset or 0 means 60 to the klusterlet and the hub.
     */
    public Integer leaseDurationSeconds;
    public List<Taint> taints;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Taint extends Unmodelled {
    public String key;
    public String value;
    /** NoSelect, PreferNoSelect or NoSelectIfNew. */
    public String effect;
    /** RFC 3339; tolerationSeconds count from here (docs/ocm-facts.md §I2.1). */
    public String timeAdded;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions;
    public List<ClusterClaimValue> clusterClaims;
  }

  /** A ClusterClaim of the managed cluster as the klusterlet reports it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClusterClaimValue extends Unmodelled {
    public String name;
    public String value;
  }
}
