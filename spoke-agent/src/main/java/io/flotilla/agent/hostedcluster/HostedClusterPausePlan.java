package io.flotilla.agent.hostedcluster;

import io.flotilla.api.dr.v1alpha1.HostedClusterPauseStatus.SavedValue;
import io.flotilla.api.foreign.capi.Cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a HostedClusterPause (a migration holding its source paused, docs/architecture.md, flow 4) changes, and how a release puts it
 * back. A plain decision, no client.
 *
 * <p>Unlike a backup's pause ({@link PausePlan}), a HostedClusterPause writes {@code pausedUntil: "true"}, never a
 * deadline: a migration holds its source until the source is torn down or the migration rolls back, and a pause that
 * expired on its own could bring the source back to life while the destination already runs the same hosted cluster
 * (two control planes, one set of workers). The record itself is what ends the pause, and its finalizer makes sure a
 * deleted record is released.
 *
 * <p>Rules:
 * <ul>
 *   <li>A field already at the paused value (e.g. {@code pausedUntil: "true"}) is left alone and not recorded: the
 *       release must not un-pause what someone else paused.</li>
 *   <li>Every other value is recorded as it was (null = the field or annotation was absent) before anything is changed,
 *       so a crash half-way can still be undone exactly.</li>
 *   <li>A release puts a value back only while the field still has what the pause wrote: if someone changed it since,
 *       theirs wins (as {@link HostedClusterPauser#resume} does).</li>
 * </ul>
 */
public final class HostedClusterPausePlan {
  private HostedClusterPausePlan() {}

  /** The fields a HostedClusterPause writes; {@link SavedValue#field} carries {@link #path()}. */
  public enum Field {
    /** HostedCluster and NodePool: stops HyperShift reconciling them (docs/hypershift-facts.md §1.3). */
    PAUSED_UNTIL("spec.pausedUntil", "true", Purpose.PAUSE),
    /** API-server Deployments: nothing writes to etcd while paused (docs/hypershift-facts.md §1.2 step 2). */
    REPLICAS("spec.replicas", "0", Purpose.QUIESCE),
    /** The CAPI Cluster (docs/hypershift-facts.md §3.4 backup step 2). */
    CAPI_PAUSED("spec.paused", "true", Purpose.WORKERS),
    /** AgentMachines and AgentClusters: their provider checks only this (docs/hypershift-facts.md §3.1, OCPBUGS-114014). */
    PAUSED_ANNOTATION("metadata.annotations[" + Cluster.PAUSED_ANNOTATION + "]", "true", Purpose.WORKERS);

    private final String path;
    private final String pausedValue;
    private final Purpose purpose;

    Field(String path, String pausedValue, Purpose purpose) {
      this.path = path;
      this.pausedValue = pausedValue;
      this.purpose = purpose;
    }

    public String path() { return path; }

    /** The value the pause writes. */
    public String pausedValue() { return pausedValue; }

    public static Optional<Field> of(String path) {
      return Arrays.stream(values()).filter(f -> f.path.equals(path)).findFirst();
    }

    /** Whether {@code value} already pauses the object as the pause would; "True" counts for pausedUntil (§1.3). */
    boolean isPaused(String value) {
      return this == PAUSED_UNTIL ? "true".equals(value) || "True".equals(value) : pausedValue.equals(value);
    }

    /** The annotation this field is, or null for a spec field. */
    public String annotation() {
      return this == PAUSED_ANNOTATION ? Cluster.PAUSED_ANNOTATION : null;
    }

    /** The field's JSON Pointer (RFC 6901) in the object, for a JSON Patch. */
    public String jsonPointer() {
      return switch (this) {
        case PAUSED_UNTIL -> "/spec/pausedUntil";
        case REPLICAS -> "/spec/replicas";
        case CAPI_PAUSED -> "/spec/paused";
        case PAUSED_ANNOTATION -> "/metadata/annotations/" + Cluster.PAUSED_ANNOTATION.replace("~", "~0").replace("/", "~1");
      };
    }

    /** A value as {@link SavedValue} spells it, typed as the field is in JSON. */
    public Object jsonValue(String value) {
      return switch (this) {
        case REPLICAS -> Integer.valueOf(value);
        case CAPI_PAUSED -> Boolean.valueOf(value);
        case PAUSED_UNTIL, PAUSED_ANNOTATION -> value;
      };
    }

    /**
     * The JSON merge patch that sets this spec field to {@code value}; null removes the field. An annotation is not
     * written this way (see {@link ManagementObjects#setAnnotation}).
     */
    public Map<String, Object> mergePatch(String value) {
      return switch (this) {
        case PAUSED_UNTIL -> nested("spec", "pausedUntil", value);
        case REPLICAS -> nested("spec", "replicas", value == null ? null : Integer.valueOf(value));
        case CAPI_PAUSED -> nested("spec", "paused", value == null ? null : Boolean.valueOf(value));
        case PAUSED_ANNOTATION -> throw new IllegalStateException(path + " is an annotation: use setAnnotation");
      };
    }

    private static Map<String, Object> nested(String outer, String inner, Object value) {
      return Map.of(outer, nested(inner, value));
    }

    private static Map<String, Object> nested(String key, Object value) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(key, value); // a null value is kept: in a merge patch it removes the field
      return m;
    }
  }

  /** Which spec switch a field belongs to. */
  enum Purpose { PAUSE, QUIESCE, WORKERS }

  /**
   * One field of one object as it is now on the management cluster.
   *
   * @param value null when the field or annotation is absent
   */
  public record Observed(String kind, String namespace, String name, Field field, String value) {
    public Observed {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(field, "field");
    }
  }

  /**
   * The values a new pause changes, in the order it changes them (HostedCluster and NodePools first, so HyperShift
   * does not scale back what the quiesce scales down), each with what was there.
   *
   * @param observed the candidate fields, in that order
   */
  public static List<SavedValue> toSave(List<Observed> observed, boolean quiesce, boolean pauseWorkers) {
    List<SavedValue> saved = new ArrayList<>();
    for (Observed o : observed) {
      boolean wanted = switch (o.field().purpose) {
        case PAUSE -> true;
        case QUIESCE -> quiesce;
        case WORKERS -> pauseWorkers;
      };
      if (wanted && !o.field().isPaused(o.value())) {
        saved.add(new SavedValue(o.kind(), o.namespace(), o.name(), o.field().path(), o.value()));
      }
    }
    return saved;
  }

  /** The field a saved value names. */
  public static Field fieldOf(SavedValue saved) {
    return Field.of(saved.field).orElseThrow(() -> new IllegalArgumentException(
        "unknown field '" + saved.field + "' on " + describe(saved)));
  }

  /** The order a release puts values back: the reverse of the pause's (workers, quiesce, then pausedUntil last). */
  public static List<SavedValue> releaseOrder(List<SavedValue> saved) {
    List<SavedValue> order = new ArrayList<>(saved == null ? List.of() : saved);
    Collections.reverse(order);
    return order;
  }

  /** What a release does with one saved value. */
  public enum Release {
    /** The field still has what the pause wrote: write the saved value back. */
    PUT_BACK,
    /** The field already has the saved value (e.g. a release that was interrupted). */
    ALREADY_BACK,
    /** Someone changed the field since the pause wrote it: theirs wins. */
    CHANGED_SINCE,
    /** The object no longer exists. */
    GONE
  }

  /**
   * @param exists whether the object still exists
   * @param now    the field's value now (null = absent)
   */
  public static Release release(SavedValue saved, boolean exists, String now) {
    if (!exists) {
      return Release.GONE;
    }
    Field field = fieldOf(saved);
    if (Objects.equals(now, saved.value)) {
      return Release.ALREADY_BACK;
    }
    return field.pausedValue().equals(now) ? Release.PUT_BACK : Release.CHANGED_SINCE;
  }

  /** "Deployment clusters-hc-1/kube-apiserver spec.replicas", for messages. */
  public static String describe(SavedValue v) {
    return v.kind + " " + (v.namespace == null ? "" : v.namespace + "/") + v.name + " " + v.field;
  }
}
