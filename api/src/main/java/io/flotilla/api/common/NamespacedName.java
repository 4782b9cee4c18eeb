package io.flotilla.api.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

import java.util.Objects;

/** A reference to a namespaced object by namespace and name (e.g. a HostedCluster on a management cluster). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NamespacedName {
  @Required @Pattern(Validation.DNS1123_LABEL)
  public String namespace;
  @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
  public String name;

  public NamespacedName() {}

  public NamespacedName(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  @Override public boolean equals(Object o) {
    return o instanceof NamespacedName n && Objects.equals(namespace, n.namespace) && Objects.equals(name, n.name);
  }

  @Override public int hashCode() { return Objects.hash(namespace, name); }

  @Override public String toString() { return namespace + "/" + name; }
}
