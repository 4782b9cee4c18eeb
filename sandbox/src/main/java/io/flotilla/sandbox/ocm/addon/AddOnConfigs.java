package io.flotilla.sandbox.ocm.addon;

import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which configs an add-on uses on one cluster (docs/ocm-facts.md §1.6, §I1.3): the ClusterManagementAddOn's defaults,
 * replaced per (group, resource) by the configs of the placement the cluster hangs under, replaced in turn by the
 * ManagedClusterAddOn's own {@code spec.configs}. A replacement is whole: a per-cluster config of a type drops every
 * inherited one of that type (§I3.4 item 5). Values in, values out.
 */
public final class AddOnConfigs {
  private AddOnConfigs() {}

  /** A config type. */
  public record Type(String group, String resource) {
    static Type of(AddOnConfig c) { return new Type(c.group == null ? "" : c.group, c.resource); }
  }

  public static final Type TEMPLATE = new Type(AddOnTemplate.GROUP, AddOnTemplate.RESOURCE);
  public static final Type DEPLOYMENT_CONFIG = new Type(AddOnDeploymentConfig.GROUP, AddOnDeploymentConfig.RESOURCE);

  /** The only config types a template add-on supports (addon-framework's BuiltInAddOnConfigGVRs; §I3.4 item 8). */
  public static final List<Type> SUPPORTED = List.of(DEPLOYMENT_CONFIG, TEMPLATE);

  /** Whether the addon-manager treats the add-on as a template add-on: AddOnTemplate is among its config types (§I1.2). */
  public static boolean isTemplateAddOn(ClusterManagementAddOn cma) {
    return cma.getSpec() != null && cma.getSpec().supportedConfigs != null && cma.getSpec().supportedConfigs.stream()
        .anyMatch(c -> TEMPLATE.equals(new Type(c.group == null ? "" : c.group, c.resource)));
  }

  /**
   * @param placement the placement strategy the cluster hangs under (the last of the CMA's placements that selects it),
   *                  or null (install strategy Manual, or no placement selects it)
   * @return the effective configs, ordered by group, then resource, then as declared
   */
  public static List<AddOnConfig> effective(ClusterManagementAddOn cma, ClusterManagementAddOn.PlacementStrategy placement,
                                            ManagedClusterAddOn mca) {
    Map<Type, List<AddOnConfig>> byType = new LinkedHashMap<>();
    if (cma.getSpec() != null && cma.getSpec().supportedConfigs != null) {
      for (ClusterManagementAddOn.ConfigMeta meta : cma.getSpec().supportedConfigs) {
        if (meta.defaultConfig != null && meta.defaultConfig.name != null) {
          Type type = new Type(meta.group == null ? "" : meta.group, meta.resource);
          byType.computeIfAbsent(type, t -> new ArrayList<>())
              .add(new AddOnConfig(type.group(), type.resource(), meta.defaultConfig.namespace, meta.defaultConfig.name));
        }
      }
    }
    if (placement != null) {
      override(byType, placement.configs);
    }
    if (mca.getSpec() != null) {
      override(byType, mca.getSpec().configs);
    }
    List<AddOnConfig> result = new ArrayList<>();
    byType.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<Type, List<AddOnConfig>> e) -> e.getKey().group())
            .thenComparing(e -> e.getKey().resource()))
        .forEach(e -> result.addAll(e.getValue()));
    return result;
  }

  private static void override(Map<Type, List<AddOnConfig>> byType, List<AddOnConfig> configs) {
    if (configs == null) {
      return;
    }
    Map<Type, List<AddOnConfig>> mine = new LinkedHashMap<>();
    for (AddOnConfig c : configs) {
      mine.computeIfAbsent(Type.of(c), t -> new ArrayList<>())
          .add(new AddOnConfig(Type.of(c).group(), c.resource, c.namespace, c.name));
    }
    byType.putAll(mine);
  }

  /** The first config of a type (the template controller reads the first AddOnTemplate and the first ADC). */
  public static Optional<AddOnConfig> first(List<AddOnConfig> configs, Type type) {
    return configs.stream().filter(c -> type.equals(Type.of(c))).findFirst();
  }

  /** A type in {@code spec.configs} a template add-on does not support: Progressing ConfigurationUnsupported (§1.7). */
  public static Optional<Type> unsupported(ManagedClusterAddOn mca) {
    if (mca.getSpec() == null || mca.getSpec().configs == null) {
      return Optional.empty();
    }
    return mca.getSpec().configs.stream().map(Type::of).filter(t -> !SUPPORTED.contains(t)).findFirst();
  }
}
