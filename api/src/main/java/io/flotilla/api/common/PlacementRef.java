package io.flotilla.api.common;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

import java.util.Objects;

/**
 * An OCM Placement (cluster.open-cluster-management.io/v1beta1) by namespace and name: the clusters its
 * PlacementDecisions name are the ones selected (docs/ocm-facts.md §I2.5). Referred to by name, as OCM's own consumers
 * refer to placements.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlacementRef {
  /** Where the hub-manager runs (manifests/hub/hub-manager.yaml): the namespace of a Placement that names none. */
  public static final String DEFAULT_NAMESPACE = "flotilla-system";

  @Pattern(Validation.DNS1123_LABEL)
  @JsonPropertyDescription("Namespace of the Placement; default flotilla-system. A Placement chooses only from the"
      + " ManagedClusterSets bound into its own namespace.")
  public String namespace;

  @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("Name of the Placement.")
  public String name;

  public PlacementRef() {}

  public PlacementRef(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  /** The namespace, or {@link #DEFAULT_NAMESPACE} when none is given. */
  @JsonIgnore
  public String namespaceOrDefault() {
    return namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
  }

  /**
   * "namespace/name", or "name" for the default namespace.
   *
   * @throws IllegalArgumentException if {@code text} is not of that form
   */
  public static PlacementRef parse(String text) {
    String t = text == null ? "" : text.trim();
    int slash = t.indexOf('/');
    PlacementRef ref = slash < 0 ? new PlacementRef(null, t) : new PlacementRef(t.substring(0, slash), t.substring(slash + 1));
    if (ref.name.isEmpty() || !ref.name.matches(Validation.DNS1123_SUBDOMAIN)
        || (ref.namespace != null && !ref.namespace.matches(Validation.DNS1123_LABEL))) {
      throw new IllegalArgumentException("'" + text + "' is not a Placement as namespace/name (or name, in "
          + DEFAULT_NAMESPACE + ")");
    }
    return ref;
  }

  @Override public boolean equals(Object o) {
    return o instanceof PlacementRef p && Objects.equals(namespaceOrDefault(), p.namespaceOrDefault())
        && Objects.equals(name, p.name);
  }

  @Override public int hashCode() { return Objects.hash(namespaceOrDefault(), name); }

  @Override public String toString() { return namespaceOrDefault() + "/" + name; }
}
