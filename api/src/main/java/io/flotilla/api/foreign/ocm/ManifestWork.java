package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;
import java.util.Map;

/**
 * OCM's ManifestWork (work.open-cluster-management.io/v1, namespaced): objects the hub has the work agent apply on the
 * cluster whose namespace holds it. Its spec is also an AddOnTemplate's agentSpec (docs/ocm-facts.md §I1.2). A work is
 * Available when its objects exist, which says nothing of their health (docs/ocm-facts.md §I3.4 item 4).
 */
@Group(ManifestWork.GROUP)
@Version(ManifestWork.VERSION)
@Plural("manifestworks")
public class ManifestWork extends CustomResource<ManifestWork.Spec, ManifestWork.Status> implements Namespaced {
  public static final String GROUP = "work.open-cluster-management.io";
  public static final String VERSION = "v1";

  /** Condition types (docs/ocm-facts.md §2.5). */
  public static final String APPLIED = "Applied";
  public static final String AVAILABLE = "Available";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public Workload workload;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Workload extends Unmodelled {
    public List<Manifest> manifests;
  }

  /** One whole Kubernetes object, kept as it is: the schema preserves everything in it (docs/ocm-facts.md §I5.2). */
  @PreserveUnknownFields
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Manifest extends Unmodelled {
    public static Manifest of(Map<String, Object> object) {
      Manifest manifest = new Manifest();
      manifest.getAdditionalProperties().putAll(object);
      return manifest;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions;
  }
}
