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

  /** What happens to the applied objects when the work goes: Foreground (unset means it) deletes them (docs/ocm-facts.md §I7.2). */
  public static final String DELETE_FOREGROUND = "Foreground";
  public static final String DELETE_ORPHAN = "Orphan";
  public static final String DELETE_SELECTIVELY_ORPHAN = "SelectivelyOrphan";
  /** Feedback rule types; WellKnownStatus reads fixed fields per kind (Deployment: ReadyReplicas, Replicas, AvailableReplicas). */
  public static final String FEEDBACK_WELL_KNOWN_STATUS = "WellKnownStatus";
  public static final String FEEDBACK_JSON_PATHS = "JSONPaths";
  /** On the work: the spec hash of every config it was rendered from, a JSON map (docs/ocm-facts.md §1.6). */
  public static final String CONFIG_SPEC_HASH_ANNOTATION = "open-cluster-management.io/config-spec-hash";
  /** The work agent's finalizer on the hub's work: the applied objects go before the work does (docs/ocm-facts.md §I7.2). */
  public static final String CLEANUP_FINALIZER = "cluster.open-cluster-management.io/manifest-work-cleanup";

  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    public Workload workload;
    /** Unset is Foreground: every applied object is deleted with the work (docs/ocm-facts.md §I7.2). */
    public DeleteOption deleteOption;
    /** Per object: the status fields the work agent reports back (docs/ocm-facts.md §2.5, §I1.6). */
    public List<ManifestConfig> manifestConfigs;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class DeleteOption extends Unmodelled {
    /** Foreground, Orphan or SelectivelyOrphan. */
    public String propagationPolicy;
    /** The objects that stay when the policy is SelectivelyOrphan (the JSON name is plural, its type is not). */
    public SelectivelyOrphan selectivelyOrphans;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SelectivelyOrphan extends Unmodelled {
    public List<ResourceIdentifier> orphaningRules;
  }

  /** One object of the work by group, resource (plural), namespace and name; OCM sends group and namespace even when "". */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResourceIdentifier extends Unmodelled {
    public String group;
    /** Required. */
    public String resource;
    /** Required. */
    public String name;
    public String namespace;

    public ResourceIdentifier() {}

    public ResourceIdentifier(String group, String resource, String namespace, String name) {
      this.group = group;
      this.resource = resource;
      this.namespace = namespace;
      this.name = name;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ManifestConfig extends Unmodelled {
    /** Required. */
    public ResourceIdentifier resourceIdentifier;
    public List<FeedbackRule> feedbackRules;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FeedbackRule extends Unmodelled {
    /** WellKnownStatus or JSONPaths; required. */
    public String type;
    public List<JsonPath> jsonPaths;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class JsonPath extends Unmodelled {
    public String name;
    public String path;
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
    /** Per object: its conditions and the feedback values its manifestConfigs asked for. */
    public ResourceStatus resourceStatus;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResourceStatus extends Unmodelled {
    public List<ManifestCondition> manifests;
  }

  /** resourceMeta and conditions are required. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ManifestCondition extends Unmodelled {
    public ResourceMeta resourceMeta;
    public StatusFeedback statusFeedback;
    public List<Condition> conditions;
  }

  /** Which manifest of the spec (ordinal, required) and the object it became. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResourceMeta extends Unmodelled {
    public Integer ordinal;
    public String group;
    public String version;
    public String kind;
    public String resource;
    public String name;
    public String namespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class StatusFeedback extends Unmodelled {
    public List<FeedbackValue> values;
  }

  /** name and fieldValue are required. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FeedbackValue extends Unmodelled {
    public String name;
    public FieldValue fieldValue;
  }

  /** type (Integer, String, Boolean or JsonRaw) is required; the value sits in the field of that type. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class FieldValue extends Unmodelled {
    public String type;
    public Long integer;
    public String string;
  }
}
