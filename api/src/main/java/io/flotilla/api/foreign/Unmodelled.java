package io.flotilla.api.foreign;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries the fields of a foreign object that we do not model, so they survive a round trip. Same shape as
 * fabric8's generated models, which the CRD generator understands as "preserve the rest".
 */
public abstract class Unmodelled {
  @JsonIgnore
  private final Map<String, Object> additionalProperties = new LinkedHashMap<>();

  // @JsonIgnore keeps the CRD generator from emitting a property; Jackson still honours the any-getter.
  @JsonIgnore
  @JsonAnyGetter
  public Map<String, Object> getAdditionalProperties() { return additionalProperties; }

  @JsonIgnore
  @JsonAnySetter
  public void setAdditionalProperty(String name, Object value) { additionalProperties.put(name, value); }
}
