package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flotilla.api.foreign.Unmodelled;

/**
 * A configuration an add-on uses, by group, resource and name (v1alpha1 AddOnConfig): in a ClusterManagementAddOn's
 * placement strategies and in a ManagedClusterAddOn's spec, where it wins over both (docs/ocm-facts.md §1.6). Naming an
 * AddOnTemplate here picks the add-on's version (docs/ocm-facts.md §I3.2).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AddOnConfig extends Unmodelled {
  /** "" (the core group) when unset. */
  public String group;
  public String resource;
  /** Empty for a cluster-scoped config such as an AddOnTemplate. */
  public String namespace;
  public String name;

  public AddOnConfig() {}

  public AddOnConfig(String group, String resource, String namespace, String name) {
    this.group = group;
    this.resource = resource;
    this.namespace = namespace;
    this.name = name;
  }

  public static AddOnConfig template(String name) {
    return new AddOnConfig(AddOnTemplate.GROUP, AddOnTemplate.RESOURCE, null, name);
  }

  public static AddOnConfig deploymentConfig(String namespace, String name) {
    return new AddOnConfig(AddOnDeploymentConfig.GROUP, AddOnDeploymentConfig.RESOURCE, namespace, name);
  }
}
