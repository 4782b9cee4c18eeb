package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;

/**
 * OCM's ClusterManagementAddOn (addon.open-cluster-management.io/v1alpha1, the storage version; cluster-scoped): one
 * add-on for the whole hub, named as the add-on and as every ManagedClusterAddOn of it (docs/ocm-facts.md §1.1). In
 * v1alpha1 default configs are {@code supportedConfigs[].defaultConfig}; v1beta1's {@code defaultConfigs} does not exist
 * here, and a v1alpha1 write of it would be dropped (docs/ocm-facts.md §I5.2).
 */
@Group(ClusterManagementAddOn.GROUP)
@Version(ClusterManagementAddOn.VERSION)
@Plural("clustermanagementaddons")
@ShortNames({"cma", "cmas"})
@AdditionalPrinterColumn(name = "DISPLAY NAME", jsonPath = ".spec.addOnMeta.displayName")
@AdditionalPrinterColumn(name = "CRD NAME", jsonPath = ".spec.addOnConfiguration.crdName")
public class ClusterManagementAddOn extends CustomResource<ClusterManagementAddOn.Spec, ClusterManagementAddOn.Status> {
  public static final String GROUP = "addon.open-cluster-management.io";
  public static final String VERSION = "v1alpha1";

  /** Who runs the add-on's lifecycle; addon-manager is the default since OCM v0.16 (docs/ocm-facts.md §1.1). */
  public static final String LIFECYCLE_ANNOTATION = "addon.open-cluster-management.io/lifecycle";
  public static final String LIFECYCLE_ADDON_MANAGER = "addon-manager";

  /** Install strategies: Manual leaves MCAs to whoever creates them; Placements owns their existence (§I3.4 item 1). */
  public static final String INSTALL_MANUAL = "Manual";
  public static final String INSTALL_PLACEMENTS = "Placements";

  public static final String ROLLOUT_ALL = "All";
  public static final String ROLLOUT_PROGRESSIVE = "Progressive";
  public static final String ROLLOUT_PROGRESSIVE_PER_GROUP = "ProgressivePerGroup";

  // The API server requires spec on a ClusterManagementAddOn (docs/ocm-facts.md §I5.2).
  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public AddOnMeta addOnMeta;
    /** The config types a cluster may use, each with an optional default (v1alpha1; docs/ocm-facts.md §1.1). */
    public List<ConfigMeta> supportedConfigs;
    public InstallStrategy installStrategy;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AddOnMeta extends Unmodelled {
    public String displayName;
    public String description;
  }

  /** A supported config type, keyed by group and resource. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConfigMeta extends Unmodelled {
    public String group;
    public String resource;
    public ConfigReferent defaultConfig;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ConfigReferent extends Unmodelled {
    public String namespace;
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class InstallStrategy extends Unmodelled {
    /** Manual (the default) or Placements. */
    public String type;
    /** When one cluster is in several placements, the later one's strategy applies (docs/ocm-facts.md §1.1). */
    public List<PlacementStrategy> placements;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PlacementStrategy extends Unmodelled {
    /** The Placement's namespace and name, both required. */
    public String namespace;
    public String name;
    /** Override the defaults for the clusters this placement selects (docs/ocm-facts.md §1.6). */
    public List<AddOnConfig> configs;
    public RolloutStrategy rolloutStrategy;
  }

  /** OCM's shared rollout strategy (docs/ocm-facts.md §1.3): All by default. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RolloutStrategy extends Unmodelled {
    public String type;
    public RolloutConfig all;
    public RolloutProgressive progressive;
    public RolloutProgressivePerGroup progressivePerGroup;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RolloutConfig extends Unmodelled {
    /** A soak time, e.g. "5m"; "0" by default. */
    public String minSuccessTime;
    /** e.g. "30m", or "None" (the default: wait for ever). */
    public String progressDeadline;
    /** A count or a percentage; 0 by default. Mandatory groups tolerate none whatever it says. */
    public IntOrString maxFailures;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RolloutProgressivePerGroup extends RolloutConfig {
    public List<MandatoryDecisionGroup> mandatoryDecisionGroups;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RolloutProgressive extends RolloutProgressivePerGroup {
    /** A count or a percentage; unset falls back to the placement's clustersPerDecisionGroup. */
    public IntOrString maxConcurrency;
  }

  /** A decision group by the PlacementDecision labels; groupName is matched first. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class MandatoryDecisionGroup extends Unmodelled {
    public String groupName;
    public Integer groupIndex;
  }

  /** Written by the addon-manager; Flotilla reads none of it yet (docs/ocm-facts.md §I3.3), and keeps all of it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
  }
}
