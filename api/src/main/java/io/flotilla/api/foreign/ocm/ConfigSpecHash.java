package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flotilla.api.foreign.Unmodelled;

/**
 * One config by name with the hash of its spec, as the addon-manager records it per cluster: desired (released to the
 * cluster) and last applied (running there) (docs/ocm-facts.md §1.6, §I3.3).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConfigSpecHash extends Unmodelled {
  public String namespace;
  public String name;
  public String specHash;
}
