package io.flotilla.sandbox.ocm.addon;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The work agent's decisions (ocm's pkg/work/spoke, docs/ocm-facts.md §2.5, §I7.2): the order objects are applied in,
 * whether an object belongs to the work (is deleted with it), the feedback values an object's status gives, and the
 * work's Applied and Available conditions from its objects'. Values in, values out.
 */
public final class WorkStatusPlan {
  private WorkStatusPlan() {}

  /** Per-object condition reasons. */
  public static final String APPLIED_COMPLETE = "AppliedManifestComplete";
  public static final String APPLIED_FAILED = "AppliedManifestFailed";
  public static final String RESOURCE_AVAILABLE = "ResourceAvailable";
  public static final String RESOURCE_NOT_AVAILABLE = "ResourceNotAvailable";
  public static final String FEEDBACK_SYNCED = "StatusFeedbackSynced";

  /** resourceApplyOrder: cluster-scoped foundations, RBAC, identities, config, networking, workloads, webhooks. */
  private static final Map<String, Integer> RANK = Map.ofEntries(
      Map.entry("PriorityClass", 0), Map.entry("Namespace", 0), Map.entry("CustomResourceDefinition", 0),
      Map.entry("StorageClass", 0), Map.entry("PersistentVolume", 0), Map.entry("PodSecurityPolicy", 0),
      Map.entry("ClusterRole", 1), Map.entry("ClusterRoleBinding", 1), Map.entry("Role", 1), Map.entry("RoleBinding", 1),
      Map.entry("NetworkPolicy", 2), Map.entry("ResourceQuota", 2), Map.entry("LimitRange", 2),
      Map.entry("PodDisruptionBudget", 2), Map.entry("ServiceAccount", 2),
      Map.entry("Secret", 3), Map.entry("ConfigMap", 3), Map.entry("PersistentVolumeClaim", 3),
      Map.entry("Service", 4),
      Map.entry("DaemonSet", 5), Map.entry("Pod", 5), Map.entry("ReplicationController", 5), Map.entry("ReplicaSet", 5),
      Map.entry("Deployment", 5), Map.entry("HorizontalPodAutoscaler", 5), Map.entry("StatefulSet", 5),
      Map.entry("Job", 5), Map.entry("CronJob", 5),
      Map.entry("APIService", 6), Map.entry("MutatingWebhookConfiguration", 6),
      Map.entry("ValidatingWebhookConfiguration", 6), Map.entry("ValidatingAdmissionPolicy", 6),
      Map.entry("ValidatingAdmissionPolicyBinding", 6));

  /** Lower first; kinds not listed after all listed ones, in spec order (a stable sort). */
  public static int applyRank(String kind) { return RANK.getOrDefault(kind, 1000); }

  /**
   * OwnedByTheWork: Foreground (or no option) owns everything, Orphan nothing, SelectivelyOrphan all but its rules.
   * An owned object is deleted when the work goes or when it leaves the work's manifests.
   */
  public static boolean ownedByTheWork(ManifestWork.DeleteOption option, ManifestWork.ResourceIdentifier object) {
    if (option == null || option.propagationPolicy == null
        || ManifestWork.DELETE_FOREGROUND.equals(option.propagationPolicy)) {
      return true;
    }
    if (ManifestWork.DELETE_ORPHAN.equals(option.propagationPolicy)) {
      return false;
    }
    if (option.selectivelyOrphans == null || option.selectivelyOrphans.orphaningRules == null) {
      return true;
    }
    return option.selectivelyOrphans.orphaningRules.stream().noneMatch(rule -> Manifests.sameObject(rule, object));
  }

  /** The JSON paths WellKnownStatus reads per kind (ocm's statusfeedback/rules). */
  static List<ManifestWork.JsonPath> wellKnownPaths(String group, String kind) {
    String key = group + "/" + kind;
    return switch (key) {
      case "apps/Deployment" -> paths("ReadyReplicas", ".status.readyReplicas", "Replicas", ".status.replicas",
          "AvailableReplicas", ".status.availableReplicas");
      case "apps/DaemonSet" -> paths("NumberReady", ".status.numberReady", "DesiredNumberScheduled",
          ".status.desiredNumberScheduled", "NumberAvailable", ".status.numberAvailable");
      case "batch/Job" -> paths("JobComplete", ".status.conditions[?(@.type==\"Complete\")].status", "JobSucceeded",
          ".status.succeeded");
      case "/Pod" -> paths("PodReady", ".status.conditions[?(@.type==\"Ready\")].status", "PodPhase", ".status.phase");
      default -> List.of();
    };
  }

  /**
   * The values an object's feedback rules give: a path that finds nothing is left out (so a Deployment without status
   * gives none), a list or object is left out too (the sandbox has no JsonRaw).
   */
  public static List<ManifestWork.FeedbackValue> feedback(Map<String, Object> object, ManifestWork.ManifestConfig config) {
    List<ManifestWork.FeedbackValue> values = new ArrayList<>();
    if (config == null || config.feedbackRules == null) {
      return values;
    }
    for (ManifestWork.FeedbackRule rule : config.feedbackRules) {
      List<ManifestWork.JsonPath> paths = ManifestWork.FEEDBACK_WELL_KNOWN_STATUS.equals(rule.type)
          ? wellKnownPaths(Manifests.group(object), Manifests.kind(object))
          : rule.jsonPaths == null ? List.of() : rule.jsonPaths;
      for (ManifestWork.JsonPath p : paths) {
        value(object, p.path).ifPresent(v -> {
          ManifestWork.FeedbackValue fv = new ManifestWork.FeedbackValue();
          fv.name = p.name;
          fv.fieldValue = v;
          values.add(fv);
        });
      }
    }
    return values;
  }

  private static final Configuration PATHS = Configuration.defaultConfiguration()
      .addOptions(Option.SUPPRESS_EXCEPTIONS, Option.ALWAYS_RETURN_LIST);

  private static Optional<ManifestWork.FieldValue> value(Map<String, Object> object, String path) {
    if (path == null || path.isEmpty()) {
      return Optional.empty();
    }
    // Kubernetes' JSONPath starts at the object ("{.status...}" without the braces); jayway's at "$".
    List<?> found = JsonPath.using(PATHS).parse(object).read("$" + (path.startsWith(".") || path.startsWith("[")
        ? path : "." + path));
    if (found == null || found.size() != 1 || found.get(0) == null) {
      return Optional.empty();
    }
    Object v = found.get(0);
    ManifestWork.FieldValue fv = new ManifestWork.FieldValue();
    if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
      fv.type = "Integer";
      fv.integer = n.longValue();
    } else if (v instanceof String s) {
      fv.type = "String";
      fv.string = s;
    } else {
      return Optional.empty();
    }
    return Optional.of(fv);
  }

  /** Applied on the work: True when every object applied, False when one did not; none before any was tried. */
  public static Optional<DesiredCondition> applied(List<Boolean> objectsApplied) {
    if (objectsApplied.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(objectsApplied.stream().allMatch(Boolean::booleanValue)
        ? new DesiredCondition(ManifestWork.APPLIED, Conditions.TRUE, "AppliedManifestWorkComplete",
            "Apply manifest work complete")
        : new DesiredCondition(ManifestWork.APPLIED, Conditions.FALSE, "AppliedManifestWorkFailed",
            "Failed to apply manifest work"));
  }

  /**
   * Available on the work, from its objects' Available (each: the object exists): False when one is missing, Unknown
   * when one is unknown or there are none, else True. It says nothing of the objects' health (§I3.4 item 4).
   *
   * @param objectsAvailable per object: "True", "False" or "Unknown"
   */
  public static DesiredCondition available(List<String> objectsAvailable) {
    long missing = objectsAvailable.stream().filter(Conditions.FALSE::equals).count();
    long unknown = objectsAvailable.stream().filter(Conditions.UNKNOWN::equals).count();
    int total = objectsAvailable.size();
    if (missing > 0) {
      return new DesiredCondition(ManifestWork.AVAILABLE, Conditions.FALSE, "ResourcesNotAvailable",
          missing + " of " + total + " resources are not available");
    }
    if (unknown > 0) {
      return new DesiredCondition(ManifestWork.AVAILABLE, Conditions.UNKNOWN, "ResourcesStatusUnknown",
          unknown + " of " + total + " resources have unknown status");
    }
    if (total == 0) {
      return new DesiredCondition(ManifestWork.AVAILABLE, Conditions.UNKNOWN, "ResourcesStatusUnknown",
          "cannot get any available resource ");
    }
    return new DesiredCondition(ManifestWork.AVAILABLE, Conditions.TRUE, "ResourcesAvailable",
        "All resources are available");
  }

  private static List<ManifestWork.JsonPath> paths(String... nameAndPath) {
    List<ManifestWork.JsonPath> result = new ArrayList<>();
    for (int i = 0; i < nameAndPath.length; i += 2) {
      ManifestWork.JsonPath p = new ManifestWork.JsonPath();
      p.name = nameAndPath[i];
      p.path = nameAndPath[i + 1];
      result.add(p);
    }
    return result;
  }
}
